package org.vmap4j.gpu.cublas;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import org.vmap4j.DType;
import org.vmap4j.gpu.cuda.CudaCallException;
import org.vmap4j.gpu.cuda.DeviceBuffer;

/** Issues one {@link CublasCall} as {@code cublasSgemmStridedBatched} or its F64 twin. */
public final class CublasGemm {
  private CublasGemm() {}

  /** The signature the S and D variants share. */
  @FunctionalInterface
  private interface StridedBatched {
    int call(
        cublasHandle handle,
        int opX,
        int opY,
        int rows,
        int cols,
        int depth,
        Pointer alpha,
        Pointer x,
        int ldx,
        long strideX,
        Pointer y,
        int ldy,
        long strideY,
        Pointer beta,
        Pointer c,
        int ldc,
        long strideC,
        int batch);
  }

  /**
   * Enqueues {@code c = a·b} (our row-major terms) on the handle's stream.
   *
   * @throws CudaCallException naming the cuBLAS function and the call when cuBLAS refuses it
   */
  public static void run(
      cublasHandle handle,
      CublasCall call,
      DType t,
      DeviceBuffer a,
      DeviceBuffer b,
      DeviceBuffer c,
      String label) {
    String name;
    StridedBatched gemm;
    Pointer one;
    Pointer zero;
    if (t == DType.F32) {
      name = "cublasSgemmStridedBatched";
      gemm = JCublas2::cublasSgemmStridedBatched;
      one = Pointer.to(new float[] {1f});
      zero = Pointer.to(new float[] {0f});
    } else if (t == DType.F64) {
      name = "cublasDgemmStridedBatched";
      gemm = JCublas2::cublasDgemmStridedBatched;
      one = Pointer.to(new double[] {1});
      zero = Pointer.to(new double[] {0});
    } else {
      throw new IllegalArgumentException("cuBLAS GEMM in " + t + " (f32 and f64 only)");
    }
    int status =
        gemm.call(
            handle,
            call.transX() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
            call.transY() ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
            call.rows(),
            call.cols(),
            call.depth(),
            one,
            b.pointer(), // cuBLAS's first operand is our B: it computes Cᵀ = Bᵀ·Aᵀ
            call.ldx(),
            call.strideX(),
            a.pointer(),
            call.ldy(),
            call.strideY(),
            zero,
            c.pointer(),
            call.ldc(),
            call.strideC(),
            call.batch());
    CublasHandles.check(status, name, label + ", " + call);
  }
}
