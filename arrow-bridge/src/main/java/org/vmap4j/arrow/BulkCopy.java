package org.vmap4j.arrow;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;
import org.apache.arrow.memory.ArrowBuf;
import org.vmap4j.DType;

/**
 * Copies between Arrow buffers and Java arrays in bulk. Arrow buffers are little-endian; a
 * little-endian NIO view of the buffer turns each copy into one {@code Unsafe.copyMemory} inside
 * the JDK (or a byte-swapping copy on a big-endian machine), never a loop over elements. Only the
 * bit-packed BOOL data and validity bitmaps need loops, over bytes.
 */
final class BulkCopy {
  /**
   * Elements per NIO view: a view's length is an int of bytes, so 2^27 elements of 8 bytes (1 GiB)
   * is the largest power of two that fits for every dtype.
   */
  private static final int CHUNK = 1 << 27;

  private BulkCopy() {}

  /** Copies {@code count} elements starting at element {@code first} of {@code src} into dst. */
  static void read(ArrowBuf src, long first, DType dtype, Object dst, int dstPos, int count) {
    if (dtype == DType.BOOL) {
      readBits(src, first, (boolean[]) dst, dstPos, count);
      return;
    }
    int width = dtype.byteSize();
    for (int done = 0; done < count; done += CHUNK) {
      int n = Math.min(CHUNK, count - done);
      ByteBuffer view = view(src, (first + done) * width, n * width);
      switch (dtype) {
        case F32 -> view.asFloatBuffer().get((float[]) dst, dstPos + done, n);
        case F64 -> view.asDoubleBuffer().get((double[]) dst, dstPos + done, n);
        case I32 -> view.asIntBuffer().get((int[]) dst, dstPos + done, n);
        case I64 -> view.asLongBuffer().get((long[]) dst, dstPos + done, n);
        default -> throw new AssertionError(dtype);
      }
    }
  }

  /** Copies the first {@code count} elements of {@code src} to elements {@code 0..count-1}. */
  static void write(Object src, int count, DType dtype, ArrowBuf dst) {
    if (dtype == DType.BOOL) {
      writeBits((boolean[]) src, count, dst);
      return;
    }
    int width = dtype.byteSize();
    for (int done = 0; done < count; done += CHUNK) {
      int n = Math.min(CHUNK, count - done);
      ByteBuffer view = view(dst, (long) done * width, n * width);
      switch (dtype) {
        case F32 -> view.asFloatBuffer().put((float[]) src, done, n);
        case F64 -> view.asDoubleBuffer().put((double[]) src, done, n);
        case I32 -> view.asIntBuffer().put((int[]) src, done, n);
        case I64 -> view.asLongBuffer().put((long[]) src, done, n);
        default -> throw new AssertionError(dtype);
      }
    }
  }

  /** {@code count + 1} list offsets from an offset buffer. */
  static int[] readOffsets(ArrowBuf offsets, int count) {
    int[] out = new int[count + 1];
    read(offsets, 0, DType.I32, out, 0, count + 1);
    return out;
  }

  /** Writes list offsets {@code 0, d, 2d, ..., count*d}. */
  static void writeUniformOffsets(ArrowBuf offsets, int count, int rowLength) {
    int[] values = new int[count + 1];
    for (int i = 1; i <= count; i++) {
      values[i] = values[i - 1] + rowLength;
    }
    write(values, count + 1, DType.I32, offsets);
  }

  private static ByteBuffer view(ArrowBuf buf, long byteOffset, int byteLength) {
    return buf.nioBuffer(byteOffset, byteLength).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void readBits(ArrowBuf src, long first, boolean[] dst, int dstPos, int count) {
    if (count == 0) {
      return;
    }
    long firstByte = first >>> 3;
    long lastByte = (first + count - 1) >>> 3;
    byte[] bytes = new byte[Math.toIntExact(lastByte - firstByte + 1)];
    src.getBytes(firstByte, bytes);
    int bit = (int) (first & 7);
    for (int i = 0; i < count; i++, bit++) {
      dst[dstPos + i] = (bytes[bit >>> 3] & (1 << (bit & 7))) != 0;
    }
  }

  private static void writeBits(boolean[] src, int count, ArrowBuf dst) {
    byte[] bytes = new byte[(count + 7) >>> 3];
    for (int i = 0; i < count; i++) {
      if (src[i]) {
        bytes[i >>> 3] |= (byte) (1 << (i & 7));
      }
    }
    dst.setBytes(0, bytes);
  }

  /** Marks entries {@code 0..count-1} of a validity bitmap as present, bits past them as absent. */
  static void setAllValid(ArrowBuf validity, int count) {
    int full = count >>> 3;
    validity.setOne(0L, (long) full);
    if ((count & 7) != 0) {
      validity.setByte(full, (1 << (count & 7)) - 1);
    }
  }

  /** The first absent entry among {@code 0..count-1} of a validity bitmap, or -1. */
  static int firstNull(ArrowBuf validity, int count) {
    int[] found = {-1};
    forEachNull(
        validity,
        count,
        e -> {
          if (found[0] < 0) {
            found[0] = e;
          }
        },
        true);
    return found[0];
  }

  /** Calls {@code action} with every absent entry among {@code 0..count-1}, in order. */
  static void forEachNull(ArrowBuf validity, int count, IntConsumer action) {
    forEachNull(validity, count, action, false);
  }

  private static void forEachNull(
      ArrowBuf validity, int count, IntConsumer action, boolean stopAtFirst) {
    int bytes = (count + 7) >>> 3;
    byte[] chunk = new byte[Math.min(bytes, 1 << 16)];
    for (int start = 0; start < bytes; start += chunk.length) {
      int n = Math.min(chunk.length, bytes - start);
      validity.getBytes(start, chunk, 0, n);
      for (int b = 0; b < n; b++) {
        if (chunk[b] == (byte) 0xFF) {
          continue; // eight present entries: the common case, skipped a byte at a time
        }
        int base = (start + b) << 3;
        for (int bit = 0; bit < 8 && base + bit < count; bit++) {
          if ((chunk[b] & (1 << bit)) == 0) {
            action.accept(base + bit);
            if (stopAtFirst) {
              return;
            }
          }
        }
      }
    }
  }
}
