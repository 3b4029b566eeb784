package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.junit.jupiter.api.Test;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

class NormalCdfTest {
  private static final NormalDistribution STANDARD = new NormalDistribution(0, 1);

  @Test
  void matchesCommonsMathOnBothBranchesAndBothSides() {
    Tensor x = Tensor.arange(-12, 12.0001, 0.001);
    double[] xs = x.toDoubleArray();
    double[] phi = NormalCdf.of(x).toDoubleArray();
    double maxAbs = 0;
    for (int i = 0; i < xs.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(phi[i] - STANDARD.cumulativeProbability(xs[i])));
    }
    assertThat(xs.length).isGreaterThan(24_000);
    assertThat(maxAbs).isLessThan(1e-15);
  }

  @Test
  void itsDerivativeIsTheDensityIncludingAtZero() {
    Tensor x = Tensor.arange(-8, 8.0001, 0.01);
    double[] xs = x.toDoubleArray();
    double[] d = Func.vmap(Func.grad(NormalCdf::of)).apply(x).toDoubleArray();
    double maxAbs = 0;
    for (int i = 0; i < xs.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(d[i] - STANDARD.density(xs[i])));
    }
    assertThat(maxAbs).isLessThan(1e-13);
    assertThat(Func.grad(NormalCdf::of).apply(Tensor.scalar(0)).item())
        .isCloseTo(STANDARD.density(0), org.assertj.core.data.Offset.offset(1e-13));
  }
}
