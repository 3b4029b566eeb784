package org.vmap4j.cpu;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.vmap4j.DType;
import org.vmap4j.kernel.ScalarStep;

/**
 * Renders a fused element-wise kernel over F32 or F64 lanes (with BOOL masks) to a Vector API loop:
 * each step through the vector form of its {@link JavaScalarOps} row, a lane group at a time, the
 * tail and any group a vector form cannot compute exactly (an exp argument out of range, a NaN erf
 * argument, a power other than -1 or 2) by the kernel's scalar loop. HotSpot vectorizes the scalar
 * loops of plain arithmetic by itself, but not calls (exp, erf) or the float-to-double widening the
 * F32 transcendentals need; those are what this renders (docs/performance.md, "Vector API
 * element-wise kernels"), for kernels that have one (an F32 exp or erf: F64 has forms for the
 * arithmetic, tested, but none that makes a kernel vector) and are long enough to repay C2's
 * compile ({@link #MIN_ELEMENTS}, {@link #MIN_ROW}, {@link #MAX_TEMPORARIES}).
 *
 * <p>The result is the scalar kernel's, lane for lane, except where a row's vector form states a
 * bound (F32 erf: within 1 ulp of {@code (float) erf(x)}, as the scalar form). A kernel with an
 * operation or dtype no vector form covers renders as null, and runs its scalar loop. Janino
 * compiles the source like any kernel's (see {@link VectorCode} for the casts that needs).
 */
final class VectorKernels {
  private VectorKernels() {}

  /**
   * Kernels over fewer elements a call keep their scalar loop: a vector loop pays only once C2 has
   * compiled it, and a long loop is compiled during its first calls (on-stack replacement).
   */
  static final int MIN_ELEMENTS = 4096;

  /**
   * A group with more temporaries keeps the scalar loop: HotSpot does not compile a method of more
   * than 8000 bytes of bytecode (about 40 bytes a vector statement), and a Vector API loop left to
   * the interpreter allocates an object per operation.
   */
  static final int MAX_TEMPORARIES = 150;

  /**
   * Rows shorter than this many elements keep the scalar loop: a row of a few lanes is mostly tail
   * (measured: the 10-class softmax rows of an MLP's loss ran slower as vectors).
   */
  static final int MIN_ROW = 32;

  /**
   * Whether fused element-wise kernels render to Vector API loops: the JVM has {@code
   * jdk.incubator.vector} ({@link Gemm#VECTOR_API}), and {@code -Dvmap4j.vectorElementwise=false}
   * has not turned it off (to measure the difference). Decided once.
   */
  static final boolean ENABLED =
      Gemm.VECTOR_API && !"false".equals(System.getProperty("vmap4j.vectorElementwise"));

  /** A kernel's rendering: its graph, result, input dtypes and broadcasts, output dtype, form. */
  private record Key(
      List<ScalarStep> steps,
      String result,
      List<DType> dtypes,
      List<Boolean> broadcast,
      DType out,
      boolean rows) {}

  /**
   * Compiled vector loops (or none, for a graph without vector forms) by rendering key, so a call
   * neither renders nor hashes the source again (the source of a fused GELU is about 10k chars).
   */
  private static final Map<Key, Optional<Object>> COMPILED = new ConcurrentHashMap<>();

  /** The compiled {@link #loop}, or null when the kernel has no vector rendering. */
  static ElementwiseLoop compiledLoop(
      List<ScalarStep> steps,
      String result,
      String scalarStatements,
      DType[] dtypes,
      boolean[] broadcast,
      DType outType) {
    return (ElementwiseLoop)
        compiled(
            new Key(steps, result, List.of(dtypes), booleans(broadcast), outType, false),
            () -> loop(steps, result, scalarStatements, dtypes, broadcast, outType, false),
            ElementwiseLoop.class);
  }

  /** The compiled {@link #rows} loop, or null when the kernel has no vector rendering. */
  static ElementwiseKernels.RowsLoop compiledRows(
      List<ScalarStep> steps,
      String result,
      String scalarStatements,
      DType[] dtypes,
      boolean[] broadcast,
      DType outType) {
    return (ElementwiseKernels.RowsLoop)
        compiled(
            new Key(steps, result, List.of(dtypes), booleans(broadcast), outType, true),
            () -> rows(steps, result, scalarStatements, dtypes, broadcast, outType, false),
            ElementwiseKernels.RowsLoop.class);
  }

  private static Object compiled(Key key, Supplier<String> source, Class<?> iface) {
    return COMPILED
        .computeIfAbsent(
            key,
            k -> Optional.ofNullable(source.get()).map(src -> KernelCompiler.instance(src, iface)))
        .orElse(null);
  }

  /** How many kernels this JVM runs as vector loops (for tests and diagnostics). */
  static long vectorLoopCount() {
    return COMPILED.values().stream().filter(Optional::isPresent).count();
  }

  private static List<Boolean> booleans(boolean[] b) {
    Boolean[] out = new Boolean[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[i];
    }
    return List.of(out);
  }

  private static final String SCALAR_HEADER =
      "private void scalar(Object[] in, int[] off, Object out, int outOff, int from, int to)";

  /**
   * An {@link ElementwiseLoop} class body, or null when some step has no vector form or (unless
   * {@code evenWithoutCalls}, which tests use to check every form) no step replaces a scalar call
   * ({@link VectorCode#replacesScalarCall}).
   */
  static String loop(
      List<ScalarStep> steps,
      String result,
      String scalarStatements,
      DType[] dtypes,
      boolean[] broadcast,
      DType outType,
      boolean evenWithoutCalls) {
    Group g = group(steps, result, dtypes, outType, evenWithoutCalls);
    if (g == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(g.species());
    sb.append("public void run(Object[] in, int[] off, Object out, int outOff, int n) {\n");
    for (int i = 0; i < dtypes.length; i++) {
      String t = Storage.javaType(dtypes[i]);
      if (broadcast[i]) {
        sb.append(String.format("  final %s x%d = ((%s[]) in[%d])[off[%d]];%n", t, i, t, i, i));
        sb.append(g.broadcastInput(i, dtypes[i]));
      } else {
        sb.append(String.format("  final %s[] a%d = (%s[]) in[%d];%n", t, i, t, i));
        sb.append(String.format("  final int o%d = off[%d];%n", i, i));
      }
    }
    String ot = Storage.javaType(outType);
    sb.append(String.format("  final %s[] y = (%s[]) out;%n", ot, ot));
    sb.append("  final int bound = S.loopBound(n);\n  int i = 0;\n");
    sb.append("  for (; i < bound; i += S.length()) {\n");
    for (int i = 0; i < dtypes.length; i++) {
      if (!broadcast[i]) {
        sb.append(g.load(i, dtypes[i], "a" + i, "o" + i + " + i"));
      }
    }
    sb.append(g.code.body());
    sb.append(g.store("outOff + i", "scalar(in, off, out, outOff, i, i + S.length());"));
    sb.append("  }\n  if (i < n) {\n    scalar(in, off, out, outOff, i, n);\n  }\n}\n");
    sb.append(
        ElementwiseKernels.scalarLoop(
            SCALAR_HEADER, "from", "to", scalarStatements, result, dtypes, broadcast, outType));
    return sb.toString();
  }

  /**
   * An {@link ElementwiseKernels.RowsLoop} class body (rows with per-input row strides, columns of
   * stride 0 or 1), or null when some step has no vector form.
   */
  static String rows(
      List<ScalarStep> steps,
      String result,
      String scalarStatements,
      DType[] dtypes,
      boolean[] broadcast,
      DType outType,
      boolean evenWithoutCalls) {
    Group g = group(steps, result, dtypes, outType, evenWithoutCalls);
    if (g == null) {
      return null;
    }
    int k = dtypes.length;
    StringBuilder sb = new StringBuilder(g.species());
    sb.append(
        "public void run(Object[] in, int[] off, int[] rs, Object out, int rowFrom, int rowTo,"
            + " int cols) {\n");
    StringBuilder perRow = new StringBuilder();
    for (int i = 0; i < k; i++) {
      String t = Storage.javaType(dtypes[i]);
      sb.append(String.format("  final %s[] a%d = (%s[]) in[%d];%n", t, i, t, i));
      perRow.append(String.format("    final int b%d = off[%d] + r * rs[%d];%n", i, i, i));
      if (broadcast[i]) {
        perRow.append(String.format("    final %s x%d = a%d[b%d];%n", t, i, i, i));
        perRow.append("  ").append(g.broadcastInput(i, dtypes[i]));
      }
    }
    String ot = Storage.javaType(outType);
    sb.append(String.format("  final %s[] y = (%s[]) out;%n", ot, ot));
    sb.append("  final int bound = S.loopBound(cols);\n");
    sb.append("  final int[] rowOff = new int[").append(k).append("];\n");
    sb.append("  for (int r = rowFrom; r < rowTo; r++) {\n").append(perRow);
    sb.append("    final int o = r * cols;\n    int j = 0;\n");
    sb.append("    for (; j < bound; j += S.length()) {\n");
    for (int i = 0; i < k; i++) {
      if (!broadcast[i]) {
        sb.append("  ").append(g.load(i, dtypes[i], "a" + i, "b" + i + " + j"));
      }
    }
    StringBuilder fillRowOff = new StringBuilder();
    for (int i = 0; i < k; i++) {
      fillRowOff.append("rowOff[").append(i).append("] = b").append(i).append("; ");
    }
    sb.append(g.code.body());
    sb.append(g.store("o + j", fillRowOff + "scalar(in, rowOff, out, o, j, j + S.length());"));
    sb.append("    }\n    if (j < cols) {\n      ").append(fillRowOff);
    sb.append("scalar(in, rowOff, out, o, j, cols);\n    }\n  }\n}\n");
    sb.append(
        ElementwiseKernels.scalarLoop(
            SCALAR_HEADER, "from", "to", scalarStatements, result, dtypes, broadcast, outType));
    return sb.toString();
  }

  /** The lane group's code, or null when the kernel has no vector rendering. */
  private static Group group(
      List<ScalarStep> steps, String result, DType[] dtypes, DType out, boolean evenWithoutCalls) {
    DType lanes = lanes(steps, dtypes, out);
    if (lanes == null) {
      return null;
    }
    VectorCode code = new VectorCode(lanes);
    Map<String, String> vectors = new HashMap<>();
    for (int i = 0; i < dtypes.length; i++) {
      vectors.put("x" + i, "vx" + i);
    }
    for (ScalarStep s : steps) {
      JavaScalarOps.Row row = JavaScalarOps.TABLE.row(s.op());
      JavaScalarOps.VectorRow vector = row == null ? null : row.vector();
      if (vector == null) {
        return null;
      }
      List<String> operands = s.operands().stream().map(vectors::get).toList();
      String e = vector.render(code, s.dtype(), s.operandTypes(), operands);
      if (e == null) {
        return null;
      }
      String name = "v" + s.name();
      code.declare(s.dtype(), name, e);
      vectors.put(s.name(), name);
    }
    String r = vectors.get(result);
    if (r == null
        || !(code.replacesCall() || evenWithoutCalls)
        || code.temporaries() > MAX_TEMPORARIES) {
      return null;
    }
    return new Group(code, r, out);
  }

  /**
   * F32 or F64 when every value of the kernel is of that type or BOOL (and at least one is not
   * BOOL); otherwise null: a kernel mixing float widths or with integers stays scalar.
   */
  private static DType lanes(List<ScalarStep> steps, DType[] dtypes, DType out) {
    Set<DType> types = EnumSet.of(out);
    types.addAll(List.of(dtypes));
    for (ScalarStep s : steps) {
      types.add(s.dtype());
      types.addAll(s.operandTypes());
    }
    types.remove(DType.BOOL);
    if (types.size() != 1) {
      return null;
    }
    DType t = types.iterator().next();
    return t == DType.F32 || t == DType.F64 ? t : null;
  }

  /** One lane group's statements, the name of its result vector and the result's dtype. */
  private record Group(VectorCode code, String result, DType out) {
    /** The generated class's species constants: S (the kernel's), SF and SD, of one shape. */
    String species() {
      String lanes = "org.vmap4j.cpu.VectorLanes.";
      String kernel = code.lanes() == DType.F32 ? "FLOATS" : "DOUBLES";
      String species = "static final jdk.incubator.vector.VectorSpecies ";
      return species
          + "S = "
          + lanes
          + kernel
          + ";\n"
          + species
          + "SF = "
          + lanes
          + "FLOATS;\n"
          + species
          + "SD = "
          + lanes
          + "DOUBLES;\n";
    }

    /** Declares {@code vx<i>}, every lane the scalar {@code x<i>}. */
    String broadcastInput(int i, DType t) {
      String v =
          t == DType.BOOL
              ? "S.maskAll(x" + i + ")"
              : VectorCode.type(t) + ".broadcast(S, x" + i + ")";
      return "  final " + VectorCode.type(t) + " vx" + i + " = " + cast(t, v) + ";\n";
    }

    /** Declares {@code vx<i>} loaded from {@code array} at {@code index}. */
    String load(int i, DType t, String array, String index) {
      String v = VectorCode.type(t) + ".fromArray(S, " + array + ", " + index + ")";
      return "      final " + VectorCode.type(t) + " vx" + i + " = " + cast(t, v) + ";\n";
    }

    /** Stores the result at {@code index}, or runs {@code fallback} where lanes are not exact. */
    String store(String index, String fallback) {
      String store = result + ".intoArray(y, " + index + ");";
      String exact = code.exactLanes();
      if (exact == null) {
        return "      " + store + "\n";
      }
      return "      if ("
          + exact
          + ") {\n        "
          + store
          + "\n      } else {\n        "
          + fallback
          + "\n      }\n";
    }

    private static String cast(DType t, String e) {
      return t == DType.BOOL ? e : "((" + VectorCode.type(t) + ") " + e + ")";
    }
  }
}
