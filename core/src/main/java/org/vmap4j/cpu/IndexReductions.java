package org.vmap4j.cpu;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.kernel.IndexMonoid;
import org.vmap4j.kernel.IndexReduction;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.ScalarStep;
import org.vmap4j.kernel.View;

/**
 * The CPU renderer of {@link IndexReduction}s (argmax): the values are laid out as rows of the
 * reduced length (a view of the operand, copied only when it is not already row-major that way),
 * then a generated loop scans each row in index order, replacing its (value, index) accumulator
 * where the monoid's steps say so ({@link IndexMonoid#replaces} with {@code later}, rendered by
 * {@link JavaScalarOps}).
 */
public final class IndexReductions {
  private IndexReductions() {}

  /**
   * Runs {@code r} on {@code inputs} into a new I64 tensor of {@code out}. An eager primitive goes
   * through {@link PreparedKernels}, which keeps {@link #prepare}'s work between calls.
   */
  public static CpuTensor run(IndexReduction r, CpuTensor[] inputs, TensorType out) {
    return prepare(r, out).run(inputs);
  }

  /**
   * {@code r} with its scan found (or compiled) and its values' layout decided: a view of the input
   * when the values read one input without steps, else the values' own prepared kernel.
   */
  static PreparedKernel prepare(IndexReduction r, TensorType out) {
    KernelDescription v = r.values();
    DType t = v.resultType();
    ReductionLoop scan =
        out.size() == 0
            ? null
            : KernelCompiler.instance(
                List.of("IndexReductions.scan", r.monoid(), t),
                ReductionLoop.class,
                () -> source(r.monoid(), t));
    View view = v.views().get(0);
    PreparedKernel values =
        v.steps().isEmpty()
                && v.result().equals("x0")
                && !view.isContiguous()
                && view.indexLoads().isEmpty()
                && view.mask() == null
            ? null
            : ViewKernels.prepare(v, new TensorType(t, v.shape()));
    int[] shape = v.shape();
    int rows = r.rows();
    int length = r.length();
    return inputs -> {
      CpuTensor block = (values != null ? values.run(inputs) : view(inputs[0], shape, view));
      block = block.contiguous();
      CpuTensor result = CpuTensor.allocate(out);
      if (scan != null) {
        scan.run(block.data(), block.offset(), result.data(), rows, length);
      }
      return result;
    };
  }

  /** The values as a view of input {@code x} (made row-major first if it is not). */
  private static CpuTensor view(CpuTensor x, int[] shape, View view) {
    x = x.contiguous();
    return x.view(shape, view.strides(), x.offset() + view.offset());
  }

  /**
   * Step {@code s} as one Java expression, its operands' steps substituted in: each select is then
   * a conditional that evaluates only the branch it takes, so a scan tests "larger?" first and
   * looks for NaN only when the candidate is not larger, as a hand-written scan would (declaring
   * every step first made the scan about 1.1x slower).
   */
  private static String inlined(List<ScalarStep> steps, ScalarStep s) {
    List<String> operands = new java.util.ArrayList<>();
    for (String o : s.operands()) {
      ScalarStep producer = null;
      for (ScalarStep p : steps) {
        if (p.name().equals(o)) {
          producer = p;
        }
      }
      operands.add(producer == null ? o : "(" + inlined(steps, producer) + ")");
    }
    return JavaScalarOps.render(s.op(), s.dtype(), s.operandTypes(), operands);
  }

  private static String source(IndexMonoid m, DType t) {
    String et = Storage.javaType(t);
    List<ScalarStep> steps = m.replaces(t, true);
    ScalarStep take = steps.get(steps.size() - 1);
    StringBuilder sb = new StringBuilder();
    sb.append("public void run(Object xo, int off, Object yo, int rows, int length) {\n");
    sb.append(String.format("  final %s[] x = (%s[]) xo;%n", et, et));
    sb.append("  final long[] y = (long[]) yo;\n");
    sb.append("  for (int i = 0; i < rows; i++) {\n");
    sb.append("    final int base = off + i * length;\n");
    sb.append(String.format("    %s %s = x[base];%n", et, IndexMonoid.A));
    sb.append("    long at = 0;\n");
    sb.append("    for (int j = 1; j < length; j++) {\n");
    sb.append(String.format("      final %s %s = x[base + j];%n", et, IndexMonoid.B));
    sb.append(
        String.format(
            "      if (%s) { %s = %s; at = j; }%n",
            inlined(steps, take), IndexMonoid.A, IndexMonoid.B));
    sb.append("    }\n    y[i] = at;\n  }\n}\n");
    return sb.toString();
  }
}
