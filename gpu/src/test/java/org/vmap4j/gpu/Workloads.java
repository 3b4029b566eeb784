package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.ir.Program;

/**
 * The per-sample-gradient workloads of ../shared/peers (logistic regression; the 2-layer MLP with
 * D=128, H=256, O=10 and cross-entropy), as functions and as traced programs, for the GPU tests,
 * the kernel corpus and the device benchmark.
 */
public final class Workloads {
  private Workloads() {}

  /** One example: features and label (or one-hot target). */
  public record Sample(Tensor x, Tensor y) {}

  public record Mlp(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
    public static Mlp random(long seed, DType t, int d, int h, int o) {
      return new Mlp(
          Tensor.randomNormal(seed, t, h, d).mul(1 / Math.sqrt(d)),
          Tensor.randomNormal(seed + 1, t, h).mul(0.1),
          Tensor.randomNormal(seed + 2, t, o, h).mul(1 / Math.sqrt(h)),
          Tensor.randomNormal(seed + 3, t, o).mul(0.1));
    }
  }

  /** -(y log p + (1 - y) log(1 - p)), p = sigmoid(x . w). */
  public static Tensor logisticLoss(Tensor w, Sample s) {
    Tensor p = s.x().dot(w).sigmoid();
    return s.y().mul(p.log()).add(s.y().neg().add(1).mul(p.neg().log1p())).neg();
  }

  /** Cross-entropy of a 2-layer ReLU network on one example. */
  public static Tensor mlpLoss(Mlp p, Sample s) {
    Tensor h = p.w1().matmul(s.x()).add(p.b1()).relu();
    Tensor logits = p.w2().matmul(h).add(p.b2());
    return logits.logSumExp(0).sub(logits.mul(s.y()).sum());
  }

  public static final BiFunction<Tensor, Sample, Tensor> LOGISTIC_PER_SAMPLE =
      Func.vmap(Func.grad(Workloads::logisticLoss), InDims.of(null, 0));

  public static final BiFunction<Mlp, Sample, Mlp> MLP_PER_SAMPLE =
      Func.vmap(Func.grad(Workloads::mlpLoss), InDims.of(null, 0));

  public static Sample logisticData(long seed, DType t, int b, int d) {
    Tensor x = Tensor.randomNormal(seed, t, b, d);
    Tensor y = Tensor.randomUniform(seed + 1, t, b).gt(0.5).astype(t);
    return new Sample(x, y);
  }

  public static Sample mlpData(long seed, DType t, int b, int d, int o) {
    Tensor x = Tensor.randomNormal(seed, t, b, d);
    java.util.Random r = new java.util.Random(seed + 1);
    double[] oneHot = new double[b * o];
    for (int i = 0; i < b; i++) {
      oneHot[i * o + r.nextInt(o)] = 1;
    }
    return new Sample(x, Tensor.of(oneHot, b, o).astype(t));
  }

  /** The traced programs of both workloads at small sizes, in f32 and f64. */
  public static List<Program> programs() {
    List<Program> out = new ArrayList<>();
    for (DType t : List.of(DType.F32, DType.F64)) {
      out.add(
          Func.trace(
              LOGISTIC_PER_SAMPLE, Tensor.randomNormal(1, t, 64), logisticData(2, t, 32, 64)));
      out.add(
          Func.trace(MLP_PER_SAMPLE, Mlp.random(3, t, 128, 256, 10), mlpData(4, t, 16, 128, 10)));
    }
    return out;
  }
}
