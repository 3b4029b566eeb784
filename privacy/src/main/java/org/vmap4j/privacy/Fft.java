package org.vmap4j.privacy;

/**
 * Linear convolution of non-negative real sequences through an iterative radix-2 complex FFT: what
 * composing two privacy loss distributions on the same grid needs.
 */
final class Fft {
  private Fft() {}

  /** Below this output length the direct sum is cheaper and exact. */
  private static final int DIRECT_LIMIT = 64;

  /**
   * The linear convolution {@code c[k] = sum_i a[i] b[k - i]}, of length {@code a.length + b.length
   * - 1}. Round-off of the transform can leave entries of about {@code 1e-16 * sum(a) * sum(b)}
   * below zero; they are clamped to zero, since they stand for probability masses.
   */
  static double[] convolve(double[] a, double[] b) {
    int outLength = a.length + b.length - 1;
    if (Math.min(a.length, b.length) * (long) outLength <= DIRECT_LIMIT * 64L) {
      return direct(a, b);
    }
    int n = Integer.highestOneBit(outLength - 1) << 1;
    if (n < 0 || n > (1 << 28)) {
      throw new IllegalStateException(
          "a convolution of length "
              + outLength
              + " is too large: use a coarser discretization interval");
    }
    double[] re = new double[n];
    double[] im = new double[n];
    // a in the real part, b in the imaginary part: one forward transform serves both
    System.arraycopy(a, 0, re, 0, a.length);
    System.arraycopy(b, 0, im, 0, b.length);
    transform(re, im, false);
    double[] productRe = new double[n];
    double[] productIm = new double[n];
    for (int k = 0; k < n; k++) {
      int m = (n - k) & (n - 1);
      // A_k = (Z_k + conj Z_m)/2, B_k = (Z_k - conj Z_m)/(2i)
      double aRe = 0.5 * (re[k] + re[m]);
      double aIm = 0.5 * (im[k] - im[m]);
      double bRe = 0.5 * (im[k] + im[m]);
      double bIm = -0.5 * (re[k] - re[m]);
      productRe[k] = aRe * bRe - aIm * bIm;
      productIm[k] = aRe * bIm + aIm * bRe;
    }
    transform(productRe, productIm, true);
    double[] out = new double[outLength];
    for (int k = 0; k < outLength; k++) {
      out[k] = Math.max(0, productRe[k] / n);
    }
    return out;
  }

  static double[] direct(double[] a, double[] b) {
    double[] out = new double[a.length + b.length - 1];
    for (int i = 0; i < a.length; i++) {
      if (a[i] == 0) {
        continue;
      }
      for (int j = 0; j < b.length; j++) {
        out[i + j] += a[i] * b[j];
      }
    }
    return out;
  }

  /**
   * In-place FFT of length a power of two ({@code inverse}: conjugate twiddles, no 1/n scaling).
   * Twiddles are computed with {@code cos}/{@code sin} per index rather than by recurrence, which
   * would accumulate error over long transforms.
   */
  static void transform(double[] re, double[] im, boolean inverse) {
    int n = re.length;
    for (int i = 1, j = 0; i < n; i++) {
      int bit = n >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j ^= bit;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    double[] cos = new double[n / 2];
    double[] sin = new double[n / 2];
    double sign = inverse ? 1 : -1;
    for (int k = 0; k < n / 2; k++) {
      double angle = 2 * Math.PI * k / n;
      cos[k] = Math.cos(angle);
      sin[k] = sign * Math.sin(angle);
    }
    for (int len = 2; len <= n; len <<= 1) {
      int half = len >> 1;
      int stride = n / len;
      for (int start = 0; start < n; start += len) {
        for (int k = 0; k < half; k++) {
          double wr = cos[k * stride];
          double wi = sin[k * stride];
          int p = start + k;
          int q = p + half;
          double xr = re[q] * wr - im[q] * wi;
          double xi = re[q] * wi + im[q] * wr;
          re[q] = re[p] - xr;
          im[q] = im[p] - xi;
          re[p] += xr;
          im[p] += xi;
        }
      }
    }
  }
}
