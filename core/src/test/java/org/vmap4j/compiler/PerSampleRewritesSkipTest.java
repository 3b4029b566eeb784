package org.vmap4j.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;
import org.vmap4j.ir.Program;

/**
 * The per-sample rewrite pass runs in every jit compile: a program with no reduce_sum of a rank-3
 * value (where every rewrite starts) is returned as it is, without being rebuilt; one with the
 * pattern is still rewritten.
 */
class PerSampleRewritesSkipTest {
  record Layer(Tensor w, Tensor b) {}

  static Tensor loss(Layer p, Tensor x) {
    return x.matmul(p.w()).add(p.b()).tanh().sum();
  }

  final Layer params =
      new Layer(Tensor.randomNormal(1, DType.F64, 6, 5), Tensor.randomNormal(2, DType.F64, 5));
  final Tensor xs = Tensor.randomNormal(3, DType.F64, 8, 6);

  @Test
  void aProgramWithoutPerSampleGradientsIsReturnedAsItIs() {
    // an ordinary batch gradient: no per-sample gradient anywhere
    BiFunction<Layer, Tensor, Layer> batchGradient =
        Func.grad(
            (Layer p, Tensor x) ->
                Func.vmap(PerSampleRewritesSkipTest::loss, InDims.of(null, 0)).apply(p, x).sum());
    Program p = AlgebraicSimplification.run(Func.trace(batchGradient, params, xs));
    assertThat(PerSampleGradientRewrites.hasCandidate(p)).isFalse();
    assertThat(PerSampleGradientRewrites.run(p)).isSameAs(p);
  }

  @Test
  void aProgramWithPerSampleNormsIsStillRewritten() {
    BiFunction<Layer, Tensor, Layer> grad = Func.grad(PerSampleRewritesSkipTest::loss);
    BiFunction<Layer, Tensor, Tensor> norms =
        Func.vmap(
            (Layer p, Tensor x) -> PerSampleGrads.squaredNorm(grad.apply(p, x)),
            InDims.of(null, 0));
    Program p = AlgebraicSimplification.run(Func.trace(norms, params, xs));
    assertThat(PerSampleGradientRewrites.hasCandidate(p)).isTrue();
    Program q = PerSampleGradientRewrites.run(p);
    assertThat(q).isNotSameAs(p);
    assertThat(q.toString()).contains("rewrite=ghost_norm");
    assertThat(Func.jit(norms).apply(params, xs).allClose(norms.apply(params, xs), 1e-9, 1e-12))
        .isTrue();
  }
}
