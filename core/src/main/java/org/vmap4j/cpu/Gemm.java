package org.vmap4j.cpu;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.kernel.GemmDescription;

/**
 * The CPU's renderer of a {@link GemmDescription}: it runs the product on one of three
 * micro-kernels, which exist side by side because each wins where it is used (measured, see below);
 * all three read packed row-major operands, A {@code [batch, m, k]} and B {@code [batch, k, n]}, so
 * the caller packs first ({@link Contractions} decides which orientation needs fewer copies).
 *
 * <ul>
 *   <li>{@link VectorGemm} (Vector API, F32, {@code m >= 4, n >= 8}): a 4-row by 2-vector tile of C
 *       stays in registers while B streams from packed panels. Measured on the development VM
 *       (AVX-512): about 110 GFLOP/s at 512x512x512, against about 5 for the scalar loop below,
 *       which HotSpot vectorizes along j but which cannot keep C in registers. Below 4 rows or 8
 *       columns the tile would be mostly padding, so the scalar loop runs those.
 *   <li>the scalar blocked loop (generated per dtype from one template): F64 (the Vector API kernel
 *       is F32 only), JVMs started without {@code jdk.incubator.vector}, and small F32 shapes. Loop
 *       order (i, p, j) keeps the innermost loop a unit-stride {@code c[i, j] += a[i, p] * b[p,
 *       j]}; blocks over p and j keep the touched rows of B and C in cache.
 *   <li>dot products ({@code n == 1}: matrix-vector and batched dots): one accumulator per output
 *       element in a single generated loop over the whole batch (a GEMM call per tiny product costs
 *       more than the product; measurements on {@link #dotsSource}), or {@link VectorGemm#dots}
 *       with a vector accumulator when {@code k >= 16}.
 * </ul>
 *
 * <p>The GPU renders the same description with cuBLAS or its own tiled PTX ({@code GemmPtx}); the
 * GPU kernels read any strides, so there the description's operands are not packed first.
 */
public final class Gemm {
  private static final int K_BLOCK = 128;
  private static final int N_BLOCK = 1024;

  /**
   * Whether F32 products use {@link VectorGemm}: the JVM must have the incubating Vector API module
   * ({@code --add-modules jdk.incubator.vector}); {@code -Dvmap4j.vectorGemm=false} turns it off
   * (to measure the difference). Decided once.
   */
  static final boolean VECTOR_API =
      !"false".equals(System.getProperty("vmap4j.vectorGemm"))
          && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private Gemm() {}

  /** Whether F32 matrix products run on the Vector API kernel in this JVM. */
  public static boolean vectorApiInUse() {
    return VECTOR_API;
  }

  /**
   * {@code batch} independent products of row-major contiguous operands: A is [batch, m, k], B is
   * [batch, k, n]; the result is a fresh [batch, m, n] array.
   */
  public static Object batched(
      DType dtype, Object a, int aOffset, Object b, int bOffset, int batch, int m, int n, int k) {
    return run(GemmDescription.rowMajor(dtype, batch, m, n, k, aOffset, bOffset), a, b);
  }

  /**
   * The product {@code g} describes, on the arrays holding its operands, as a fresh row-major
   * {@code [batch, m, n]} array.
   *
   * @throws IllegalArgumentException when the operands are not packed row-major ({@link
   *     GemmDescription#rowMajorOperands}) or the dtype is not floating
   */
  public static Object run(GemmDescription g, Object a, Object b) {
    DType dtype = g.dtype();
    if (!dtype.isFloating()) {
      throw new IllegalArgumentException("matrix products support f32 and f64, got " + dtype);
    }
    if (!g.rowMajorOperands()) {
      throw new IllegalArgumentException(
          "the CPU's GEMM kernels read packed row-major operands (A [batch, m, k], B [batch, k,"
              + " n]); pack the operands first (Contractions does): "
              + g);
    }
    int batch = g.batch();
    int m = g.m();
    int n = g.n();
    int k = g.k();
    int aOffset = Math.toIntExact(g.a().offset());
    int bOffset = Math.toIntExact(g.b().offset());
    Object c = Storage.allocate(dtype, batch * m * n);
    if (dtype == DType.F32 && VECTOR_API && n >= 8 && m >= 4) {
      for (int i = 0; i < batch; i++) {
        VectorGemm.gemm(
            (float[]) a,
            aOffset + i * m * k,
            (float[]) b,
            bOffset + i * k * n,
            (float[]) c,
            i * m * n,
            m,
            n,
            k);
      }
      return c;
    }
    if (n == 1 && dtype == DType.F32 && VECTOR_API && k >= 16) {
      VectorGemm.dots((float[]) a, aOffset, (float[]) b, bOffset, (float[]) c, batch, m, k);
      return c;
    }
    if (n == 1) {
      // matrix-vector and batched dot products: one dot product per output element, in a
      // single generated loop over the whole batch (a kernel call per tiny product would cost
      // more than the product)
      DotsKernel dots =
          KernelCompiler.instance(
              List.of("Gemm.dots", dtype),
              DotsKernel.class,
              () -> dotsSource(Storage.javaType(dtype)));
      dots.run(a, aOffset, b, bOffset, c, batch, m, k);
      return c;
    }
    GemmKernel kernel = gemmKernel(dtype);
    for (int i = 0; i < batch; i++) {
      kernel.run(a, aOffset + i * m * k, b, bOffset + i * k * n, c, i * m * n, m, n, k);
    }
    return c;
  }

  /**
   * {@code batch} products {@code A Bᵀ} of row-major contiguous A [batch, m, k] and B [batch, n, k]
   * (both read along their rows, see {@link RowProducts}); the result is a fresh [batch, m, n]
   * array.
   */
  public static Object batchedRowProducts(
      DType dtype, Object a, int aOffset, Object b, int bOffset, int batch, int m, int n, int k) {
    if (!dtype.isFloating()) {
      throw new IllegalArgumentException("matrix products support f32 and f64, got " + dtype);
    }
    Object c = Storage.allocate(dtype, batch * m * n);
    for (int i = 0; i < batch; i++) {
      RowProducts.into(
          dtype, a, aOffset + i * m * k, b, bOffset + i * n * k, c, i * m * n, m, n, k);
    }
    return c;
  }

  /**
   * One product written into an existing array: {@code c[cOff..] = a[aOff..] (m x k) . b[bOff..] (k
   * x n)}, all row-major. The region of c must hold zeros on entry (a freshly allocated result):
   * the generated kernel accumulates into it. Lets a caller that runs many products (one per
   * example and group of a convolution) place each straight into its slice of the result.
   */
  static void into(
      DType dtype,
      Object a,
      int aOff,
      Object b,
      int bOff,
      Object c,
      int cOff,
      int m,
      int n,
      int k) {
    if (dtype == DType.F32 && VECTOR_API && n >= 8 && m >= 4) {
      VectorGemm.gemm((float[]) a, aOff, (float[]) b, bOff, (float[]) c, cOff, m, n, k);
      return;
    }
    GemmKernel kernel = gemmKernel(dtype);
    kernel.run(a, aOff, b, bOff, c, cOff, m, n, k);
  }

  /**
   * The generated product loop for one element type, looked up by key: a convolution calls {@link
   * #into} once per example and group (2,048 times for one depthwise layer of the CNN benchmark),
   * and rebuilding the kernel's source text on each call cost about a tenth of such a layer's time.
   */
  private static GemmKernel gemmKernel(DType dtype) {
    return KernelCompiler.instance(
        List.of("Gemm.product", dtype), GemmKernel.class, () -> source(Storage.javaType(dtype)));
  }

  /** {@code c[i, r] = a[i, r, :] . b[i, :]} for every batch i and row r. */
  public interface DotsKernel {
    void run(Object a, int aOffset, Object b, int bOffset, Object c, int batch, int m, int k);
  }

  /**
   * One plain accumulator per dot product: measured on JDK 17 it beats four interleaved
   * accumulators and a lane-array formulation (5.1 and 6.9 ms against 4.0 ms for 65536 dots of
   * length 64), since the JIT neither vectorizes nor reorders floating-point sums.
   */
  private static String dotsSource(String t) {
    return """
        public void run(Object ao, int aOff, Object bo, int bOff, Object co, int batch, int m,
            int k) {
          final $T[] a = ($T[]) ao;
          final $T[] b = ($T[]) bo;
          final $T[] c = ($T[]) co;
          for (int i = 0; i < batch; i++) {
            final int bRow = bOff + i * k;
            for (int r = 0; r < m; r++) {
              final int aRow = aOff + (i * m + r) * k;
              $T s = 0;
              for (int p = 0; p < k; p++) {
                s += a[aRow + p] * b[bRow + p];
              }
              c[i * m + r] = s;
            }
          }
        }
        """
        .replace("$T", t);
  }

  private static String source(String t) {
    return """
        public void run(Object ao, int aOff, Object bo, int bOff, Object co, int cOff,
            int m, int n, int k) {
          final $T[] a = ($T[]) ao;
          final $T[] b = ($T[]) bo;
          final $T[] c = ($T[]) co;
          for (int j0 = 0; j0 < n; j0 += NB) {
            final int j1 = Math.min(n, j0 + NB);
            for (int p0 = 0; p0 < k; p0 += KB) {
              final int p1 = Math.min(k, p0 + KB);
              for (int i = 0; i < m; i++) {
                final int cRow = cOff + i * n;
                final int aRow = aOff + i * k;
                for (int p = p0; p < p1; p++) {
                  final $T av = a[aRow + p];
                  final int bRow = bOff + p * n;
                  for (int j = j0; j < j1; j++) {
                    c[cRow + j] += av * b[bRow + j];
                  }
                }
              }
            }
          }
        }
        """
        .replace("$T", t)
        .replace("NB", Integer.toString(N_BLOCK))
        .replace("KB", Integer.toString(K_BLOCK));
  }
}
