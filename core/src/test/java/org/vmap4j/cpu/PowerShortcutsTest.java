package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * pow with the exponents {@link JavaScalarOps#pow} takes by one operation (-1 and 2), eager and
 * jitted, F64 and F32, against Math.pow (within 1 ulp: Math.pow is only 1-ulp accurate) and on the
 * special values.
 */
class PowerShortcutsTest {
  static final double[] XS = {
    -7.5,
    -3,
    -1,
    -0.3,
    -0.0,
    0.0,
    1e-300,
    0.25,
    1,
    2,
    3.7,
    1e10,
    1e200,
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY
  };

  @Test
  void minusOneAndTwoAgreeWithMathPow() {
    for (double y : new double[] {-1, 2, 3, 0.5}) {
      for (double x : XS) {
        double want = Math.pow(x, y);
        double got = JavaScalarOps.pow(x, y);
        if (Double.isNaN(want) || Double.isInfinite(want) || want == 0) {
          // Double.equals: NaN equals NaN, and the zeros' signs must agree
          assertThat(Double.valueOf(got)).as("pow(%s, %s)", x, y).isEqualTo(Double.valueOf(want));
        } else {
          assertThat(Math.abs(got - want))
              .as("pow(%s, %s)", x, y)
              .isLessThanOrEqualTo(Math.ulp(want));
        }
      }
    }
  }

  @Test
  void tensorPowEagerAndJitted() {
    double[] xs = {-2.5, -1, -0.125, 0.5, 1.5, 3, 40};
    for (DType dtype : new DType[] {DType.F64, DType.F32}) {
      Tensor x = Tensor.of(xs).astype(dtype);
      double[] in = x.toDoubleArray();
      for (double y : new double[] {-1, 2}) {
        Function<Tensor, Tensor> f = t -> t.pow(y);
        for (Tensor out : new Tensor[] {x.pow(y), Func.jit(f).apply(x)}) {
          double[] got = out.toDoubleArray();
          for (int i = 0; i < xs.length; i++) {
            double want = dtype == DType.F32 ? (float) Math.pow(in[i], y) : Math.pow(in[i], y);
            double ulp = dtype == DType.F32 ? Math.ulp((float) want) : Math.ulp(want);
            assertThat(Math.abs(got[i] - want))
                .as("%s pow(%s, %s)", dtype, in[i], y)
                .isLessThanOrEqualTo(ulp);
          }
        }
      }
    }
  }
}
