package org.vmap4j.ir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StreamCorruptedException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;

/**
 * The one binary form of a concrete tensor, shared by everything that ships tensors: the constants
 * of a serialized {@link Program} ({@link ProgramSerializer}), Spark's Kryo serializer of tensors
 * and the pytrees the Spark connector broadcasts.
 *
 * <p>Layout of a tensor on its own: the magic {@code "VMTN"} and this codec's version ({@value
 * #FORMAT_VERSION}), both ints; the type as a program writes it (the dtype code, one byte; the
 * rank, an int; each dimension, an int), big-endian like the rest of a program's structure; then
 * the elements, row-major and <b>little-endian</b> ({@code bool} as one byte, 0 or 1). A program
 * (format 3) writes each constant's type once in its variable table and only the element part here
 * per constant. Elements are little-endian because that is the order of Arrow buffers and of the
 * machines that run us, so the bulk copy through a {@link ByteBuffer} view swaps no bytes.
 *
 * <p>{@link #fromBytes} and {@link #read} are for bytes this library wrote (a broadcast, a Kryo
 * stream between our own executors); {@link #fromUntrustedBytes} bounds and checks bytes from
 * anyone else with a program's {@link ProgramLimits} (bytes, rank, elements) and rejects what is
 * wrong with a {@link RejectedProgramException} naming the byte offset.
 */
public final class TensorCodec {
  private static final int MAGIC = 0x564d544e; // "VMTN"

  /** The standalone layout's version: change it whenever the layout changes. */
  public static final int FORMAT_VERSION = 1;

  /** The order of elements since program format 3 (format 2 wrote them big-endian). */
  static final ByteOrder ELEMENT_ORDER = ByteOrder.LITTLE_ENDIAN;

  /** Elements are copied through a buffer of this many bytes, not one as large as the tensor. */
  private static final int CHUNK_BYTES = 1 << 16;

  private TensorCodec() {}

  /** The tensor's bytes; a traced tensor (inside a transform) cannot be encoded. */
  public static byte[] toBytes(Tensor tensor) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(tensor, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Writes the tensor's bytes to {@code out} (and nothing more: the stream stays open). */
  public static void write(Tensor tensor, OutputStream out) throws IOException {
    CpuTensor c = concreteCpu(tensor);
    DataOutputStream header = new DataOutputStream(out);
    header.writeInt(MAGIC);
    header.writeInt(FORMAT_VERSION);
    writeType(c.type(), header); // DataOutputStream writes through: nothing to flush
    writeElements(c, out);
  }

  /** Reads a tensor that {@link #toBytes} wrote. */
  public static Tensor fromBytes(byte[] data) {
    return read(data, ProgramSerializer.TRUSTED, false);
  }

  /**
   * Reads a tensor from bytes anyone may have written: rejects, naming what and where, more bytes
   * than {@code limits.maxBytes()}, another codec version, an unknown dtype, a rank above {@code
   * maxRank}, a shape with more than {@code maxTensorElements} elements, fewer element bytes than
   * the shape needs (checked before allocating), a boolean other than 0 or 1 and trailing bytes.
   */
  public static Tensor fromUntrustedBytes(byte[] data, ProgramLimits limits) {
    if (data.length > limits.maxBytes()) {
      throw new RejectedProgramException(
          "rejected tensor: "
              + data.length
              + " bytes is more than "
              + limits.maxBytes()
              + ", the limit (ProgramLimits.withMaxBytes)");
    }
    return read(data, limits, true);
  }

  /**
   * Reads one tensor that {@link #write} wrote from {@code in}, consuming exactly its bytes (the
   * stream may hold more after it).
   */
  public static Tensor read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int magic = data.readInt();
    if (magic != MAGIC) {
      throw new StreamCorruptedException(
          "not a serialized vmap4j tensor (no \"VMTN\" header, found 0x"
              + Integer.toHexString(magic)
              + ")");
    }
    int version = data.readInt();
    if (version != FORMAT_VERSION) {
      throw new StreamCorruptedException(unsupported(version));
    }
    int code = data.readUnsignedByte();
    if (code >= DType.values().length) {
      throw new StreamCorruptedException("unknown dtype code " + code + " in a tensor's header");
    }
    DType dtype = DType.values()[code];
    int rank = data.readInt();
    if (rank < 0) {
      throw new StreamCorruptedException("negative rank " + rank + " in a tensor's header");
    }
    int[] shape = new int[rank];
    long size = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = data.readInt();
      size *= shape[i];
      if (shape[i] < 0 || size > Integer.MAX_VALUE) {
        throw new StreamCorruptedException(
            "a tensor's header declares shape " + Arrays.toString(shape));
      }
    }
    Object elements = Storage.allocate(dtype, (int) size);
    byte[] chunk = new byte[chunkElements(dtype, (int) size) * dtype.byteSize()];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ELEMENT_ORDER);
    for (int from = 0; from < size; from += chunk.length / dtype.byteSize()) {
      int count = (int) Math.min(chunk.length / dtype.byteSize(), size - from);
      data.readFully(chunk, 0, count * dtype.byteSize());
      buffer.clear();
      decode(buffer, ELEMENT_ORDER, dtype, elements, from, count);
    }
    return CpuTensor.wrap(dtype, elements, shape);
  }

  private static Tensor read(byte[] data, ProgramLimits limits, boolean untrusted) {
    ByteBuffer in = ByteBuffer.wrap(data);
    ProgramReader reader = new ProgramReader(in, limits, untrusted, "", ELEMENT_ORDER, "tensor");
    try {
      if (in.remaining() < 8 || in.getInt() != MAGIC) {
        in.position(0);
        throw reader.reject("not a serialized vmap4j tensor (no \"VMTN\" header)");
      }
      int version = in.getInt();
      if (version != FORMAT_VERSION) {
        in.position(4);
        throw reader.reject(unsupported(version));
      }
      TensorType type = reader.readType();
      CpuTensor tensor = reader.readElements(type, false);
      if (in.hasRemaining()) {
        throw reader.reject(in.remaining() + " bytes after the end of the tensor");
      }
      return tensor;
    } catch (BufferUnderflowException e) {
      throw reader.truncated(e);
    }
  }

  private static String unsupported(int version) {
    return "unsupported tensor format "
        + version
        + ", this reader is vmap4j "
        + ProgramSerializer.libraryVersion()
        + " (tensor format "
        + FORMAT_VERSION
        + "); use the same vmap4j version on both sides";
  }

  /**
   * The tensor as the codec writes it, for callers that capture a tensor now and encode it later: a
   * traced tensor (inside a transform) throws here the error that names the transform and the fix.
   */
  public static Tensor concrete(Tensor tensor) {
    return concreteCpu(tensor);
  }

  private static CpuTensor concreteCpu(Tensor tensor) {
    if (tensor instanceof CpuTensor c) {
      return c;
    }
    // a traced tensor: this throws the error that names the transform and the fix
    return CpuTensor.wrap(tensor.dtype(), rowMajorCopy(tensor), tensor.shape());
  }

  private static Object rowMajorCopy(Tensor t) {
    return switch (t.dtype()) {
      case F64 -> t.toDoubleArray();
      case F32 -> t.toFloatArray();
      case I32 -> t.toIntArray();
      case I64 -> t.toLongArray();
      case BOOL -> t.toBooleanArray();
    };
  }

  /** A type as a program's variable table writes it: dtype code, rank, dimensions. */
  static void writeType(TensorType t, DataOutputStream out) throws IOException {
    out.writeByte(t.dtype().ordinal());
    out.writeInt(t.ndim());
    for (int d : t.shape()) {
      out.writeInt(d);
    }
  }

  /** The element part: row-major, little-endian, written a chunk at a time. */
  static void writeElements(CpuTensor c, OutputStream out) throws IOException {
    DType dtype = c.dtype();
    Object elements = c.contiguousData();
    int n = c.size();
    byte[] chunk = new byte[chunkElements(dtype, n) * dtype.byteSize()];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(ELEMENT_ORDER);
    for (int from = 0; from < n; from += chunk.length / dtype.byteSize()) {
      int count = Math.min(chunk.length / dtype.byteSize(), n - from);
      buffer.clear();
      switch (dtype) {
        case F64 -> buffer.asDoubleBuffer().put((double[]) elements, from, count);
        case F32 -> buffer.asFloatBuffer().put((float[]) elements, from, count);
        case I32 -> buffer.asIntBuffer().put((int[]) elements, from, count);
        case I64 -> buffer.asLongBuffer().put((long[]) elements, from, count);
        case BOOL -> {
          boolean[] b = (boolean[]) elements;
          for (int i = 0; i < count; i++) {
            chunk[i] = (byte) (b[from + i] ? 1 : 0);
          }
        }
      }
      out.write(chunk, 0, count * dtype.byteSize());
    }
  }

  /**
   * Reads {@code count} elements of {@code dtype} at {@code in}'s position, in {@code order}, into
   * {@code elements} from index {@code from}, and moves the position past them. The caller has
   * checked that the bytes are there.
   */
  static void decode(
      ByteBuffer in, ByteOrder order, DType dtype, Object elements, int from, int count) {
    ByteBuffer view = in.slice().order(order);
    switch (dtype) {
      case F64 -> view.asDoubleBuffer().get((double[]) elements, from, count);
      case F32 -> view.asFloatBuffer().get((float[]) elements, from, count);
      case I32 -> view.asIntBuffer().get((int[]) elements, from, count);
      case I64 -> view.asLongBuffer().get((long[]) elements, from, count);
      case BOOL -> {
        boolean[] b = (boolean[]) elements;
        for (int i = 0; i < count; i++) {
          b[from + i] = view.get(i) != 0;
        }
      }
    }
    in.position(in.position() + count * dtype.byteSize());
  }

  /**
   * The index of the first byte among the next {@code count} at {@code in}'s position that is not a
   * boolean (0 or 1), or -1.
   */
  static int firstNonBoolean(ByteBuffer in, int count) {
    for (int i = 0; i < count; i++) {
      byte b = in.get(in.position() + i);
      if (b != 0 && b != 1) {
        return i;
      }
    }
    return -1;
  }

  private static int chunkElements(DType dtype, int n) {
    return Math.max(1, Math.min(n, CHUNK_BYTES / dtype.byteSize()));
  }
}
