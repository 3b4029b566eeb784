package org.vmap4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * An F32 matrix product on the Vector API ({@code jdk.incubator.vector}): B is packed per depth
 * block into panels of two vectors' width, and a 4-row by 2-vector tile of C stays in registers
 * while the depth loop streams the panel, so every load of B feeds four fused multiply-adds.
 * Measured on the development VM (AVX-512): about 110 GFLOP/s at 512x512x512, against about 5 for
 * the auto-vectorized loops of {@link Gemm}, which cannot keep C in registers.
 *
 * <p>Only loaded when the JVM was started with {@code --add-modules jdk.incubator.vector} (as
 * Spark's launcher, the Maven build and the examples do); see {@link Gemm}.
 */
final class VectorGemm {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();
  private static final int PANEL = 2 * LANES;
  private static final int DEPTH_BLOCK = 256;
  private static final ThreadLocal<float[]> PACK = ThreadLocal.withInitial(() -> new float[0]);

  private VectorGemm() {}

  /** {@code c[cOff..] = a[aOff..] (m x k) . b[bOff..] (k x n)}, row-major; c is overwritten. */
  static void gemm(
      float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int n, int k) {
    int panels = (n + PANEL - 1) / PANEL;
    float[] pack = PACK.get();
    int needed = Math.min(DEPTH_BLOCK, Math.max(k, 1)) * panels * PANEL;
    if (pack.length < needed) {
      pack = new float[needed];
      PACK.set(pack);
    }
    if (k == 0) {
      java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
      return;
    }
    for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
      int kb = Math.min(DEPTH_BLOCK, k - p0);
      packPanels(b, bOff, n, p0, kb, panels, pack);
      boolean first = p0 == 0;
      float[] packed = pack;
      int depth = p0;
      // row tiles of C are independent: split them over threads (the packed panels are shared,
      // read-only)
      Parallelism.forRange(
          m / 4,
          4L * n * kb,
          (from, to) -> {
            for (int tileRow = from; tileRow < to; tileRow++) {
              int i0 = tileRow * 4;
              for (int jp = 0; jp < panels; jp++) {
                tile(
                    a,
                    aOff + i0 * k + depth,
                    k,
                    packed,
                    jp * kb * PANEL,
                    kb,
                    c,
                    cOff + i0 * n,
                    n,
                    jp * PANEL,
                    first);
              }
            }
          });
      for (int i0 = m - m % 4; i0 < m; i0++) {
        for (int j = 0; j < n; j++) {
          float s = first ? 0 : c[cOff + i0 * n + j];
          for (int p = 0; p < kb; p++) {
            s += a[aOff + i0 * k + p0 + p] * b[bOff + (p0 + p) * n + j];
          }
          c[cOff + i0 * n + j] = s;
        }
      }
    }
  }

  /** Rows p0..p0+kb of B as panels of PANEL columns, each panel contiguous, zero-padded. */
  private static void packPanels(
      float[] b, int bOff, int n, int p0, int kb, int panels, float[] pack) {
    for (int jp = 0; jp < panels; jp++) {
      int j0 = jp * PANEL;
      int w = Math.min(PANEL, n - j0);
      int base = jp * kb * PANEL;
      for (int p = 0; p < kb; p++) {
        int dst = base + p * PANEL;
        System.arraycopy(b, bOff + (p0 + p) * n + j0, pack, dst, w);
        for (int q = w; q < PANEL; q++) {
          pack[dst + q] = 0f;
        }
      }
    }
  }

  /** One 4 x PANEL tile of C over a depth block. */
  private static void tile(
      float[] a,
      int aRow0,
      int k,
      float[] pack,
      int base,
      int kb,
      float[] c,
      int cRow0,
      int n,
      int j0,
      boolean first) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = FloatVector.zero(SPECIES);
    FloatVector c10 = FloatVector.zero(SPECIES);
    FloatVector c11 = FloatVector.zero(SPECIES);
    FloatVector c20 = FloatVector.zero(SPECIES);
    FloatVector c21 = FloatVector.zero(SPECIES);
    FloatVector c30 = FloatVector.zero(SPECIES);
    FloatVector c31 = FloatVector.zero(SPECIES);
    int a0 = aRow0;
    int a1 = a0 + k;
    int a2 = a1 + k;
    int a3 = a2 + k;
    for (int p = 0; p < kb; p++) {
      int bp = base + p * PANEL;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pack, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pack, bp + LANES);
      FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0 + p]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1 + p]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      FloatVector x2 = FloatVector.broadcast(SPECIES, a[a2 + p]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      FloatVector x3 = FloatVector.broadcast(SPECIES, a[a3 + p]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
    }
    store(c, cRow0, j0, n, c00, c01, first);
    store(c, cRow0 + n, j0, n, c10, c11, first);
    store(c, cRow0 + 2 * n, j0, n, c20, c21, first);
    store(c, cRow0 + 3 * n, j0, n, c30, c31, first);
  }

  private static void store(
      float[] c, int row, int j0, int n, FloatVector v0, FloatVector v1, boolean first) {
    int off = row + j0;
    int w = Math.min(PANEL, n - j0);
    if (w == PANEL) {
      if (!first) {
        v0 = v0.add(FloatVector.fromArray(SPECIES, c, off));
        v1 = v1.add(FloatVector.fromArray(SPECIES, c, off + LANES));
      }
      v0.intoArray(c, off);
      v1.intoArray(c, off + LANES);
      return;
    }
    float[] t = new float[PANEL];
    v0.intoArray(t, 0);
    v1.intoArray(t, LANES);
    for (int q = 0; q < w; q++) {
      c[off + q] = first ? t[q] : c[off + q] + t[q];
    }
  }

  /**
   * {@code c[i * m + r] = a[i, r, :] . b[i, :]}: batched dot products and matrix-vector products, a
   * vector accumulator per product reduced once at the end.
   */
  static void dots(float[] a, int aOff, float[] b, int bOff, float[] c, int batch, int m, int k) {
    int kv = k - k % LANES;
    Parallelism.forRange(
        batch,
        (long) m * k,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            int bRow = bOff + i * k;
            for (int r = 0; r < m; r++) {
              int aRow = aOff + (i * m + r) * k;
              FloatVector acc = FloatVector.zero(SPECIES);
              for (int p = 0; p < kv; p += LANES) {
                acc =
                    FloatVector.fromArray(SPECIES, a, aRow + p)
                        .fma(FloatVector.fromArray(SPECIES, b, bRow + p), acc);
              }
              float s = acc.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
              for (int p = kv; p < k; p++) {
                s += a[aRow + p] * b[bRow + p];
              }
              c[i * m + r] = s;
            }
          }
        });
  }
}
