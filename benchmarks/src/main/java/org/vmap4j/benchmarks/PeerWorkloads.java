package org.vmap4j.benchmarks;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * The workloads of {@code shared/peers/functorch_bench.py} (same sizes, F32), each as a per-example
 * function lifted with the transforms, and as the handwritten batched tensor code the peer script
 * calls "[hand]". Shared by the benchmark and its test.
 */
final class PeerWorkloads {
  private PeerWorkloads() {}

  // ---- 1: batched dot, N=65536, D=64
  static final BiFunction<Tensor, Tensor, Tensor> BATCHED_DOT = Func.vmap(Tensor::dot);

  static Tensor batchedDotHand(Tensor x, Tensor y) {
    return x.mul(y).sum(-1);
  }

  // ---- 2: per-example MLP forward, B=4096, D=128, H=256, O=10
  record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
    static Mlp random(long seed, int d, int h, int o) {
      return new Mlp(
          Tensor.randomNormal(seed, DType.F32, h, d).div(Math.sqrt(d)),
          Tensor.randomNormal(seed + 1, DType.F32, h).mul(0.1),
          Tensor.randomNormal(seed + 2, DType.F32, o, h).div(Math.sqrt(h)),
          Tensor.randomNormal(seed + 3, DType.F32, o).mul(0.1));
    }
  }

  static Tensor mlpForward(Mlp p, Tensor x) {
    return p.w2().matmul(p.w1().matmul(x).add(p.b1()).relu()).add(p.b2()).relu();
  }

  /**
   * The same forward pass written with the example as a row ({@code x W^T}): the other matrix
   * orientation, which must cost the same.
   */
  static Tensor mlpForwardRowMajor(Mlp p, Tensor x) {
    Tensor h = x.matmul(p.w1().transpose()).add(p.b1()).relu();
    return h.matmul(p.w2().transpose()).add(p.b2()).relu();
  }

  static Tensor mlpForwardHand(Mlp p, Tensor xs) {
    Tensor h = xs.matmul(p.w1().transpose()).add(p.b1()).relu();
    return h.matmul(p.w2().transpose()).add(p.b2()).relu();
  }

  // ---- 3a: Jacobian of sin(x) * x^2, N=256
  static final Function<Tensor, Tensor> SIN_X_SQ = v -> v.sin().mul(v.pow(2));

  static Tensor sinXSqJacobianHand(Tensor v) {
    Tensor d = v.cos().mul(v.pow(2)).add(v.mul(2).mul(v.sin()));
    return Tensor.eye(DType.F32, v.shape()[0]).mul(d);
  }

  // ---- 4: per-sample gradients of logistic regression
  record Sample(Tensor x, Tensor y) {}

  /** -(y log p + (1 - y) log(1 - p)) with p = sigmoid(x . w), as the peer's explicit loss. */
  static Tensor logisticLoss(Tensor w, Sample s) {
    Tensor p = s.x().dot(w).sigmoid();
    return s.y().mul(p.log()).add(s.y().neg().add(1).mul(p.neg().log1p())).neg();
  }

  static final BiFunction<Tensor, Sample, Tensor> LOGISTIC_PER_SAMPLE =
      Func.vmap(Func.grad(PeerWorkloads::logisticLoss), InDims.of(null, 0));

  /**
   * The same loss with every product's operands the other way round ({@code w . x}, parameters
   * first, and the element-wise products swapped), which must cost the same as {@link
   * #logisticLoss}.
   */
  static Tensor logisticLossParamsFirst(Tensor w, Sample s) {
    Tensor p = w.dot(s.x()).sigmoid();
    return p.log().mul(s.y()).add(p.neg().log1p().mul(s.y().neg().add(1))).neg();
  }

  static final BiFunction<Tensor, Sample, Tensor> LOGISTIC_PER_SAMPLE_PARAMS_FIRST =
      Func.vmap(Func.grad(PeerWorkloads::logisticLossParamsFirst), InDims.of(null, 0));

  static Tensor logisticHand(Tensor w, Tensor x, Tensor y) {
    return x.matmul(w).sigmoid().sub(y).unsqueeze(1).mul(x);
  }

  // ---- 5: per-sample gradients of a 2-layer MLP with cross-entropy, B=1024
  static Tensor mlpLoss(Mlp p, Sample s) {
    Tensor h = p.w1().matmul(s.x()).add(p.b1()).relu();
    Tensor logits = p.w2().matmul(h).add(p.b2());
    return logits.logSumExp(0).sub(logits.mul(s.y()).sum());
  }

  static final BiFunction<Mlp, Sample, Mlp> MLP_PER_SAMPLE =
      Func.vmap(Func.grad(PeerWorkloads::mlpLoss), InDims.of(null, 0));

  /** {@link #mlpLoss} with the example as a row ({@code x W^T}) and the product swapped. */
  static Tensor mlpLossRowMajor(Mlp p, Sample s) {
    Tensor h = s.x().matmul(p.w1().transpose()).add(p.b1()).relu();
    Tensor logits = h.matmul(p.w2().transpose()).add(p.b2());
    return logits.logSumExp(0).sub(s.y().mul(logits).sum());
  }

  static final BiFunction<Mlp, Sample, Mlp> MLP_PER_SAMPLE_ROW_MAJOR =
      Func.vmap(Func.grad(PeerWorkloads::mlpLossRowMajor), InDims.of(null, 0));

  /** Handwritten per-sample backpropagation, as the peer script's [hand] row. */
  static Mlp mlpPerSampleHand(Mlp p, Tensor xs, Tensor ys) {
    Tensor pre = xs.matmul(p.w1().transpose()).add(p.b1());
    Tensor h = pre.relu();
    Tensor logits = h.matmul(p.w2().transpose()).add(p.b2());
    Tensor dl = logits.softmax(-1).sub(ys);
    Tensor dh = dl.matmul(p.w2()).mul(pre.gt(0).astype(pre.dtype()));
    return new Mlp(
        dh.unsqueeze(2).mul(xs.unsqueeze(1)), dh, dl.unsqueeze(2).mul(h.unsqueeze(1)), dl);
  }

  // ---- 6a: Hessian of sum(tanh(A x)), N=128
  static Function<Tensor, Tensor> sumTanhAx(Tensor a) {
    return v -> a.matmul(v).tanh().sum();
  }

  static Tensor sumTanhAxHessianHand(Tensor a, Tensor v) {
    Tensor t = a.matmul(v).tanh();
    Tensor s = t.mul(t.square().neg().add(1)).mul(-2);
    return a.transpose().matmul(s.unsqueeze(1).mul(a));
  }
}
