package org.vmap4j.remote;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A traced per-example function as a Spark Connect client sends it to the server: the program, its
 * constants, its arguments (names, per-example shapes, and the client's argument expressions) and
 * what to do with it (plain vmapUdf, per-sample gradients, Jacobians). The client module writes it,
 * the connector's Spark Connect plugin reads it; both sides share this one codec so that the format
 * has one definition.
 *
 * <p>Layout (big-endian, {@link DataOutputStream} conventions; strings are a 4-byte length and
 * UTF-8 bytes, byte blocks a 4-byte length and the bytes):
 *
 * <pre>
 * int    magic 0x564d4343 ("VMCC")
 * int    format version (1)
 * byte   kind: 0 vmapUdf, 1 per-sample gradients, 2 Jacobians
 * bytes  program (ProgramSerializer): inputs = constant leaves, then one per argument
 * bytes  constants (ProgramSerializer): a program of no inputs whose outputs are the constants
 * int    n arguments; n times: string name, int rank, rank x int dims
 * int    m outputs; m times: string column name
 * int    batch size (0: the session's default)
 * byte   flags: 1 flat gradients, 2 forward-mode Jacobian, 4 gradient norm column
 * string norm column ("" without flag 4)
 * double clip bound (0: none)
 * int    k argument expressions; k times: bytes (a Spark Connect proto Expression)
 * </pre>
 *
 * <p>The reader treats the bytes as untrusted: every count, length and rank is bounded before
 * anything is allocated, and any violation is a {@link IllegalArgumentException} that names the
 * field and the byte offset.
 */
public record RemoteCall(
    Kind kind,
    byte[] program,
    byte[] constants,
    List<String> argumentNames,
    List<int[]> argumentShapes,
    List<String> outputNames,
    int batchSize,
    boolean flat,
    boolean forwardMode,
    String normColumn,
    double clip,
    List<byte[]> argumentExpressions) {

  /** The Any type URL of a call (an expression) and of a SQL function registration (a command). */
  public static final String TYPE_URL = "type.vmap4j.org/vmap4j.RemoteCall";

  public static final String REGISTER_TYPE_URL = "type.vmap4j.org/vmap4j.RegisterFunction";

  static final int MAGIC = 0x564d4343;
  public static final int FORMAT_VERSION = 1;

  /** Bounds on what a payload may declare; a payload beyond them is rejected, never allocated. */
  public static final int MAX_PAYLOAD_BYTES = 256 << 20;

  static final int MAX_NAME_BYTES = 1024;
  static final int MAX_ARGUMENTS = 256;
  static final int MAX_RANK = 16;
  static final int MAX_DIM = 1 << 28;

  public enum Kind {
    VMAP_UDF,
    PER_SAMPLE_GRADIENTS,
    JACOBIANS
  }

  public RemoteCall {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(program, "program");
    Objects.requireNonNull(constants, "constants");
    argumentNames = List.copyOf(argumentNames);
    argumentShapes = List.copyOf(argumentShapes);
    outputNames = List.copyOf(outputNames);
    argumentExpressions = List.copyOf(argumentExpressions);
    if (argumentNames.size() != argumentShapes.size()) {
      throw new IllegalArgumentException(
          "RemoteCall: "
              + argumentNames.size()
              + " argument names but "
              + argumentShapes.size()
              + " shapes");
    }
    normColumn = normColumn == null ? "" : normColumn;
  }

  /** This call with other argument expressions (the client adds them when the call is applied). */
  public RemoteCall withArgumentExpressions(List<byte[]> expressions) {
    return new RemoteCall(
        kind,
        program,
        constants,
        argumentNames,
        argumentShapes,
        outputNames,
        batchSize,
        flat,
        forwardMode,
        normColumn,
        clip,
        expressions);
  }

  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeByte(kind.ordinal());
      writeBytes(program, out);
      writeBytes(constants, out);
      out.writeInt(argumentNames.size());
      for (int i = 0; i < argumentNames.size(); i++) {
        writeString(argumentNames.get(i), out);
        int[] shape = argumentShapes.get(i);
        out.writeInt(shape.length);
        for (int d : shape) {
          out.writeInt(d);
        }
      }
      out.writeInt(outputNames.size());
      for (String name : outputNames) {
        writeString(name, out);
      }
      out.writeInt(batchSize);
      out.writeByte((flat ? 1 : 0) | (forwardMode ? 2 : 0) | (normColumn.isEmpty() ? 0 : 4));
      writeString(normColumn, out);
      out.writeDouble(clip);
      out.writeInt(argumentExpressions.size());
      for (byte[] e : argumentExpressions) {
        writeBytes(e, out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads a call from untrusted bytes.
   *
   * @throws IllegalArgumentException naming what was wrong and where, for any malformed payload
   */
  public static RemoteCall fromBytes(byte[] data) {
    Objects.requireNonNull(data, "data");
    if (data.length > MAX_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "vmap4j remote call: payload of "
              + data.length
              + " bytes exceeds the limit of "
              + MAX_PAYLOAD_BYTES);
    }
    Reader in = new Reader(data);
    try {
      int magic = in.readInt("magic");
      if (magic != MAGIC) {
        throw in.bad(
            "magic", "not a vmap4j remote call (magic " + Integer.toHexString(magic) + ")");
      }
      int version = in.readInt("format version");
      if (version != FORMAT_VERSION) {
        throw in.bad(
            "format version",
            "the client wrote format version "
                + version
                + ", this server reads version "
                + FORMAT_VERSION
                + "; use the same vmap4j version on both sides");
      }
      int k = in.readByte("kind");
      if (k < 0 || k >= Kind.values().length) {
        throw in.bad("kind", "unknown kind " + k);
      }
      byte[] program = in.readBytes("program");
      byte[] constants = in.readBytes("constants");
      int n = in.readCount("argument count", MAX_ARGUMENTS);
      List<String> names = new ArrayList<>();
      List<int[]> shapes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        names.add(in.readString("argument " + i + " name"));
        int rank = in.readCount("argument " + i + " rank", MAX_RANK);
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++) {
          shape[d] = in.readInt("argument " + i + " dimension " + d);
          if (shape[d] < 0 || shape[d] > MAX_DIM) {
            throw in.bad("argument " + i + " dimension " + d, "dimension " + shape[d]);
          }
        }
        shapes.add(shape);
      }
      int m = in.readCount("output count", MAX_ARGUMENTS);
      List<String> outputs = new ArrayList<>();
      for (int i = 0; i < m; i++) {
        outputs.add(in.readString("output " + i + " name"));
      }
      int batchSize = in.readInt("batch size");
      if (batchSize < 0) {
        throw in.bad("batch size", "negative batch size " + batchSize);
      }
      int flags = in.readByte("flags");
      if ((flags & ~7) != 0) {
        throw in.bad("flags", "unknown flags " + flags);
      }
      String norm = in.readString("norm column");
      if (((flags & 4) != 0) == norm.isEmpty()) {
        throw in.bad("norm column", "the norm flag and the norm column's name disagree");
      }
      double clip = in.readDouble("clip");
      if (!(clip >= 0) || Double.isInfinite(clip)) {
        throw in.bad("clip", "clip bound must be 0 (none) or positive and finite, got " + clip);
      }
      int e = in.readCount("argument expression count", MAX_ARGUMENTS);
      List<byte[]> expressions = new ArrayList<>();
      for (int i = 0; i < e; i++) {
        expressions.add(in.readBytes("argument expression " + i));
      }
      if (in.remaining() != 0) {
        throw in.bad("end", in.remaining() + " unexpected bytes after the call");
      }
      return new RemoteCall(
          Kind.values()[k],
          program,
          constants,
          names,
          shapes,
          outputs,
          batchSize,
          (flags & 1) != 0,
          (flags & 2) != 0,
          norm,
          clip,
          expressions);
    } catch (EOFException eof) {
      throw in.bad(in.field, "the payload ends early (truncated)");
    }
  }

  /** A SQL function registration: the function's name, then a call (with no argument exprs). */
  public static byte[] registration(String functionName, RemoteCall call) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeString(functionName, out);
      writeBytes(call.toBytes(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** A registration's function name and call, from untrusted bytes. */
  public record Registration(String functionName, RemoteCall call) {}

  public static Registration readRegistration(byte[] data) {
    Reader in = new Reader(data);
    try {
      String name = in.readString("function name");
      if (name.isBlank()) {
        throw in.bad("function name", "the SQL function's name is empty");
      }
      byte[] call = in.readBytes("call");
      if (in.remaining() != 0) {
        throw in.bad("end", in.remaining() + " unexpected bytes after the registration");
      }
      return new Registration(name, fromBytes(call));
    } catch (EOFException eof) {
      throw in.bad(in.field, "the payload ends early (truncated)");
    }
  }

  private static void writeBytes(byte[] b, DataOutputStream out) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static void writeString(String s, DataOutputStream out) throws IOException {
    writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
  }

  /** Bounded reads that know which field they read, for error messages. */
  private static final class Reader {
    private final byte[] data;
    private final DataInputStream in;
    private String field = "start";

    Reader(byte[] data) {
      this.data = data;
      this.in = new DataInputStream(new ByteArrayInputStream(data));
    }

    int offset() {
      try {
        return data.length - in.available();
      } catch (IOException e) {
        return -1;
      }
    }

    int remaining() {
      return data.length - offset();
    }

    IllegalArgumentException bad(String what, String why) {
      return new IllegalArgumentException(
          "vmap4j remote call: bad " + what + " at byte " + offset() + ": " + why);
    }

    int readInt(String what) throws EOFException {
      field = what;
      try {
        return in.readInt();
      } catch (EOFException e) {
        throw e;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int readByte(String what) throws EOFException {
      field = what;
      try {
        return in.readUnsignedByte();
      } catch (EOFException e) {
        throw e;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    double readDouble(String what) throws EOFException {
      field = what;
      try {
        return in.readDouble();
      } catch (EOFException e) {
        throw e;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int readCount(String what, int max) throws EOFException {
      int n = readInt(what);
      if (n < 0 || n > max) {
        throw bad(what, n + " is outside [0, " + max + "]");
      }
      return n;
    }

    byte[] readBytes(String what) throws EOFException {
      int n = readInt(what + " length");
      field = what;
      if (n < 0 || n > remaining()) {
        throw bad(what, "length " + n + " but " + remaining() + " bytes remain");
      }
      int start = offset();
      try {
        in.skipNBytes(n);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return Arrays.copyOfRange(data, start, start + n);
    }

    String readString(String what) throws EOFException {
      byte[] b = readBytes(what);
      if (b.length > MAX_NAME_BYTES) {
        throw bad(what, "a name of " + b.length + " bytes (at most " + MAX_NAME_BYTES + ")");
      }
      return new String(b, StandardCharsets.UTF_8);
    }
  }
}
