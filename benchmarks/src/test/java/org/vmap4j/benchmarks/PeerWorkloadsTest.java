package org.vmap4j.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * Every benchmarked workload: the transformed function, its jit and the handwritten batched code
 * agree (small sizes, F64), so the benchmark compares like with like.
 */
class PeerWorkloadsTest {
  static void close(Tensor a, Tensor b) {
    assertThat(a.shape()).isEqualTo(b.shape());
    assertThat(a.allClose(b, 1e-10, 1e-10)).as("%s vs %s", a, b).isTrue();
  }

  static void close(PeerWorkloads.Mlp a, PeerWorkloads.Mlp b) {
    close(a.w1(), b.w1());
    close(a.b1(), b.b1());
    close(a.w2(), b.w2());
    close(a.b2(), b.b2());
  }

  static PeerWorkloads.Mlp f64(PeerWorkloads.Mlp p) {
    return new PeerWorkloads.Mlp(
        p.w1().astype(DType.F64),
        p.b1().astype(DType.F64),
        p.w2().astype(DType.F64),
        p.b2().astype(DType.F64));
  }

  @Test
  void allVariantsAgree() {
    Tensor x = Tensor.randomNormal(1, DType.F64, 50, 8);
    Tensor y = Tensor.randomNormal(2, DType.F64, 50, 8);
    close(PeerWorkloads.BATCHED_DOT.apply(x, y), PeerWorkloads.batchedDotHand(x, y));
    close(Func.jit(PeerWorkloads.BATCHED_DOT).apply(x, y), PeerWorkloads.batchedDotHand(x, y));

    PeerWorkloads.Mlp p = f64(PeerWorkloads.Mlp.random(3, 8, 16, 4));
    var forward = Func.vmap((Tensor e) -> PeerWorkloads.mlpForward(p, e));
    close(forward.apply(x), PeerWorkloads.mlpForwardHand(p, x));
    close(Func.jit(forward).apply(x), PeerWorkloads.mlpForwardHand(p, x));
    var rowMajor = Func.vmap((Tensor e) -> PeerWorkloads.mlpForwardRowMajor(p, e));
    close(Func.jit(rowMajor).apply(x), PeerWorkloads.mlpForwardHand(p, x));

    Tensor v = Tensor.randomNormal(4, DType.F64, 16);
    Tensor jacHand = Tensor.eye(16).mul(v.cos().mul(v.pow(2)).add(v.mul(2).mul(v.sin())));
    close(Func.jacrev(PeerWorkloads.SIN_X_SQ).apply(v), jacHand);
    close(Func.jit(Func.jacrev(PeerWorkloads.SIN_X_SQ)).apply(v), jacHand);

    Tensor w = Tensor.randomNormal(5, DType.F64, 8);
    Tensor labels = Tensor.randomUniform(6, DType.F64, 50).gt(0.5).astype(DType.F64);
    PeerWorkloads.Sample s = new PeerWorkloads.Sample(x, labels);
    Tensor hand = PeerWorkloads.logisticHand(w, x, labels);
    close(PeerWorkloads.LOGISTIC_PER_SAMPLE.apply(w, s), hand);
    close(Func.jit(PeerWorkloads.LOGISTIC_PER_SAMPLE).apply(w, s), hand);
    close(PeerWorkloads.LOGISTIC_PER_SAMPLE_PARAMS_FIRST.apply(w, s), hand);
    close(Func.jit(PeerWorkloads.LOGISTIC_PER_SAMPLE_PARAMS_FIRST).apply(w, s), hand);

    Tensor classes = Tensor.randomUniform(7, DType.F64, 50).mul(4).astype(DType.I64);
    Tensor oneHot = Tensor.arange(4).unsqueeze(0).eq(classes.unsqueeze(1)).astype(DType.F64);
    PeerWorkloads.Sample s5 = new PeerWorkloads.Sample(x, oneHot);
    PeerWorkloads.Mlp handGrads = PeerWorkloads.mlpPerSampleHand(p, x, oneHot);
    close(PeerWorkloads.MLP_PER_SAMPLE.apply(p, s5), handGrads);
    close(Func.jit(PeerWorkloads.MLP_PER_SAMPLE).apply(p, s5), handGrads);
    close(Func.jit(PeerWorkloads.MLP_PER_SAMPLE_ROW_MAJOR).apply(p, s5), handGrads);

    Tensor a = Tensor.randomNormal(8, DType.F64, 16, 16).div(4);
    Tensor hessHand = PeerWorkloads.sumTanhAxHessianHand(a, v);
    close(Func.hessian(PeerWorkloads.sumTanhAx(a)).apply(v), hessHand);
    close(Func.jit(Func.hessian(PeerWorkloads.sumTanhAx(a))).apply(v), hessHand);
  }
}
