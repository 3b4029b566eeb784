package org.vmap4j.ir;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;

/**
 * A compact binary form of a program, for shipping it to Spark executors and for programs a Spark
 * Connect client sends: variables by index, primitives by name, parameters with type tags,
 * constants with their data. A sub-program parameter (a branch of cond, a loop body) is written in
 * place as a whole nested program, so control flow travels intact.
 *
 * <p>Layout (big-endian, {@link DataOutputStream} encodings): a header of the magic {@code "VMAP"},
 * the format version ({@value #FORMAT_VERSION}) and the vmap4j version that wrote it (a UTF
 * string); then the program: the variable count and each variable's type (dtype code, rank,
 * dimensions); the input and constant counts and each constant's elements in {@link TensorCodec}'s
 * element form (row-major, little-endian); the equation count and for each equation its primitive
 * name, its parameters (count, then name, tag and value each), its operand variable indices (count,
 * then indices) and its result count; finally the output variable indices. Sub-programs are
 * programs without the header. A reader rejects another format version, naming both vmap4j
 * versions; it still reads format 2, whose only difference is that constants' elements were
 * big-endian.
 *
 * <p>{@link #fromBytes} is for bytes this library wrote itself (the executor side of a Spark job);
 * {@link #fromUntrustedBytes} is for bytes from anyone else: bounded by {@link ProgramLimits} and
 * validated before anything of the program runs.
 */
public final class ProgramSerializer {
  private static final int MAGIC = 0x564d4150; // "VMAP"

  /**
   * The layout's version: change it whenever the layout changes. 3: constants' elements in {@link
   * TensorCodec}'s little-endian form (2: big-endian, still read).
   */
  public static final int FORMAT_VERSION = 3;

  /** The last format whose constants' elements were big-endian; readers still accept it. */
  private static final int BIG_ENDIAN_ELEMENTS_FORMAT = 2;

  /** A reader of bytes we wrote: no bounds beyond the structure's own, no shape re-checks. */
  static final ProgramLimits TRUSTED =
      ProgramLimits.defaults()
          .withMaxBytes(Integer.MAX_VALUE)
          .withMaxEquations(Integer.MAX_VALUE)
          .withMaxVariables(Integer.MAX_VALUE)
          .withMaxNestingDepth(Integer.MAX_VALUE)
          .withMaxTensorElements(Integer.MAX_VALUE)
          .withMaxTotalElements(Long.MAX_VALUE)
          .withMaxTotalConstantElements(Long.MAX_VALUE)
          .withMaxRank(Integer.MAX_VALUE)
          .withMaxStringLength(Integer.MAX_VALUE)
          .withMaxLoopIterations(Long.MAX_VALUE);

  private ProgramSerializer() {}

  /** The vmap4j version of this library, as written in every program header. */
  public static String libraryVersion() {
    return LibraryVersion.VALUE;
  }

  public static byte[] toBytes(Program p) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      write(p, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Reads bytes that {@link #toBytes} wrote (a program this library traced itself). */
  public static Program fromBytes(byte[] data) {
    return read(data, TRUSTED, false);
  }

  /**
   * Reads a program from bytes that anyone may have written (a remote client): rejects, with a
   * {@link RejectedProgramException} naming what and where, bytes beyond {@code limits}, another
   * format version (naming both vmap4j versions), unknown primitives and parameter tags, names that
   * are not plain identifiers, variables used before they are defined, and equations whose operand
   * shapes and dtypes their primitive's shape rule rejects or whose declared result types it does
   * not give. Nothing is allocated from a length field before it is checked against the bytes left
   * and the limits, and sub-programs are read no deeper than the limit.
   */
  public static Program fromUntrustedBytes(byte[] data, ProgramLimits limits) {
    if (data.length > limits.maxBytes()) {
      throw new RejectedProgramException(
          "rejected program: "
              + data.length
              + " bytes is more than "
              + limits.maxBytes()
              + ", the limit (ProgramLimits.withMaxBytes)");
    }
    return read(data, limits, true);
  }

  private static Program read(byte[] data, ProgramLimits limits, boolean untrusted) {
    ByteBuffer in = ByteBuffer.wrap(data);
    ProgramReader reader =
        new ProgramReader(in, limits, untrusted, "", TensorCodec.ELEMENT_ORDER, "program");
    try {
      int format = readFormat(in, reader);
      String versions = versions(format, in, reader);
      ByteOrder elements =
          format == BIG_ENDIAN_ELEMENTS_FORMAT ? ByteOrder.BIG_ENDIAN : TensorCodec.ELEMENT_ORDER;
      return new ProgramReader(in, limits, untrusted, versions, elements, "program").readTopLevel();
    } catch (BufferUnderflowException e) {
      throw reader.truncated(e);
    }
  }

  /** Checks the magic and returns the format version. */
  private static int readFormat(ByteBuffer in, ProgramReader reader) {
    if (in.remaining() < 8 || in.getInt() != MAGIC) {
      in.position(0);
      throw reader.reject("not a serialized vmap4j program (no \"VMAP\" header)");
    }
    return in.getInt();
  }

  /**
   * Reads the writer's version, checks that this reader reads {@code format} and returns the
   * sentence naming the writer's and this reader's versions.
   */
  private static String versions(int format, ByteBuffer in, ProgramReader reader) {
    String writer = format >= 2 ? readVersionString(in, reader) : "before 0.1.0";
    String versions =
        "the program was written by vmap4j "
            + writer
            + " (format "
            + format
            + "), this reader is vmap4j "
            + libraryVersion()
            + " (format "
            + FORMAT_VERSION
            + ")";
    if (format != FORMAT_VERSION && format != BIG_ENDIAN_ELEMENTS_FORMAT) {
      throw reader.reject(
          "unsupported program format: "
              + versions
              + "; use the same vmap4j version on both sides");
    }
    return versions;
  }

  private static String readVersionString(ByteBuffer in, ProgramReader reader) {
    int length = Short.toUnsignedInt(in.getShort());
    if (length > 64 || length > in.remaining()) {
      throw reader.reject("the header's vmap4j version is " + length + " bytes long");
    }
    byte[] b = new byte[length];
    in.get(b);
    String s = new String(b, java.nio.charset.StandardCharsets.US_ASCII);
    if (!s.matches("[A-Za-z0-9._+-]*")) {
      throw reader.reject(
          "the header's vmap4j version " + ProgramReader.quoted(s) + " is malformed");
    }
    return s;
  }

  public static void write(Program p, DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(FORMAT_VERSION);
    out.writeUTF(libraryVersion());
    writeBody(p, out);
  }

  private static void writeBody(Program p, DataOutputStream out) throws IOException {
    Map<Var, Integer> ids = new IdentityHashMap<>();
    List<Var> all = new ArrayList<>(p.inputs());
    all.addAll(p.constVars());
    p.equations().forEach(e -> all.addAll(e.outputs()));
    out.writeInt(all.size());
    for (Var v : all) {
      ids.put(v, ids.size());
      writeType(v.type(), out);
    }
    out.writeInt(p.inputs().size());
    out.writeInt(p.constVars().size());
    for (CpuTensor c : p.constValues()) {
      writeData(c, out);
    }
    out.writeInt(p.equations().size());
    for (Equation e : p.equations()) {
      out.writeUTF(e.primitive().name());
      writeParams(e.params(), out);
      writeVars(e.inputs(), ids, out);
      out.writeInt(e.outputs().size());
    }
    writeVars(p.outputs(), ids, out);
  }

  /**
   * Reads one whole program (header included) from the rest of the stream, as {@link #fromBytes}.
   */
  public static Program read(DataInputStream in) throws IOException {
    return fromBytes(in.readAllBytes());
  }

  private static void writeType(TensorType t, DataOutputStream out) throws IOException {
    TensorCodec.writeType(t, out);
  }

  private static void writeVars(List<Var> vars, Map<Var, Integer> ids, DataOutputStream out)
      throws IOException {
    out.writeInt(vars.size());
    for (Var v : vars) {
      out.writeInt(ids.get(v));
    }
  }

  private static void writeData(CpuTensor c, DataOutputStream out) throws IOException {
    TensorCodec.writeElements(c, out);
  }

  private static void writeParams(Params p, DataOutputStream out) throws IOException {
    out.writeInt(p.asMap().size());
    for (Map.Entry<String, Object> e : p.asMap().entrySet()) {
      out.writeUTF(e.getKey());
      Object v = e.getValue();
      if (v instanceof Integer i) {
        out.writeByte('I');
        out.writeInt(i);
      } else if (v instanceof Long l) {
        out.writeByte('L');
        out.writeLong(l);
      } else if (v instanceof Double d) {
        out.writeByte('D');
        out.writeDouble(d);
      } else if (v instanceof Boolean b) {
        out.writeByte('Z');
        out.writeBoolean(b);
      } else if (v instanceof String s) {
        out.writeByte('S');
        out.writeUTF(s);
      } else if (v instanceof DType t) {
        out.writeByte('T');
        out.writeByte(t.ordinal());
      } else if (v instanceof Program sub) {
        out.writeByte('P');
        writeBody(sub, out);
      } else {
        int[] a = (int[]) v;
        out.writeByte('A');
        out.writeInt(a.length);
        for (int x : a) {
          out.writeInt(x);
        }
      }
    }
  }
}
