package org.vmap4j.cpu;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.KernelPrimitive;
import org.vmap4j.kernel.ScalarPrimitive;

/**
 * A batched while loop whose condition and body work on one number per example (a per-row solver:
 * Newton's method, a bisection, a fixed point) run as one generated Java loop over the rows, {@code
 * for each group of rows { load; while (any continues) { body; keep the carry of rows that are done
 * } store }}: carries stay in registers and a group stops at its own slowest row, where the array
 * form of the batched loop runs every row as many turns as the slowest of all and streams every
 * carry through memory on every turn.
 *
 * <p>Applies when every input, output and constant of both programs is 0-d and every equation is an
 * element-wise scalar operation (rendered by {@link JavaScalarOps}, as fused kernels are) or a 0-d
 * primitive that passes its operand on ({@link #isIdentity}: a reshape, a broadcast). The results
 * are those of the array form: each row computes the same operations on the same values in the same
 * order. Rows advance {@link #LANES} at a time (a group turns until its slowest row is done), which
 * keeps the core busy where one row's dependent chain would leave it waiting.
 */
public final class RowWhileLoop {
  private RowWhileLoop() {}

  /** The generated loop over rows {@code [from, to)}. */
  public interface Kernel {
    void run(Object[] in, int[] off, Object[] out, int from, int to);
  }

  /** Whether {@code cond} and {@code body} (one example's) can run as a per-row loop. */
  public static boolean supports(Program cond, Program body) {
    return !body.outputs().isEmpty() && scalarOnly(cond) && scalarOnly(body);
  }

  private static boolean scalarOnly(Program p) {
    for (Var v : p.inputs()) {
      if (v.type().ndim() != 0) {
        return false;
      }
    }
    for (Var v : p.constVars()) {
      if (v.type().ndim() != 0) {
        return false;
      }
    }
    for (Equation e : p.equations()) {
      if (e.outputs().size() != 1 || e.outputs().get(0).type().ndim() != 0) {
        return false;
      }
      for (Var v : e.inputs()) {
        if (v.type().ndim() != 0) {
          return false;
        }
      }
      if (!(e.primitive() instanceof ScalarPrimitive) && !isIdentity(e)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code e} (0-d operand and result) passes its operand on unchanged: its primitive's
   * kernel only moves elements ({@link KernelDescription#isCopy}: a 0-d broadcast, reshape,
   * transpose or slice) and keeps the dtype.
   */
  private static boolean isIdentity(Equation e) {
    if (!(e.primitive() instanceof KernelPrimitive kp) || e.inputs().size() != 1) {
      return false;
    }
    TensorType in = e.inputs().get(0).type();
    TensorType out = e.outputs().get(0).type();
    return in.dtype() == out.dtype() && kp.kernel(new TensorType[] {in}, e.params(), out).isCopy();
  }

  /**
   * Runs the loop for {@code rows} examples. {@code carry}, {@code condConsts} and {@code
   * bodyConsts} are the operands of the one-example programs, each {@code [rows]} (one value per
   * row) or 0-d (the same for every row); returns the final carries, {@code [rows]} each.
   */
  public static CpuTensor[] run(
      Program cond,
      Program body,
      List<CpuTensor> carry,
      List<CpuTensor> condConsts,
      List<CpuTensor> bodyConsts,
      int rows,
      long maxIterations) {
    List<CpuTensor> in = new ArrayList<>(carry);
    in.addAll(condConsts);
    in.addAll(bodyConsts);
    boolean[] perRow = new boolean[in.size()];
    Object[] arrays = new Object[in.size()];
    int[] offsets = new int[in.size()];
    for (int i = 0; i < perRow.length; i++) {
      CpuTensor t = in.get(i);
      // a value broadcast to every row (stride 0) is read once, as a 0-d operand is
      perRow[i] = t.ndim() == 1 && t.strides()[0] != 0;
      CpuTensor c = perRow[i] && t.strides()[0] != 1 ? t.contiguous() : t;
      arrays[i] = c.data();
      offsets[i] = c.offset();
    }
    Kernel kernel =
        KernelCompiler.instance(
            source(cond, body, carry.size(), perRow, maxIterations), Kernel.class);
    CpuTensor[] out = new CpuTensor[carry.size()];
    Object[] outArrays = new Object[out.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = CpuTensor.allocate(new TensorType(body.outputs().get(i).type().dtype(), rows));
      outArrays[i] = out[i].data();
    }
    Parallelism.forRange(rows, 64, (from, to) -> kernel.run(arrays, offsets, outArrays, from, to));
    return out;
  }

  /**
   * Rows advanced together in one loop: a single row's turn is a chain of dependent operations (a
   * division waits for the multiplications before it), so the core idles between them; the chains
   * of independent rows fill those gaps. A row that is done keeps its carry while its partners
   * finish (as in the frozen array form: same results), which costs a few extra turns.
   */
  static final int LANES = 4;

  /**
   * The loop's source: inputs are the carries, then the condition's and the body's constants. With
   * a finite {@code maxIterations} (loops of programs read from untrusted bytes), a group of rows
   * still running after that many turns throws, as the array form does when any row is: the slowest
   * row decides both.
   */
  static String source(
      Program cond, Program body, int numCarry, boolean[] perRow, long maxIterations) {
    StringBuilder sb = new StringBuilder();
    sb.append("public void run(Object[] in, int[] off, Object[] out, int from, int to) {\n");
    List<DType> inTypes = new ArrayList<>();
    for (int i = 0; i < numCarry; i++) {
      inTypes.add(body.inputs().get(i).type().dtype());
    }
    cond.inputs()
        .subList(numCarry, cond.inputs().size())
        .forEach(v -> inTypes.add(v.type().dtype()));
    body.inputs()
        .subList(numCarry, body.inputs().size())
        .forEach(v -> inTypes.add(v.type().dtype()));
    for (int i = 0; i < inTypes.size(); i++) {
      String t = Storage.javaType(inTypes.get(i));
      sb.append("  final ").append(t).append("[] a").append(i).append(" = (").append(t);
      sb.append("[]) in[").append(i).append("];\n");
      if (!perRow[i]) {
        // the same value for every row: read once
        sb.append("  final ").append(t).append(" in").append(i).append(" = a").append(i);
        sb.append("[off[").append(i).append("]];\n");
      }
    }
    for (int i = 0; i < numCarry; i++) {
      String t = Storage.javaType(inTypes.get(i));
      sb.append("  final ").append(t).append("[] y").append(i).append(" = (").append(t);
      sb.append("[]) out[").append(i).append("];\n");
    }
    Map<Var, String> constNames = new IdentityHashMap<>();
    sb.append(constants(cond, "kc", constNames)).append(constants(body, "kb", constNames));
    sb.append("  int r = from;\n");
    sb.append("  for (; r + ").append(LANES).append(" <= to; r += ").append(LANES).append(") {\n");
    sb.append(rows(cond, body, numCarry, perRow, inTypes, constNames, LANES, maxIterations));
    sb.append("  }\n");
    sb.append("  for (; r < to; r++) {\n");
    sb.append(rows(cond, body, numCarry, perRow, inTypes, constNames, 1, maxIterations));
    sb.append("  }\n}\n");
    return sb.toString();
  }

  /** The loop over {@code lanes} rows from {@code r}: load, turn while any continues, store. */
  private static String rows(
      Program cond,
      Program body,
      int numCarry,
      boolean[] perRow,
      List<DType> inTypes,
      Map<Var, String> constNames,
      int lanes,
      long maxIterations) {
    StringBuilder sb = new StringBuilder();
    int condConsts = cond.inputs().size() - numCarry;
    List<Map<Var, String>> condNames = new ArrayList<>();
    List<Map<Var, String>> bodyNames = new ArrayList<>();
    for (int l = 0; l < lanes; l++) {
      String lane = "_" + l;
      String row = "r + " + l;
      for (int i = 0; i < inTypes.size(); i++) {
        String t = Storage.javaType(inTypes.get(i));
        String value = perRow[i] ? "a" + i + "[off[" + i + "] + " + row + "]" : "in" + i;
        if (i < numCarry) {
          sb.append("    ").append(t).append(" c").append(i).append(lane);
          sb.append(" = ").append(value).append(";\n");
        } else if (perRow[i]) {
          sb.append("    final ").append(t).append(" in").append(i).append(lane);
          sb.append(" = ").append(value).append(";\n");
        }
      }
      Map<Var, String> cn = new IdentityHashMap<>(constNames);
      Map<Var, String> bn = new IdentityHashMap<>(constNames);
      for (int i = 0; i < cond.inputs().size(); i++) {
        cn.put(cond.inputs().get(i), inputName(i, numCarry, perRow, lane));
      }
      for (int i = 0; i < body.inputs().size(); i++) {
        int at = i < numCarry ? i : i + condConsts;
        bn.put(body.inputs().get(i), inputName(at, numCarry, perRow, lane));
      }
      condNames.add(cn);
      bodyNames.add(bn);
    }
    boolean capped = maxIterations != Long.MAX_VALUE;
    if (capped) {
      sb.append("    long turns = 0;\n");
    }
    sb.append("    while (true) {\n");
    StringBuilder any = new StringBuilder();
    for (int l = 0; l < lanes; l++) {
      sb.append(statements(cond, "vc", "_" + l, condNames.get(l)));
      sb.append("      final boolean go_").append(l).append(" = ");
      sb.append(condNames.get(l).get(cond.outputs().get(0))).append(";\n");
      any.append(l == 0 ? "" : " | ").append("go_").append(l);
    }
    sb.append("      if (!(").append(any).append(")) break;\n");
    if (capped) {
      sb.append("      if (turns++ == ").append(maxIterations).append("L) {\n");
      sb.append("        throw new IllegalArgumentException(\"").append(capMessage(maxIterations));
      sb.append("\");\n      }\n");
    }
    for (int l = 0; l < lanes; l++) {
      String lane = "_" + l;
      sb.append(statements(body, "vb", lane, bodyNames.get(l)));
      // through temporaries: a body may return the carries in another order
      for (int i = 0; i < numCarry; i++) {
        sb.append("      final ").append(Storage.javaType(inTypes.get(i))).append(" n").append(i);
        sb.append(lane).append(" = ").append(bodyNames.get(l).get(body.outputs().get(i)));
        sb.append(";\n");
      }
      for (int i = 0; i < numCarry; i++) {
        String c = "c" + i + lane;
        String n = "n" + i + lane;
        // a single row stops at its own condition; a lane that is done keeps its carry
        sb.append("      ").append(c).append(" = ");
        sb.append(lanes == 1 ? n : "go" + lane + " ? " + n + " : " + c).append(";\n");
      }
    }
    sb.append("    }\n");
    for (int l = 0; l < lanes; l++) {
      for (int i = 0; i < numCarry; i++) {
        sb.append("    y").append(i).append("[r + ").append(l).append("] = c").append(i);
        sb.append("_").append(l).append(";\n");
      }
    }
    return sb.toString();
  }

  /** The message of the array form ({@code While}), a constant of ours: no program text in it. */
  private static String capMessage(long maxIterations) {
    return "whileLoop: still running after "
        + maxIterations
        + " iterations, the cap on this loop (max_iterations, set from"
        + " ProgramLimits.withMaxLoopIterations for programs from untrusted bytes)";
  }

  private static String inputName(int i, int numCarry, boolean[] perRow, String lane) {
    return i < numCarry ? "c" + i + lane : perRow[i] ? "in" + i + lane : "in" + i;
  }

  /** The program's constants as final locals holding their exact values. */
  private static String constants(Program p, String prefix, Map<Var, String> names) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < p.constVars().size(); i++) {
      Var v = p.constVars().get(i);
      CpuTensor value = p.constValues().get(i);
      String name = prefix + i;
      names.put(v, name);
      sb.append("  final ").append(Storage.javaType(v.type().dtype())).append(' ').append(name);
      sb.append(" = ").append(literal(value)).append(";\n");
    }
    return sb.toString();
  }

  private static String literal(CpuTensor t) {
    Object data = t.data();
    int at = t.offset();
    return switch (t.dtype()) {
      case F64 ->
          "Double.longBitsToDouble(0x"
              + Long.toHexString(Double.doubleToRawLongBits(((double[]) data)[at]))
              + "L)";
      case F32 ->
          "Float.intBitsToFloat(0x"
              + Integer.toHexString(Float.floatToRawIntBits(((float[]) data)[at]))
              + ")";
      case I32 -> "(" + ((int[]) data)[at] + ")";
      case I64 -> "(" + ((long[]) data)[at] + "L)";
      case BOOL -> Boolean.toString(((boolean[]) data)[at]);
    };
  }

  /** One statement per equation, {@code final T name = expression;}. */
  private static String statements(Program p, String prefix, String lane, Map<Var, String> names) {
    StringBuilder sb = new StringBuilder();
    int k = 0;
    for (Equation e : p.equations()) {
      Var out = e.outputs().get(0);
      List<String> operands = new ArrayList<>();
      List<DType> operandTypes = new ArrayList<>();
      for (Var v : e.inputs()) {
        operands.add(names.get(v));
        operandTypes.add(v.type().dtype());
      }
      String expression =
          e.primitive() instanceof ScalarPrimitive s
              ? JavaScalarOps.render(s.scalarOp(), out.type().dtype(), operandTypes, operands)
              : operands.get(0);
      String name = prefix + k++ + lane;
      names.put(out, name);
      sb.append("      final ").append(Storage.javaType(out.type().dtype())).append(' ');
      sb.append(name).append(" = ").append(expression).append(";\n");
    }
    return sb.toString();
  }
}
