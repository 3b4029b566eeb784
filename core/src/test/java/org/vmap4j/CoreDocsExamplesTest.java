package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.customVjpPytree;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradAll;
import static org.vmap4j.Func.gradThird;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacfwdBoth;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jacrevSecond;
import static org.vmap4j.Func.jacrevWithAux;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.trace;
import static org.vmap4j.Func.valueAndGrad;
import static org.vmap4j.Func.vjpWithAux;
import static org.vmap4j.Func.vmap;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.ir.Program;

/**
 * The snippets of docs/core.md, section "More arities, Jacobians of pytrees, aux outputs, custom
 * rules for pytrees", as written there (between the markers), with checks of what they claim.
 */
class CoreDocsExamplesTest {
  record Layer(Tensor w, Tensor b) {}

  record Pair(Tensor a, Tensor b) {}

  final Tensor w = Tensor.of(new double[] {0.5, -1, 2});
  final Tensor xs = Tensor.randomNormal(1, DType.F64, 4, 3);
  final Tensor ys = Tensor.randomNormal(2, DType.F64, 4);
  final Tensor x = Tensor.of(new double[] {0.3, -1.2, 0.7});
  final Tensor y = Tensor.scalar(0.25);
  final Layer layer =
      new Layer(Tensor.randomNormal(3, DType.F64, 2, 3), Tensor.of(new double[] {0.1, -0.4}));
  final Pair pair = new Pair(Tensor.of(new double[] {0.5, -1}), Tensor.of(new double[] {2, 3}));

  /** Each snippet below appears verbatim (less its indentation) in docs/core.md. */
  @Test
  void theSnippetsAreTheOnesInTheDocs() throws java.io.IOException {
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/core.md"));
    String source =
        java.nio.file.Files.readString(
            java.nio.file.Path.of("src/test/java/org/vmap4j/CoreDocsExamplesTest.java"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?s)    // --- docs/core.md\n(.*?)    // ---\n")
            .matcher(source);
    int found = 0;
    while (m.find()) {
      String snippet = m.group(1).replaceAll("(?m)^    ", "");
      assertThat(docs).as("docs/core.md holds the snippet%n%s", snippet).contains(snippet);
      found++;
    }
    assertThat(found).isEqualTo(5);
  }

  @Test
  void threeAndFourArguments() {
    // --- docs/core.md
    Fn3<Tensor, Tensor, Tensor, Tensor> loss = (w, x, y) -> x.dot(w).sub(y).square();
    Tensor perExample = vmap(grad(loss), InDims.of(null, 0, 0)).apply(w, xs, ys); // [B, D]
    Fn3<Tensor, Tensor, Tensor, Tensor> compiled = jit(vmap(grad(loss), InDims.of(null, 0, 0)));
    Tensor dLabel = gradThird(loss).apply(w, x, y); // argnums=2
    Grads3<Tensor, Tensor, Tensor> all = gradAll(loss).apply(w, x, y); // .first() ...
    ValueAndGrad<Tensor> vg = valueAndGrad(loss).apply(w, x, y);
    Program program = trace(loss, w, x, y); // 3 inputs
    // ---
    assertThat(perExample.shape()).containsExactly(4, 3);
    Tensor residuals = xs.matmul(w).sub(ys);
    assertThat(perExample.allClose(xs.mul(residuals.mul(2).unsqueeze(1)), 1e-14, 1e-14)).isTrue();
    assertThat(compiled.apply(w, xs, ys).allClose(perExample, 1e-14, 1e-14)).isTrue();
    double r = x.dot(w).item() - y.item();
    assertThat(dLabel.item()).isCloseTo(-2 * r, org.assertj.core.data.Offset.offset(1e-14));
    assertThat(all.second().allClose(w.mul(2 * r), 1e-14, 1e-14)).isTrue();
    assertThat(vg.value().item()).isCloseTo(r * r, org.assertj.core.data.Offset.offset(1e-14));
    assertThat(program.toString()).startsWith("{ lambda a:f64[3] b:f64[3] c:f64[] ;");
  }

  @Test
  void jacobiansOfPytrees() {
    // --- docs/core.md
    Function<Layer, Tensor> out = p -> p.w().matmul(x).add(p.b()).tanh(); // [2]
    Layer j = jacrev(out).apply(layer); // j.w(): [2, 2, 3], j.b(): [2, 2]
    Layer sameForward = jacfwd(out, 4).apply(layer); // forward mode, 4 tangents at a time
    BiFunction<Layer, Tensor, Tensor> f = (p, v) -> p.w().matmul(v).add(p.b()).tanh();
    Tensor dx = jacrevSecond(f).apply(layer, x); // [2, 3]
    Grads<Layer, Tensor> both = jacfwdBoth(f).apply(layer, x);
    // ---
    assertThat(j.w().shape()).containsExactly(2, 2, 3);
    assertThat(j.b().shape()).containsExactly(2, 2);
    // closed form: d tanh(z)_i / d b_k = (1 - tanh(z_i)^2) delta_ik
    Tensor d = out.apply(layer).square().neg().add(1);
    assertThat(j.b().allClose(Tensor.eye(2).mul(d.unsqueeze(1)), 1e-14, 1e-14)).isTrue();
    assertThat(sameForward.w().allClose(j.w(), 1e-14, 1e-14)).isTrue();
    assertThat(dx.allClose(layer.w().mul(d.unsqueeze(1)), 1e-14, 1e-14)).isTrue();
    assertThat(both.second().allClose(dx, 1e-14, 1e-14)).isTrue();
    assertThat(both.first().w().allClose(j.w(), 1e-14, 1e-14)).isTrue();
  }

  @Test
  void auxOutputs() {
    // --- docs/core.md
    Function<Layer, WithAux<Tensor>> withHidden =
        p -> {
          Tensor z = p.w().matmul(x).add(p.b());
          return new WithAux<>(z.tanh(), z);
        };
    VjpAndAux<Layer, Tensor> v = vjpWithAux(withHidden, layer); // v.value(), v.aux()
    Layer cotangent = v.pullback(Tensor.of(new double[] {1, 0}));
    JacobianAndAux<Layer, Tensor> ja =
        jacrevWithAux(withHidden).apply(layer); // .jacobian(), .aux()
    // ---
    Tensor z = layer.w().matmul(x).add(layer.b());
    assertThat(v.aux().allClose(z, 0, 0)).isTrue();
    assertThat(ja.aux().allClose(z, 0, 0)).isTrue();
    assertThat(ja.jacobian().b().index(0, 0).allClose(cotangent.b(), 1e-15, 1e-15)).isTrue();
    double d0 = 1 - Math.pow(Math.tanh(z.toDoubleArray()[0]), 2);
    assertThat(cotangent.b().toDoubleArray()).containsExactly(d0, 0);
  }

  @Test
  void customRulesForPytrees() {
    // --- docs/core.md
    Function<Pair, Tensor> softplusTimes =
        customVjpPytree(
            (Pair p) -> p.a().exp().log1p().mul(p.b()),
            (p, y, g) -> new Pair(g.mul(p.b()).mul(p.a().sigmoid()), g.mul(p.a().exp().log1p())));
    Pair g = grad((Pair p) -> softplusTimes.apply(p).sum()).apply(pair);
    // ---
    Pair plain = grad((Pair p) -> p.a().exp().log1p().mul(p.b()).sum()).apply(pair);
    assertThat(g.a().allClose(plain.a(), 1e-15, 1e-15)).isTrue();
    assertThat(g.b().allClose(plain.b(), 1e-15, 1e-15)).isTrue();
  }

  @Test
  void maxAndMinWithIndices() {
    // --- docs/core.md
    Tensor t = Tensor.of(new double[] {3, 1, 3, 0}, 2, 2); // rows [3, 1] and [3, 0]
    ValuesAndIndices m = t.maxWithIndices(0); // values [3, 1], indices [0, 0]
    Tensor toIndex =
        grad((Tensor v) -> v.maxWithIndices(0).values().sum()).apply(t); // [[1, 1], [0, 0]]
    Tensor split = grad((Tensor v) -> v.max(0).sum()).apply(t); // [[0.5, 1], [0.5, 0]]
    // ---
    assertThat(m.values().toDoubleArray()).containsExactly(3, 1);
    assertThat(m.indices().toLongArray()).containsExactly(0, 0);
    assertThat(toIndex.toDoubleArray()).containsExactly(1, 1, 0, 0);
    assertThat(split.toDoubleArray()).containsExactly(0.5, 1, 0.5, 0);
  }
}
