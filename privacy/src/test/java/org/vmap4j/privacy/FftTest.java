package org.vmap4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FftTest {

  @Test
  void convolutionMatchesTheDirectSum() {
    Random random = new Random(7);
    for (int[] lengths : new int[][] {{1, 1}, {3, 5}, {100, 37}, {1000, 1000}, {4097, 3}}) {
      double[] a = random.doubles(lengths[0]).toArray();
      double[] b = random.doubles(lengths[1]).toArray();
      double[] expected = new double[a.length + b.length - 1];
      for (int i = 0; i < a.length; i++) {
        for (int j = 0; j < b.length; j++) {
          expected[i + j] += a[i] * b[j];
        }
      }
      double[] actual = Fft.convolve(a, b);
      assertThat(actual).hasSize(expected.length);
      double scale = a.length * (double) b.length;
      for (int k = 0; k < expected.length; k++) {
        assertThat(actual[k])
            .as("c[%d] of %dx%d", k, a.length, b.length)
            .isCloseTo(expected[k], within(1e-14 * scale));
      }
    }
  }

  @Test
  void transformOfAnImpulseIsFlatAndInverts() {
    double[] re = new double[16];
    double[] im = new double[16];
    re[3] = 1;
    Fft.transform(re, im, false);
    for (int k = 0; k < 16; k++) {
      // e^(-2 pi i 3k/16)
      assertThat(re[k]).isCloseTo(Math.cos(2 * Math.PI * 3 * k / 16), within(1e-15));
      assertThat(im[k]).isCloseTo(-Math.sin(2 * Math.PI * 3 * k / 16), within(1e-15));
    }
    Fft.transform(re, im, true);
    for (int k = 0; k < 16; k++) {
      assertThat(re[k] / 16).isCloseTo(k == 3 ? 1 : 0, within(1e-15));
    }
  }
}
