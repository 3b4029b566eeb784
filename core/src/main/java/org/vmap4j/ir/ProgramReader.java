package org.vmap4j.ir;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.prim.Primitives;

/**
 * Reads the body of a serialized program (see {@link ProgramSerializer} for the layout) from a byte
 * array, defensively: every count and length is checked against the bytes that remain and against
 * {@link ProgramLimits} before anything is allocated from it, sub-programs recurse no deeper than
 * the limit, every variable reference must name a variable already defined, and, for untrusted
 * bytes, every name must be a plain identifier and every equation must pass its primitive's own
 * shape rule ({@link Primitive#inferTypes}) with exactly the result types it declares. Problems are
 * {@link RejectedProgramException}s naming the byte offset and the equation and parameter being
 * read.
 */
final class ProgramReader {
  /**
   * Names the reader accepts from untrusted bytes: they may end up in messages and program text.
   */
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private static final int TYPE_MIN_BYTES = 1 + 4;
  private static final int EQUATION_MIN_BYTES = 2 + 1 + 4 + 4 + 4;
  private static final int PARAM_MIN_BYTES = 2 + 1 + 1 + 1;

  private final ByteBuffer in;
  private final ProgramLimits limits;
  private final boolean untrusted;
  private final String versions;
  private final ByteOrder elementOrder;
  private final String what;
  private final Deque<String> where = new ArrayDeque<>();
  private int equations;
  private int variables;
  private long constantElements;
  private long totalElements;

  /**
   * @param elementOrder the byte order of constants' elements (little-endian since format 3)
   * @param what what the bytes hold, for messages: "program", or "tensor" for {@link TensorCodec}
   */
  ProgramReader(
      ByteBuffer in,
      ProgramLimits limits,
      boolean untrusted,
      String versions,
      ByteOrder elementOrder,
      String what) {
    this.in = in;
    this.limits = limits;
    this.untrusted = untrusted;
    this.versions = versions;
    this.elementOrder = elementOrder;
    this.what = what;
  }

  /** The whole program at the current position, which must end exactly at the end of the bytes. */
  Program readTopLevel() {
    Program p = readProgram(0);
    if (in.hasRemaining()) {
      throw reject(in.remaining() + " bytes after the end of the program");
    }
    return p;
  }

  private Program readProgram(int depth) {
    int n = count("variable count", TYPE_MIN_BYTES, limits.maxVariables() - (long) variables);
    variables += n;
    List<Var> vars = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      where.push("variable " + i);
      vars.add(new Var(readType()));
      where.pop();
    }
    int nIn = count("input count", 0, n);
    int nConst = count("constant count", 0, n - (long) nIn);
    List<CpuTensor> consts = new ArrayList<>(nConst);
    for (int i = 0; i < nConst; i++) {
      where.push("constant " + i);
      consts.add(readElements(vars.get(nIn + i).type(), true));
      where.pop();
    }
    int nEq = count("equation count", EQUATION_MIN_BYTES, limits.maxEquations() - (long) equations);
    equations += nEq;
    int defined = nIn + nConst;
    List<Equation> eqs = new ArrayList<>(nEq);
    for (int i = 0; i < nEq; i++) {
      where.push("equation " + i);
      Primitive prim = readPrimitive();
      where.pop();
      where.push("equation " + i + " (" + prim.displayName() + ")");
      Params params = readParams(prim, depth);
      if (untrusted) {
        params = boundLoops(prim, params);
      }
      List<Var> inputs = readVars("operand", vars, defined);
      int nOut = count("result count", 0, n - (long) defined);
      List<Var> outputs = vars.subList(defined, defined + nOut);
      if (untrusted) {
        checkShapes(prim, params, inputs, outputs);
      }
      eqs.add(new Equation(prim, params, inputs, outputs));
      defined += nOut;
      where.pop();
    }
    if (defined != n) {
      throw reject(
          "the program declares "
              + n
              + " variables but its inputs, constants and equations define "
              + defined);
    }
    List<Var> outputs = readVars("program output", vars, n);
    return new Program(vars.subList(0, nIn), vars.subList(nIn, nIn + nConst), consts, eqs, outputs);
  }

  /** A tensor type: dtype code, rank, dimensions, bounded by the rank and element limits. */
  TensorType readType() {
    int offset = in.position();
    DType dtype = readDType();
    int rank = count("rank", 4, limits.maxRank());
    int[] shape = new int[rank];
    long size = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = in.getInt();
      if (shape[i] < 0) {
        throw reject("negative dimension " + shape[i] + " in dimension " + i);
      }
      size *= shape[i];
      if (size > limits.maxTensorElements()) {
        in.position(offset);
        throw reject(
            "a tensor of shape "
                + Arrays.toString(Arrays.copyOf(shape, i + 1))
                + "... has more than "
                + limits.maxTensorElements()
                + " elements, the limit (ProgramLimits.withMaxTensorElements)");
      }
    }
    totalElements += size;
    if (totalElements > limits.maxTotalElements()) {
      in.position(offset);
      throw reject(
          "the program's tensors have more than "
              + limits.maxTotalElements()
              + " elements together, the limit (ProgramLimits.withMaxTotalElements)");
    }
    return new TensorType(dtype, shape);
  }

  private DType readDType() {
    int ordinal = in.get();
    DType[] all = DType.values();
    if (ordinal < 0 || ordinal >= all.length) {
      in.position(in.position() - 1);
      throw reject("unknown dtype code " + ordinal + " (known: 0.." + (all.length - 1) + ")");
    }
    return all[ordinal];
  }

  /**
   * The elements of a tensor of type {@code t} ({@link TensorCodec}'s element part), counted
   * against the constants' limit when {@code constant}.
   */
  CpuTensor readElements(TensorType t, boolean constant) {
    int size = t.size();
    if (constant) {
      constantElements += size;
      if (constantElements > limits.maxTotalConstantElements()) {
        throw reject(
            "the constants have more than "
                + limits.maxTotalConstantElements()
                + " elements in all, the limit (ProgramLimits.withMaxTotalConstantElements)");
      }
    }
    if ((long) size * t.dtype().byteSize() > in.remaining()) {
      throw reject(
          (constant ? "constant" : "tensor")
              + " of type "
              + t
              + " needs more bytes than the "
              + in.remaining()
              + " left");
    }
    if (untrusted && t.dtype() == DType.BOOL) {
      int bad = TensorCodec.firstNonBoolean(in, size);
      if (bad >= 0) {
        in.position(in.position() + bad);
        throw reject("a boolean must be 0 or 1, got " + in.get(in.position()));
      }
    }
    Object data = Storage.allocate(t.dtype(), size);
    TensorCodec.decode(in, elementOrder, t.dtype(), data, 0, size);
    return CpuTensor.wrap(t.dtype(), data, t.shape());
  }

  private boolean readBoolean() {
    byte b = in.get();
    if (untrusted && b != 0 && b != 1) {
      in.position(in.position() - 1);
      throw reject("a boolean must be 0 or 1, got " + b);
    }
    return b != 0;
  }

  private Primitive readPrimitive() {
    String name = readString("primitive name");
    try {
      return Primitives.byName(name);
    } catch (IllegalArgumentException e) {
      throw reject("unknown primitive '" + name + "'; " + versions);
    }
  }

  private Params readParams(Primitive prim, int depth) {
    int n = count("parameter count", PARAM_MIN_BYTES, Integer.MAX_VALUE);
    Object[] pairs = new Object[2 * n];
    for (int i = 0; i < n; i++) {
      String name = readString("parameter name");
      where.push("parameter '" + name + "'");
      byte tag = in.get();
      pairs[2 * i] = name;
      pairs[2 * i + 1] =
          switch (tag) {
            case 'I' -> in.getInt();
            case 'L' -> in.getLong();
            case 'D' -> in.getDouble();
            case 'Z' -> readBoolean();
            case 'S' -> readString("string parameter");
            case 'T' -> readDType();
            case 'P' -> readSubProgram(depth);
            case 'A' -> readInts();
            default -> {
              in.position(in.position() - 1);
              throw reject(
                  "unknown parameter tag "
                      + (tag >= 32 && tag < 127 ? "'" + (char) tag + "'" : "code " + tag)
                      + " (known: I L D Z S T P A); "
                      + versions);
            }
          };
      where.pop();
    }
    try {
      return Params.of(pairs);
    } catch (IllegalArgumentException e) {
      throw reject("bad parameters for " + prim.displayName() + ": " + e.getMessage());
    }
  }

  private Program readSubProgram(int depth) {
    if (depth >= limits.maxNestingDepth()) {
      throw reject(
          "sub-programs nest deeper than "
              + limits.maxNestingDepth()
              + ", the limit (ProgramLimits.withMaxNestingDepth)");
    }
    return readProgram(depth + 1);
  }

  private int[] readInts() {
    int n = count("array length", 4, Integer.MAX_VALUE);
    int[] a = new int[n];
    for (int k = 0; k < n; k++) {
      a[k] = in.getInt();
    }
    return a;
  }

  private List<Var> readVars(String what, List<Var> vars, int defined) {
    int n = count(what + " count", 4, Integer.MAX_VALUE);
    List<Var> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int id = in.getInt();
      if (id < 0 || id >= defined) {
        in.position(in.position() - 4);
        throw reject(
            what
                + " "
                + i
                + " refers to variable "
                + id
                + ", but only variables 0.."
                + (defined - 1)
                + " are defined at this point");
      }
      out.add(vars.get(id));
    }
    return out;
  }

  /**
   * Bounds the turns of a loop, as the loop primitive states ({@link
   * SubProgramPrimitive#boundedTo}): a scan's length is known and checked now; a while loop gets
   * the limit as its iteration cap (the smaller of the client's and ours), enforced as it runs.
   */
  private Params boundLoops(Primitive prim, Params params) {
    if (!(prim instanceof SubProgramPrimitive loop)) {
      return params;
    }
    try {
      return loop.boundedTo(limits.maxLoopIterations(), params);
    } catch (IllegalArgumentException e) {
      throw reject(e.getMessage(), e);
    }
  }

  /** Runs the primitive's own shape rule, the one eager evaluation and tracing use. */
  private void checkShapes(Primitive prim, Params params, List<Var> inputs, List<Var> outputs) {
    TensorType[] inTypes = new TensorType[inputs.size()];
    for (int i = 0; i < inTypes.length; i++) {
      inTypes[i] = inputs.get(i).type();
    }
    TensorType[] inferred;
    try {
      inferred = prim.inferTypes(inTypes, params);
    } catch (RuntimeException e) {
      throw reject(
          "the operands "
              + brief(Arrays.toString(inTypes))
              + " and parameters "
              + brief(params.toString())
              + " are not valid for "
              + prim.displayName()
              + ": "
              + e.getMessage(),
          e);
    }
    List<TensorType> declared = new ArrayList<>();
    outputs.forEach(v -> declared.add(v.type()));
    if (!Arrays.asList(inferred).equals(declared)) {
      throw reject(
          "the equation declares results "
              + brief(declared.toString())
              + " but "
              + prim.displayName()
              + " of "
              + brief(Arrays.toString(inTypes))
              + " gives "
              + brief(Arrays.toString(inferred)));
    }
  }

  /**
   * A count or length field: not negative, within {@code limit}, and, with {@code minBytesEach}
   * bytes per item at least, not more items than the remaining bytes can hold.
   */
  private int count(String what, int minBytesEach, long limit) {
    int offset = in.position();
    int n = in.getInt();
    if (n < 0) {
      in.position(offset);
      throw reject("negative " + what + " " + n);
    }
    if (n > limit) {
      in.position(offset);
      throw reject(what + " " + n + " exceeds " + limit + limitHint(what));
    }
    if ((long) n * minBytesEach > in.remaining()) {
      in.position(offset);
      throw reject(
          what
              + " "
              + n
              + " needs at least "
              + (long) n * minBytesEach
              + " more bytes, but only "
              + (in.remaining() - 4)
              + " are left (truncated, or a corrupt count?)");
    }
    return n;
  }

  private static String limitHint(String what) {
    return switch (what) {
      case "variable count" -> ", what is left of the limit (ProgramLimits.withMaxVariables)";
      case "equation count" -> ", what is left of the limit (ProgramLimits.withMaxEquations)";
      case "rank" -> ", the limit (ProgramLimits.withMaxRank)";
      default -> "";
    };
  }

  /** A {@code DataOutput.writeUTF} string: length-checked and, untrusted, a plain identifier. */
  private String readString(String what) {
    int offset = in.position();
    int length = Short.toUnsignedInt(in.getShort());
    if (length > limits.maxStringLength()) {
      in.position(offset);
      throw reject(
          what
              + " of "
              + length
              + " bytes is longer than "
              + limits.maxStringLength()
              + ", the limit (ProgramLimits.withMaxStringLength)");
    }
    if (length > in.remaining()) {
      in.position(offset);
      throw reject(
          what + " of " + length + " bytes, but only " + in.remaining() + " are left (truncated?)");
    }
    String s;
    try {
      s = new DataInputStream(new ByteArrayInputStream(in.array(), offset, 2 + length)).readUTF();
    } catch (IOException e) {
      in.position(offset);
      throw reject(what + " is not valid modified UTF-8", e);
    }
    in.position(offset + 2 + length);
    if (untrusted && !IDENTIFIER.matcher(s).matches()) {
      in.position(offset);
      throw reject(what + " " + quoted(s) + " is not an identifier ([A-Za-z_][A-Za-z0-9_]*)");
    }
    return s;
  }

  /** A description cut to a readable length (operand lists and int arrays can be long). */
  private static String brief(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }

  /** A string from the bytes made safe to print: non-printable and non-ASCII characters escaped. */
  static String quoted(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      if (c >= 32 && c < 127 && c != '"' && c != '\\') {
        sb.append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.append(s.length() > 80 ? "...\"" : "\"").toString();
  }

  RejectedProgramException reject(String problem) {
    return reject(problem, null);
  }

  private RejectedProgramException reject(String problem, Throwable cause) {
    StringBuilder sb = new StringBuilder("rejected ").append(what).append(": ").append(problem);
    sb.append(" (at byte ").append(in.position());
    List<String> path = new ArrayList<>(where);
    for (int i = path.size() - 1; i >= 0; i--) {
      sb.append(i == path.size() - 1 ? ", in " : " > ").append(path.get(i));
    }
    sb.append(')');
    return new RejectedProgramException(sb.toString(), cause);
  }

  /** For the caller's catch of a read past the end. */
  RejectedProgramException truncated(BufferUnderflowException e) {
    return reject("the bytes end in the middle of the " + what + " (truncated?)", e);
  }
}
