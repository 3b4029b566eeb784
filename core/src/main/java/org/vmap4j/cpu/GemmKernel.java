package org.vmap4j.cpu;

/** A generated matrix product {@code C[m,n] = A[m,k] . B[k,n]} on row-major arrays. */
public interface GemmKernel {
  void run(
      Object a, int aOffset, Object b, int bOffset, Object c, int cOffset, int m, int n, int k);
}
