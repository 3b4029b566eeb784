package org.vmap4j.gpu.cuda;

import java.nio.ByteBuffer;
import org.vmap4j.DType;

/**
 * Copies between the CPU backend's Java arrays and pinned staging memory, element for element in
 * native byte order; booleans are one byte (0 or 1), as the generated kernels read and write them.
 */
public final class HostArrays {
  private HostArrays() {}

  public static void put(DType t, Object array, ByteBuffer to) {
    switch (t) {
      case F32 -> to.asFloatBuffer().put((float[]) array);
      case F64 -> to.asDoubleBuffer().put((double[]) array);
      case I32 -> to.asIntBuffer().put((int[]) array);
      case I64 -> to.asLongBuffer().put((long[]) array);
      case BOOL -> {
        boolean[] b = (boolean[]) array;
        for (int i = 0; i < b.length; i++) {
          to.put(i, (byte) (b[i] ? 1 : 0));
        }
      }
    }
  }

  public static Object get(DType t, ByteBuffer from, int n) {
    switch (t) {
      case F32 -> {
        float[] a = new float[n];
        from.asFloatBuffer().get(a);
        return a;
      }
      case F64 -> {
        double[] a = new double[n];
        from.asDoubleBuffer().get(a);
        return a;
      }
      case I32 -> {
        int[] a = new int[n];
        from.asIntBuffer().get(a);
        return a;
      }
      case I64 -> {
        long[] a = new long[n];
        from.asLongBuffer().get(a);
        return a;
      }
      default -> {
        boolean[] a = new boolean[n];
        for (int i = 0; i < n; i++) {
          a[i] = from.get(i) != 0;
        }
        return a;
      }
    }
  }
}
