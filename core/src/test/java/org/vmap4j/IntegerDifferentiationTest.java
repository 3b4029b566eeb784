package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradBoth;
import static org.vmap4j.Func.gradSecond;
import static org.vmap4j.Func.gradWithAux;
import static org.vmap4j.Func.hessian;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.valueAndGrad;
import static org.vmap4j.Func.vjp;
import static org.vmap4j.Func.vmap;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.vmap4j.transforms.Autodiff;

/**
 * Differentiating with respect to an integer or BOOL input is an error naming the input, the leaf
 * path, the dtype and the fix (it used to give all-zero derivatives silently); integer inputs that
 * are not differentiated keep working.
 */
class IntegerDifferentiationTest {
  record Params(Tensor w, Tensor b) {}

  private static final Tensor INTS = Tensor.of(new int[] {1, 2, 3}, 3);

  private static void refused(ThrowingCallable call, String transform, String where, String dtype) {
    assertThatThrownBy(call)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(transform + ": cannot differentiate with respect to " + where + ",")
        .hasMessageContaining("dtype " + dtype)
        .hasMessageContaining("astype(DType.F64)");
  }

  @Test
  void everyTransformRefusesAnIntegerInput() {
    Function<Tensor, Tensor> sumSquares = x -> x.astype(DType.F64).square().sum();
    Function<Tensor, Tensor> squares = x -> x.astype(DType.F64).square();
    refused(() -> grad(sumSquares).apply(INTS), "grad", "argument 0", "I32");
    refused(() -> valueAndGrad(sumSquares).apply(INTS), "grad", "argument 0", "I32");
    refused(
        () -> gradWithAux((Tensor x) -> new WithAux<>(sumSquares.apply(x), x)).apply(INTS),
        "grad",
        "argument 0",
        "I32");
    refused(() -> vjp(squares, INTS), "vjp", "argument 0", "I32");
    refused(() -> jvp(squares, INTS, INTS), "jvp", "argument 0", "I32");
    refused(() -> jacrev(squares).apply(INTS), "jacrev", "argument 0", "I32");
    refused(() -> jacfwd(squares).apply(INTS), "jacfwd", "argument 0", "I32");
    refused(() -> hessian(sumSquares).apply(INTS), "hessian", "argument 0", "I32");
    Tensor flags = Tensor.of(new boolean[] {true, false}, 2);
    refused(
        () -> grad((Tensor x) -> x.astype(DType.F64).sum()).apply(flags),
        "grad",
        "argument 0",
        "BOOL");
    // under jit and vmap the check sees the traced input's dtype
    refused(() -> jit(grad(sumSquares)).apply(INTS), "grad", "argument 0", "I32");
    assertThatThrownBy(() -> vmap(grad(sumSquares)).apply(Tensor.of(new long[] {1, 2, 3, 4}, 2, 2)))
        .hasMessageStartingWith("inside vmap (batch 2, in_dims 0): grad: cannot differentiate")
        .hasMessageContaining("dtype I64");
  }

  @Test
  void theLeafPathInsideAPytreeAndTheArgumentAreNamed() {
    Params p = new Params(Tensor.of(new int[] {1, 2}, 2), Tensor.scalar(0.5));
    BiFunction<Params, Tensor, Tensor> loss = (q, x) -> q.w().astype(DType.F64).dot(x).add(q.b());
    Tensor x = Tensor.of(new double[] {1, 2}, 2);
    refused(() -> grad(loss).apply(p, x), "grad", "argument 0 .w", "I32");
    refused(
        () -> gradSecond((Tensor a, Params q) -> loss.apply(q, a)).apply(x, p),
        "grad",
        "argument 1 .w",
        "I32");
    refused(() -> gradBoth(loss).apply(p, x), "grad", "argument 0 .w", "I32");
    refused(
        () ->
            grad((List<Object> l) -> ((Tensor) l.get(1)).astype(DType.F64).sum())
                .apply(List.of(x, INTS)),
        "grad",
        "argument 0 [1]",
        "I32");
    refused(
        () ->
            grad((Map<String, Tensor> m) -> m.get("k").astype(DType.F64).sum())
                .apply(Map.of("k", INTS)),
        "grad",
        "argument 0 [\"k\"]",
        "I32");
  }

  @Test
  void integerInputsThatAreNotDifferentiatedKeepWorking() {
    // per-sample cross-entropy with integer labels: labels are mapped, not differentiated
    Tensor w = Tensor.of(new double[] {0.1, -0.2, 0.3, 0.4, 0.5, -0.6}, 2, 3);
    Tensor xs = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
    Tensor labels = Tensor.of(new long[] {2, 0}, 2);
    BiFunction<Tensor, List<Tensor>, Tensor> loss =
        (wt, ex) -> {
          Tensor logp = ex.get(0).matmul(wt).logSoftmax(0);
          return logp.gather(0, ex.get(1).reshape(1)).sum().neg();
        };
    BiFunction<Tensor, List<Tensor>, Tensor> perSample = vmap(grad(loss), InDims.of(null, 0));
    Tensor g = perSample.apply(w, List.of(xs, labels));
    assertThat(g.shape()).containsExactly(2, 2, 3);
    // closed form for example 0: x (softmax(xW) - onehot(2)), outer product
    Tensor z = xs.index(0, 0).matmul(w).softmax(0);
    Tensor residual = z.sub(Tensor.of(new double[] {0, 0, 1}, 3));
    Tensor want = xs.index(0, 0).reshape(2, 1).mul(residual.reshape(1, 3));
    assertThat(g.index(0, 0).allClose(want, 1e-12, 1e-12)).isTrue();
    // and the public check itself accepts floating trees and returns quietly
    Autodiff.requireDifferentiable("grad", "argument 0", new Params(xs, xs));
  }
}
