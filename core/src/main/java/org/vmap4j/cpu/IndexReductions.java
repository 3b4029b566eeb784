package org.vmap4j.cpu;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
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

  /** The compiled scans by monoid and dtype. */
  private static final ConcurrentHashMap<List<Object>, ReductionLoop> LOOPS =
      new ConcurrentHashMap<>();

  /** Runs {@code r} on {@code inputs} into a new I64 tensor of {@code out}. */
  public static CpuTensor run(IndexReduction r, CpuTensor[] inputs, TensorType out) {
    KernelDescription v = r.values();
    CpuTensor block = rows(v, inputs).contiguous();
    CpuTensor result = CpuTensor.allocate(out);
    if (out.size() > 0) {
      DType t = v.resultType();
      LOOPS
          .computeIfAbsent(
              List.of(r.monoid(), t),
              key -> KernelCompiler.instance(source(r.monoid(), t), ReductionLoop.class))
          .run(block.data(), block.offset(), result.data(), r.rows(), r.length());
    }
    return result;
  }

  /**
   * The values as a tensor of the kernel's shape: a view of the input when the kernel reads one
   * input without steps, else the kernel's result.
   */
  private static CpuTensor rows(KernelDescription v, CpuTensor[] inputs) {
    View view = v.views().get(0);
    if (v.steps().isEmpty()
        && v.result().equals("x0")
        && !view.isContiguous()
        && view.indexLoads().isEmpty()
        && view.mask() == null) {
      CpuTensor x = inputs[0];
      if (!java.util.Arrays.equals(x.strides(), Shapes.contiguousStrides(x.shape()))) {
        x = x.contiguous();
      }
      return x.view(v.shape(), view.strides(), x.offset() + view.offset());
    }
    return ViewKernels.run(v, inputs, new TensorType(v.resultType(), v.shape()));
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
