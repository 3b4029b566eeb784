package org.vmap4j.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.cpu.CpuTensor;

/** Results written into arrays the caller hands back: no fresh result arrays in a loop. */
class ResultReuseTest {
  private static Tensor logisticLoss(Tensor w, Tensor xy) {
    Tensor x = xy.slice(0, 0, 3);
    Tensor y = xy.index(0, 3);
    Tensor z = x.dot(w);
    return z.sigmoid().log().mul(y).add(z.neg().sigmoid().log().mul(y.neg().add(1))).neg();
  }

  @Test
  void aLoopThatHandsResultsBackAllocatesNoFreshArraysAndStaysCorrect() {
    Tensor w = Tensor.of(new double[] {0.3, -0.7, 1.1});
    Executable e =
        ProgramCompiler.compile(
            Func.trace(
                Func.vmap(Func.grad(ResultReuseTest::logisticLoss), InDims.of(null, 0)),
                w,
                Tensor.zeros(DType.F64, 50, 4)));
    List<CpuTensor> previous = null;
    long freshAfterFirst = -1;
    for (int i = 0; i < 6; i++) {
      CpuTensor batch = (CpuTensor) Tensor.randomNormal(10 + i, DType.F64, 50, 4);
      List<CpuTensor> out =
          previous == null
              ? e.run(List.of((CpuTensor) w, batch))
              : e.run(List.of((CpuTensor) w, batch), previous);
      if (previous != null) {
        // the only [50,3] array is the result's: the donated one comes back as this result
        assertThat(out.get(0).data()).isSameAs(previous.get(0).data());
      }
      // correct against the per-example closed form (σ(x·w) - y) x
      double[] got = out.get(0).toDoubleArray();
      double[] xy = batch.toDoubleArray();
      double[] wd = w.toDoubleArray();
      for (int b = 0; b < 50; b++) {
        double z = 0;
        for (int j = 0; j < 3; j++) {
          z += xy[b * 4 + j] * wd[j];
        }
        double r = 1 / (1 + Math.exp(-z)) - xy[b * 4 + 3];
        for (int j = 0; j < 3; j++) {
          assertThat(got[b * 3 + j])
              .isCloseTo(r * xy[b * 4 + j], org.assertj.core.data.Offset.offset(1e-12));
        }
      }
      if (i == 0) {
        freshAfterFirst = e.freshBuffers();
      }
      previous = out;
    }
    assertThat(freshAfterFirst).isPositive();
    assertThat(e.freshBuffers()).isEqualTo(freshAfterFirst);
  }

  @Test
  void withoutDonationEachCallAllocatesItsResult() {
    Executable e =
        ProgramCompiler.compile(
            Func.trace((Tensor x) -> x.mul(2).add(1), Tensor.zeros(DType.F64, 100)));
    CpuTensor x = (CpuTensor) Tensor.arange(100).astype(DType.F64);
    e.run(List.of(x));
    long fresh = e.freshBuffers();
    e.run(List.of(x));
    assertThat(e.freshBuffers()).isEqualTo(fresh + 1);
  }

  @Test
  void inputsAndConstantsHandedBackAreNotRecycled() {
    // the result is the input itself: donating it must not let the pool overwrite the input
    Executable identity =
        ProgramCompiler.compile(Func.trace((Tensor x) -> x, Tensor.zeros(DType.F64, 4)));
    CpuTensor x = (CpuTensor) Tensor.of(new double[] {1, 2, 3, 4});
    List<CpuTensor> out = identity.run(List.of(x));
    Executable other =
        ProgramCompiler.compile(Func.trace((Tensor v) -> v.mul(3), Tensor.zeros(DType.F64, 4)));
    other.run(List.of(x), out);
    other.run(List.of(x), out);
    assertThat(x.toDoubleArray()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void jitReusingThroughFunc() {
    BiFunction<Tensor, Tensor, Tensor> perExample =
        Func.vmap(Func.grad(ResultReuseTest::logisticLoss), InDims.of(null, 0));
    Fn3<Tensor, Tensor, Tensor, Tensor> compiled = Func.jitReusing(perExample);
    Tensor w = Tensor.of(new double[] {0.3, -0.7, 1.1});
    Tensor previous = null;
    for (int i = 0; i < 4; i++) {
      Tensor batch = Tensor.randomNormal(20 + i, DType.F64, 30, 4);
      Tensor expected = perExample.apply(w, batch);
      Tensor out = compiled.apply(w, batch, previous);
      if (previous != null) {
        assertThat(((CpuTensor) out).data()).isSameAs(((CpuTensor) previous).data());
      }
      assertThat(out.allClose(expected, 1e-12, 1e-12)).isTrue();
      previous = out;
    }
  }
}
