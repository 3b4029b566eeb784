package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradAll;
import static org.vmap4j.Func.gradFourth;
import static org.vmap4j.Func.gradSecond;
import static org.vmap4j.Func.gradThird;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.trace;
import static org.vmap4j.Func.valueAndGrad;
import static org.vmap4j.Func.vmap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.vmap4j.ir.Program;

/**
 * The three- and four-argument transforms ({@link Fn3}, {@link Fn4}) against independent
 * references: vmap against a per-example loop (random in_dims including unmapped arguments, random
 * out_dim, chunking), every argnums choice of grad against central finite differences, vmap of grad
 * against a loop of grad, jit against eager.
 */
class ArityTest {
  /** A function of three or four tensors with the per-example shapes of its arguments. */
  record Case(String name, int[][] shapes, Function<Tensor[], Tensor> f) {
    @Override
    public String toString() {
      return name;
    }

    int arity() {
      return shapes.length;
    }

    Tensor[] args(Random r) {
      Tensor[] a = new Tensor[shapes.length];
      for (int i = 0; i < a.length; i++) {
        a[i] = Tensor.randomNormal(r.nextLong(), DType.F64, shapes[i]);
      }
      return a;
    }

    /** The case through the public Fn3/Fn4 type, so the tests go through the new overloads. */
    Fn3<Tensor, Tensor, Tensor, Tensor> fn3() {
      return (a, b, c) -> f.apply(new Tensor[] {a, b, c});
    }

    Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> fn4() {
      return (a, b, c, d) -> f.apply(new Tensor[] {a, b, c, d});
    }
  }

  static final List<Case> CASES =
      List.of(
          new Case(
              "affine_tanh",
              new int[][] {{2, 3}, {3}, {2}},
              a -> a[0].matmul(a[1]).add(a[2]).tanh()),
          new Case(
              "elementwise_mix",
              new int[][] {{4}, {4}, {4}},
              a -> a[0].mul(a[1].sin()).add(a[2].tanh().mul(a[0])).sub(a[1].square())),
          new Case(
              "softmax_scores",
              new int[][] {{3, 2}, {2}, {}},
              a -> a[0].matmul(a[1]).mul(a[2]).softmax(0)),
          new Case(
              "residual_4",
              new int[][] {{2, 3}, {3}, {2}, {2}},
              a -> a[0].matmul(a[1]).add(a[2]).sub(a[3]).square()),
          new Case(
              "where_max_4",
              new int[][] {{3}, {3}, {3}, {3, 2}},
              a -> Tensor.where(a[0].gt(a[1]), a[2].exp(), a[0].mul(a[2])).mul(a[3].max(1))));

  @Provide
  Arbitrary<Case> cases() {
    return Arbitraries.of(CASES);
  }

  private static Object apply(Case c, Tensor[] a) {
    return c.arity() == 3 ? c.fn3().apply(a[0], a[1], a[2]) : c.fn4().apply(a[0], a[1], a[2], a[3]);
  }

  private static Tensor vmapped(Case c, Integer[] dims, int outDim, int chunk, Tensor[] a) {
    VmapOptions o =
        VmapOptions.defaults().inDims(InDims.of(dims)).outDims(OutDims.of(outDim)).chunkSize(chunk);
    return c.arity() == 3
        ? vmap(c.fn3(), o).apply(a[0], a[1], a[2])
        : vmap(c.fn4(), o).apply(a[0], a[1], a[2], a[3]);
  }

  @Property(tries = 120)
  void vmapEqualsALoopOverExamples(
      @ForAll("cases") Case c,
      @ForAll @IntRange(min = 1, max = 4) int size,
      @ForAll @IntRange(min = 0, max = 2) int chunk,
      @ForAll long seed) {
    Random r = new Random(seed);
    Integer[] dims = new Integer[c.arity()];
    for (int i = 0; i < dims.length; i++) {
      int rank = c.shapes()[i].length + 1;
      dims[i] = i > 0 && r.nextInt(3) == 0 ? null : r.nextInt(rank) - (r.nextBoolean() ? rank : 0);
    }
    Tensor[] shared = c.args(r);
    List<Tensor[]> examples = new ArrayList<>();
    for (int b = 0; b < size; b++) {
      Tensor[] e = c.args(r);
      for (int i = 0; i < e.length; i++) {
        if (dims[i] == null) {
          e[i] = shared[i];
        }
      }
      examples.add(e);
    }
    Tensor[] batched = new Tensor[c.arity()];
    for (int i = 0; i < batched.length; i++) {
      if (dims[i] == null) {
        batched[i] = shared[i];
        continue;
      }
      Tensor[] column = new Tensor[size];
      for (int b = 0; b < size; b++) {
        column[b] = examples.get(b)[i];
      }
      int rank = c.shapes()[i].length + 1;
      batched[i] = Tensor.stack(dims[i] < 0 ? dims[i] + rank : dims[i], column);
    }
    Tensor[] results = new Tensor[size];
    for (int b = 0; b < size; b++) {
      results[b] = c.f().apply(examples.get(b));
    }
    int outRank = results[0].ndim() + 1;
    int outDim = r.nextInt(outRank);
    Tensor want = Tensor.stack(outDim, results);
    Tensor got = vmapped(c, dims, outDim, chunk, batched);
    assertThat(got.shape()).isEqualTo(want.shape());
    assertThat(got.allClose(want, 1e-12, 1e-12))
        .as("%s in_dims %s out_dim %d: %s vs %s", c, Arrays.toString(dims), outDim, got, want)
        .isTrue();
  }

  /** sum(f * w) for fixed random weights w: a scalar whose gradient involves all of f's output. */
  private static Function<Tensor[], Tensor> weighted(Case c, long seed) {
    return a -> {
      Tensor y = c.f().apply(a);
      return y.mul(Tensor.randomNormal(seed, DType.F64, y.shape())).sum();
    };
  }

  private static Object gradOf(Case c, Function<Tensor[], Tensor> loss, int argnum, Tensor[] a) {
    if (c.arity() == 3) {
      Fn3<Tensor, Tensor, Tensor, Tensor> f = (x, y, z) -> loss.apply(new Tensor[] {x, y, z});
      return switch (argnum) {
        case 0 -> grad(f).apply(a[0], a[1], a[2]);
        case 1 -> gradSecond(f).apply(a[0], a[1], a[2]);
        case 2 -> gradThird(f).apply(a[0], a[1], a[2]);
        default -> gradAll(f).apply(a[0], a[1], a[2]);
      };
    }
    Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> f =
        (x, y, z, w) -> loss.apply(new Tensor[] {x, y, z, w});
    return switch (argnum) {
      case 0 -> grad(f).apply(a[0], a[1], a[2], a[3]);
      case 1 -> gradSecond(f).apply(a[0], a[1], a[2], a[3]);
      case 2 -> gradThird(f).apply(a[0], a[1], a[2], a[3]);
      case 3 -> gradFourth(f).apply(a[0], a[1], a[2], a[3]);
      default -> gradAll(f).apply(a[0], a[1], a[2], a[3]);
    };
  }

  /** Central differences of a scalar function with respect to argument {@code k}. */
  private static Tensor finiteDifferences(Function<Tensor[], Tensor> loss, Tensor[] a, int k) {
    double h = 1e-6;
    double[] x = a[k].toDoubleArray();
    double[] g = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double[] up = x.clone();
      double[] down = x.clone();
      up[i] += h;
      down[i] -= h;
      Tensor[] au = a.clone();
      Tensor[] ad = a.clone();
      au[k] = Tensor.of(up, a[k].shape()).reshape(a[k].shape());
      ad[k] = Tensor.of(down, a[k].shape()).reshape(a[k].shape());
      g[i] = (loss.apply(au).item() - loss.apply(ad).item()) / (2 * h);
    }
    return a[k].ndim() == 0 ? Tensor.scalar(g[0]) : Tensor.of(g, a[k].shape());
  }

  @Property(tries = 40)
  void everyArgnumsChoiceMatchesFiniteDifferences(@ForAll("cases") Case c, @ForAll long seed) {
    Random r = new Random(seed);
    Tensor[] a = c.args(r);
    Function<Tensor[], Tensor> loss = weighted(c, r.nextLong());
    Tensor[] expected = new Tensor[c.arity()];
    for (int k = 0; k < c.arity(); k++) {
      expected[k] = finiteDifferences(loss, a, k);
      Tensor got = (Tensor) gradOf(c, loss, k, a);
      assertThat(got.allClose(expected[k], 1e-6, 1e-7))
          .as("%s argnum %d: %s vs %s", c, k, got, expected[k])
          .isTrue();
    }
    Object all = gradOf(c, loss, 99, a);
    List<Tensor> leaves = Tree.leaves(all);
    assertThat(all).isInstanceOf(c.arity() == 3 ? Grads3.class : Grads4.class);
    for (int k = 0; k < c.arity(); k++) {
      assertThat(leaves.get(k).allClose(expected[k], 1e-6, 1e-7))
          .as("%s gradAll %d", c, k)
          .isTrue();
    }
  }

  /**
   * Forward mode through the new forms: the JVP of each argnums choice of grad (a function of the
   * differentiated argument, the others fixed), in a random direction, equals central finite
   * differences of that gradient.
   */
  @Property(tries = 30)
  void jvpOfEachArgnumsGradientMatchesFiniteDifferences(
      @ForAll("cases") Case c, @ForAll long seed) {
    Random r = new Random(seed);
    Tensor[] a = c.args(r);
    Function<Tensor[], Tensor> loss = weighted(c, r.nextLong());
    for (int k = 0; k < c.arity(); k++) {
      int argnum = k;
      Function<Tensor, Tensor> g =
          x -> {
            Tensor[] all = a.clone();
            all[argnum] = x;
            return (Tensor) gradOf(c, loss, argnum, all);
          };
      Tensor direction = Tensor.randomNormal(r.nextLong(), DType.F64, a[k].shape());
      Tensor tangent = Func.jvp(g, a[k], direction).tangent();
      double h = 1e-5;
      Tensor fd =
          g.apply(a[k].add(direction.mul(h))).sub(g.apply(a[k].sub(direction.mul(h)))).div(2 * h);
      assertThat(tangent.allClose(fd, 1e-5, 1e-6))
          .as("%s argnum %d: %s vs %s", c, k, tangent, fd)
          .isTrue();
    }
  }

  @Test
  void perExampleGradientsOfAThreeArgumentLossWithSharedParameters() {
    // loss(w, x, y) = (x.w - y)^2, w shared, (x, y) per example: InDims.of(null, 0, 0).
    Fn3<Tensor, Tensor, Tensor, Tensor> loss = (w, x, y) -> x.dot(w).sub(y).square();
    Tensor w = Tensor.of(new double[] {0.5, -1, 2});
    Tensor xs = Tensor.randomNormal(3, DType.F64, 5, 3);
    Tensor ys = Tensor.randomNormal(4, DType.F64, 5);
    Tensor perExample = vmap(grad(loss), InDims.of(null, 0, 0)).apply(w, xs, ys);
    Tensor jitted = jit(vmap(grad(loss), InDims.of(null, 0, 0))).apply(w, xs, ys);
    for (int b = 0; b < 5; b++) {
      Tensor x = xs.index(0, b);
      double residual = x.dot(w).item() - ys.index(0, b).item();
      Tensor closedForm = x.mul(2 * residual);
      assertThat(perExample.index(0, b).allClose(closedForm, 1e-13, 1e-13)).isTrue();
    }
    assertThat(jitted.allClose(perExample, 1e-13, 1e-13)).isTrue();
    // gradient w.r.t. the mapped labels, per example: -2 (x.w - y)
    Tensor dy = vmap(gradThird(loss), InDims.of(null, 0, 0)).apply(w, xs, ys);
    Tensor want = xs.matmul(w).sub(ys).mul(-2);
    assertThat(dy.allClose(want, 1e-13, 1e-13)).isTrue();
  }

  @Test
  void fourArgumentsWithOutDimsAndValueAndGrad() {
    Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> f =
        (w, b, x, t) -> x.matmul(w).add(b).sub(t).square().sum();
    Tensor w = Tensor.randomNormal(1, DType.F64, 3, 2);
    Tensor b = Tensor.randomNormal(2, DType.F64, 2);
    Tensor xs = Tensor.randomNormal(3, DType.F64, 3, 4); // mapped at dim 1: 4 examples
    Tensor ts = Tensor.randomNormal(4, DType.F64, 4, 2);
    Tensor g = vmap(gradSecond(f), InDims.of(null, null, 1, 0), OutDims.of(1)).apply(w, b, xs, ts);
    assertThat(g.shape()).containsExactly(2, 4);
    for (int e = 0; e < 4; e++) {
      Tensor residual = xs.index(1, e).matmul(w).add(b).sub(ts.index(0, e));
      assertThat(g.index(1, e).allClose(residual.mul(2), 1e-13, 1e-13)).isTrue();
    }
    ValueAndGrad<Tensor> vg = valueAndGrad(f).apply(w, b, xs.index(1, 0), ts.index(0, 0));
    assertThat(vg.value().item())
        .isCloseTo(f.apply(w, b, xs.index(1, 0), ts.index(0, 0)).item(), within(1e-15));
    assertThat(vg.grad().allClose(grad(f).apply(w, b, xs.index(1, 0), ts.index(0, 0)), 0, 0))
        .isTrue();
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  @Test
  void jitAndTraceTakeThreeAndFourArguments() {
    Fn3<Tensor, Tensor, Tensor, Tensor> f3 = (a, b, c) -> a.mul(b).add(c).tanh();
    Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> f4 = (a, b, c, d) -> a.mul(b).sub(c.mul(d)).exp();
    Tensor[] x = new Tensor[4];
    for (int i = 0; i < 4; i++) {
      x[i] = Tensor.randomNormal(10 + i, DType.F64, 5);
    }
    Fn3<Tensor, Tensor, Tensor, Tensor> j3 = jit(f3);
    Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> j4 = jit(f4);
    assertThat(j3.apply(x[0], x[1], x[2]).allClose(f3.apply(x[0], x[1], x[2]), 0, 0)).isTrue();
    assertThat(j4.apply(x[0], x[1], x[2], x[3]).allClose(f4.apply(x[0], x[1], x[2], x[3]), 0, 0))
        .isTrue();
    Program p3 = trace(f3, x[0], x[1], x[2]);
    Program p4 = trace(f4, x[0], x[1], x[2], x[3]);
    assertThat(p3.toString()).startsWith("{ lambda a:f64[5] b:f64[5] c:f64[5] ;");
    assertThat(p4.toString()).startsWith("{ lambda a:f64[5] b:f64[5] c:f64[5] d:f64[5] ;");
    assertThat(p4.evaluate(List.of(x)).get(0).allClose(f4.apply(x[0], x[1], x[2], x[3]), 0, 0))
        .isTrue();
  }

  @Test
  void inDimsOfTheWrongLengthNamesTheArity() {
    Fn3<Tensor, Tensor, Tensor, Tensor> f = (a, b, c) -> a.add(b).add(c);
    Tensor x = Tensor.ones(DType.F64, 2, 3);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> vmap(f, InDims.of(null, 0)).apply(x, x, x))
        .hasMessageContaining("InDims has 2 entries but the function takes 3 arguments");
  }
}
