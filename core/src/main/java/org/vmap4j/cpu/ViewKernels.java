package org.vmap4j.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.ScalarStep;
import org.vmap4j.kernel.View;

/**
 * The CPU renderer of element-wise kernel descriptions whose inputs are read through {@link View}s
 * (strides, offsets, index loads): the primitives that move elements by computed positions state
 * such a description ({@link org.vmap4j.kernel.KernelPrimitive}) and evaluate by this class.
 *
 * <p>The kernel is rendered as nested Java loops, one per dimension of the iteration space after
 * dimensions of extent 1 are dropped and dimensions that are contiguous for every input and the
 * output are merged ({@link Strided#coalesce}). Each loop adds its coordinate times each input's
 * stride to that input's offset; an index load is read in the loop of the deepest dimension along
 * which its index input moves (so a gather reads each index once per slice, not once per element),
 * the innermost loop has unit or zero strides where the input does (so HotSpot vectorizes it), and
 * a row that is an unchanged copy of one input's row is one {@code System.arraycopy}. Sizes,
 * strides and offsets are arguments, not constants, so one compiled class serves every shape of the
 * same structure.
 *
 * <p>Index values are checked before the loops run: every value of every index input, in flat
 * order, against its load's bound (see {@link IndexLoad}).
 */
public final class ViewKernels {
  private ViewKernels() {}

  /** A generated kernel over the outermost dimension's range {@code [from, to)}. */
  public interface ViewLoop {
    void run(
        Object[] inputs,
        int[] shape,
        int[][] strides,
        int[] offsets,
        int[][] loadStrides,
        Object out,
        int from,
        int to);
  }

  /**
   * Runs {@code k} (without a reduction) on {@code inputs}, one per kernel input, and returns the
   * result as a row-major tensor of {@code out}, whose size is the kernel's. A kernel with masked
   * views (a pad, a concatenation) is rendered by {@link MaskedViews}. An eager primitive goes
   * through {@link PreparedKernels}, which keeps {@link #prepare}'s work between calls.
   *
   * @throws IndexOutOfBoundsException for an index outside its load's bound
   */
  public static CpuTensor run(KernelDescription k, CpuTensor[] inputs, TensorType out) {
    return prepare(k, out).run(inputs);
  }

  /** {@code k} checked and planned for a result of {@code out}: see {@link #run}. */
  static PreparedKernel prepare(KernelDescription k, TensorType out) {
    if (k.hasMasks()) {
      return MaskedViews.prepare(k, out);
    }
    if (k.reduce() != null) {
      throw new IllegalArgumentException(
          "ViewKernels renders kernels without a reduction, got " + k.describe());
    }
    if (Shapes.size(k.shape()) != out.size()) {
      throw new IllegalArgumentException(
          k.describe() + ": expected " + k.inputTypes().size() + " inputs for " + out);
    }
    return new Planned(k, out, out.size() == 0 ? null : plan(k));
  }

  /**
   * The merged iteration space and strides ({@code strides[inputs]} is the output's), the index
   * loads' strides per input, and the loop compiled for them.
   */
  private record Plan(int[] shape, int[][] strides, int[][] loadStrides, ViewLoop loop) {}

  /**
   * What {@link #run} works out from the description alone: its {@link Plan} (null for an empty
   * result) and each input's view offset. None of it depends on the arrays' values or offsets.
   */
  private static final class Planned implements PreparedKernel {
    private final KernelDescription k;
    private final TensorType out;
    private final Plan plan;
    private final int[] viewOffsets;

    Planned(KernelDescription k, TensorType out, Plan plan) {
      this.k = k;
      this.out = out;
      this.plan = plan;
      this.viewOffsets = new int[k.inputTypes().size()];
      for (int i = 0; i < viewOffsets.length; i++) {
        viewOffsets[i] = k.views().get(i).offset();
      }
    }

    @Override
    public CpuTensor run(CpuTensor[] inputs) {
      if (inputs.length != viewOffsets.length) {
        throw new IllegalArgumentException(
            k.describe() + ": expected " + viewOffsets.length + " inputs for " + out);
      }
      CpuTensor[] in = new CpuTensor[inputs.length];
      for (int i = 0; i < in.length; i++) {
        in[i] = inputs[i].contiguous();
      }
      for (View v : k.views()) {
        for (IndexLoad l : v.indexLoads()) {
          checkIndices(l, in[l.input()]);
        }
      }
      CpuTensor result = CpuTensor.allocate(out);
      if (plan == null) {
        return result;
      }
      int inputCount = in.length;
      int[] offsets = new int[inputCount + 1];
      Object[] arrays = new Object[inputCount];
      for (int i = 0; i < inputCount; i++) {
        offsets[i] = in[i].offset() + viewOffsets[i];
        arrays[i] = in[i].data();
      }
      Object data = result.data();
      int[] shape = plan.shape();
      int[][] strides = plan.strides();
      int[][] loadStrides = plan.loadStrides();
      ViewLoop loop = plan.loop();
      long inner = out.size() / shape[0];
      Parallelism.forRange(
          shape[0],
          inner,
          (from, to) -> loop.run(arrays, shape, strides, offsets, loadStrides, data, from, to));
      return result;
    }
  }

  /** Merges the dimensions of {@code k}'s iteration space and finds (or compiles) its loop. */
  private static Plan plan(KernelDescription k) {
    int inputCount = k.inputTypes().size();
    int[][] strides = new int[inputCount + 1][];
    for (int i = 0; i < inputCount; i++) {
      View v = k.views().get(i);
      strides[i] = v.isContiguous() ? Shapes.contiguousStrides(k.shape()) : v.strides();
    }
    strides[inputCount] = Shapes.contiguousStrides(k.shape());
    Strided.Layout layout = Strided.coalesce(k.shape(), strides);
    int[] shape = layout.shape().length == 0 ? new int[] {1} : layout.shape();
    int[][] merged = new int[inputCount + 1][];
    for (int i = 0; i <= inputCount; i++) {
      merged[i] = layout.shape().length == 0 ? new int[] {0} : layout.strides()[i];
    }
    int[][] loadStrides = new int[inputCount][];
    for (int i = 0; i < inputCount; i++) {
      List<IndexLoad> loads = k.views().get(i).indexLoads();
      loadStrides[i] = new int[loads.size()];
      for (int l = 0; l < loads.size(); l++) {
        loadStrides[i][l] = loads.get(l).stride();
      }
    }
    ViewLoop loop =
        LOOPS.computeIfAbsent(
            Structure.of(k, shape.length, merged),
            key -> KernelCompiler.instance(source(k, shape, merged), ViewLoop.class));
    return new Plan(shape, merged, loadStrides, loop);
  }

  /**
   * The compiled loops by what their source depends on, so that preparing a description whose
   * structure was seen before neither renders nor hashes a source (a few microseconds).
   */
  private static final ConcurrentHashMap<Structure, ViewLoop> LOOPS = new ConcurrentHashMap<>();

  /**
   * Everything {@link #source} reads: the kernel's types and steps, the rank after merging, the
   * innermost stride of each input and of the output (0, 1 or other), the loop level of each
   * input's index loads and which inputs they read.
   */
  private record Structure(
      List<ScalarStep> steps,
      String result,
      DType resultType,
      List<DType> inputTypes,
      int rank,
      List<Integer> innerStrideKinds,
      List<Integer> loadLevels,
      List<List<Integer>> loadInputs) {
    static Structure of(KernelDescription k, int rank, int[][] strides) {
      List<Integer> kinds = new ArrayList<>();
      for (int[] st : strides) {
        int inner = st[rank - 1];
        kinds.add(inner == 0 || inner == 1 ? inner : 2);
      }
      List<Integer> levels = new ArrayList<>();
      List<List<Integer>> inputs = new ArrayList<>();
      int[] level = ViewKernels.loadLevels(k, strides);
      for (int i = 0; i < k.inputTypes().size(); i++) {
        levels.add(level[i]);
        List<IndexLoad> loads = k.views().get(i).indexLoads();
        List<Integer> read = new ArrayList<>(loads.size());
        for (IndexLoad l : loads) {
          read.add(l.input());
        }
        inputs.add(read);
      }
      return new Structure(
          k.steps(), k.result(), k.resultType(), k.inputTypes(), rank, kinds, levels, inputs);
    }
  }

  /**
   * The loop after which each input's index loads are read: the deepest dimension along which an
   * index input it reads moves (-1: before every loop; -2: no index loads).
   */
  private static int[] loadLevels(KernelDescription k, int[][] strides) {
    int[] loadLevel = new int[k.inputTypes().size()];
    for (int i = 0; i < loadLevel.length; i++) {
      loadLevel[i] = -2;
      for (IndexLoad l : k.views().get(i).indexLoads()) {
        loadLevel[i] = Math.max(loadLevel[i], deepestMoving(strides[l.input()]));
      }
    }
    return loadLevel;
  }

  /** Fails with the {@link IndexLoad}'s message at the first index outside its bound. */
  static void checkIndices(IndexLoad l, CpuTensor indices) {
    int base = indices.offset();
    int n = indices.size();
    int bound = l.bound();
    if (indices.data() instanceof int[] a) {
      for (int k = 0; k < n; k++) {
        if (a[base + k] < 0 || a[base + k] >= bound) {
          throw outOfRange(l, indices, a[base + k], k);
        }
      }
    } else {
      long[] a = (long[]) indices.data();
      for (int k = 0; k < n; k++) {
        if (a[base + k] < 0 || a[base + k] >= bound) {
          throw outOfRange(l, indices, a[base + k], k);
        }
      }
    }
  }

  private static IndexOutOfBoundsException outOfRange(
      IndexLoad l, CpuTensor indices, long v, int k) {
    return new IndexOutOfBoundsException(
        l.what()
            + ": index "
            + v
            + " at flat position "
            + k
            + " of the indices "
            + indices.type()
            + " is outside [0, "
            + l.bound()
            + ")");
  }

  /**
   * The loop nest: {@code p<i>_<d>} is input i's offset after dimension d ({@code i} = inputs means
   * the output), {@code c<d>} the coordinate.
   */
  static String source(KernelDescription k, int[] shape, int[][] strides) {
    int rank = shape.length;
    int inputs = k.inputTypes().size();
    Set<Integer> indexInputs = k.indexInputs();
    Set<String> used = usedNames(k);
    int[] loadLevel = loadLevels(k, strides);
    StringBuilder sb = new StringBuilder();
    sb.append(
        "public void run(Object[] in, int[] shape, int[][] st, int[] off, int[][] ls, Object out,"
            + " int from, int to) {\n");
    for (int i = 0; i < inputs; i++) {
      String t = Storage.javaType(k.inputTypes().get(i));
      sb.append(String.format("  final %s[] a%d = (%s[]) in[%d];%n", t, i, t, i));
      for (int d = 0; d < rank; d++) {
        sb.append(String.format("  final int s%d_%d = st[%d][%d];%n", i, d, i, d));
      }
      for (int l = 0; l < k.views().get(i).indexLoads().size(); l++) {
        sb.append(String.format("  final int k%d_%d = ls[%d][%d];%n", i, l, i, l));
      }
    }
    String ot = Storage.javaType(k.resultType());
    sb.append(String.format("  final %s[] y = (%s[]) out;%n", ot, ot));
    for (int d = 0; d < rank; d++) {
      sb.append(String.format("  final int n%d = shape[%d];%n", d, d));
      sb.append(String.format("  final int s%d_%d = st[%d][%d];%n", inputs, d, inputs, d));
    }
    for (int i = 0; i <= inputs; i++) {
      sb.append(String.format("  final int p%d_ = off[%d];%n", i, i));
    }
    for (int i = 0; i <= inputs; i++) {
      if (i < inputs && loadLevel[i] == -1) {
        sb.append(String.format("  final int p%d = p%d_%s;%n", i, i, loads(k, i)));
      } else {
        sb.append(String.format("  final int p%d = p%d_;%n", i, i));
      }
    }
    // index inputs first: their positions feed the other inputs' offsets
    List<Integer> order = new ArrayList<>(indexInputs);
    for (int i = 0; i < inputs; i++) {
      if (!indexInputs.contains(i)) {
        order.add(i);
      }
    }
    order.add(inputs); // the output
    String indent = "  ";
    for (int d = 0; d < rank - 1; d++) {
      String parent = d == 0 ? "" : "_" + (d - 1);
      String lo = d == 0 ? "from" : "0";
      String hi = d == 0 ? "to" : "n" + d;
      sb.append(indent)
          .append(String.format("for (int c%d = %s; c%d < %s; c%d++) {%n", d, lo, d, hi, d));
      indent += "  ";
      for (int i : order) {
        sb.append(indent)
            .append(
                String.format(
                    "final int p%d_%d = p%d%s + c%d * s%d_%d%s;%n",
                    i,
                    d,
                    i,
                    parent,
                    d,
                    i,
                    d,
                    i < inputs && loadLevel[i] == d ? loads(k, i, d) : ""));
      }
    }
    // the innermost dimension
    int d = rank - 1;
    String parent = d == 0 ? "" : "_" + (d - 1);
    String lo = d == 0 ? "from" : "0";
    String hi = d == 0 ? "to" : "n" + d;
    int copied = copiedRow(k, strides, loadLevel);
    if (copied >= 0) {
      // a row that is a copy of one input's row: System.arraycopy, as a hand-written gather does
      // (HotSpot's copy stub beats a compiled element loop on short rows)
      sb.append(indent)
          .append(
              String.format(
                  "System.arraycopy(a%d, p%d%s + %s, y, p%d%s + %s, %s - %s);%n",
                  copied, copied, parent, lo, inputs, parent, lo, hi, lo));
      closeLoops(sb, indent, rank);
      return sb.toString();
    }
    sb.append(indent)
        .append(String.format("for (int c%d = %s; c%d < %s; c%d++) {%n", d, lo, d, hi, d));
    String body = indent + "  ";
    for (int i : order) {
      if (i == inputs || !indexInputs.contains(i) && !used.contains("x" + i)) {
        continue;
      }
      sb.append(body)
          .append(
              String.format(
                  "final int e%d = p%d%s%s%s;%n",
                  i,
                  i,
                  parent,
                  innerTerm(strides[i][d], i, d),
                  loadLevel[i] == d ? loads(k, i, d, "e") : ""));
      if (used.contains("x" + i)) {
        String t = Storage.javaType(k.inputTypes().get(i));
        sb.append(body).append(String.format("final %s x%d = a%d[e%d];%n", t, i, i, i));
      }
    }
    sb.append(JavaScalarOps.statements(k.steps()).replace("      final", body + "final"));
    sb.append(body)
        .append(
            String.format(
                "y[p%d%s%s] = %s;%n",
                inputs, parent, innerTerm(strides[inputs][d], inputs, d), k.result()));
    sb.append(indent).append("}\n");
    closeLoops(sb, indent, rank);
    return sb.toString();
  }

  /** Closes the loops around the innermost one and the method. */
  private static void closeLoops(StringBuilder sb, String indent, int rank) {
    for (int level = rank - 2; level >= 0; level--) {
      indent = indent.substring(2);
      sb.append(indent).append("}\n");
    }
    sb.append("}\n");
  }

  /**
   * The input whose innermost row the kernel copies unchanged (no steps, the result is that input
   * of the result's dtype, both rows have unit stride, no index is read per element), or -1.
   */
  private static int copiedRow(KernelDescription k, int[][] strides, int[] loadLevel) {
    int inner = strides[0].length - 1;
    int out = k.inputTypes().size();
    int i = KernelDescription.inputIndex(k.result());
    if (!k.steps().isEmpty() || i < 0 || strides[out][inner] != 1) {
      return -1;
    }
    return k.inputTypes().get(i) == k.resultType()
            && strides[i][inner] == 1
            && loadLevel[i] != inner
        ? i
        : -1;
  }

  /** {@code + c*s} for the innermost dimension, specialised for strides 0 and 1 (structural). */
  private static String innerTerm(int stride, int input, int d) {
    return switch (stride) {
      case 0 -> "";
      case 1 -> " + c" + d;
      default -> " + c" + d + " * s" + input + "_" + d;
    };
  }

  /** Index loads of input i read before every loop: offsets of the index inputs at the origin. */
  private static String loads(KernelDescription k, int i) {
    StringBuilder sb = new StringBuilder();
    List<IndexLoad> loads = k.views().get(i).indexLoads();
    for (int l = 0; l < loads.size(); l++) {
      sb.append(
          String.format(
              " + (int) a%d[p%d_] * k%d_%d", loads.get(l).input(), loads.get(l).input(), i, l));
    }
    return sb.toString();
  }

  /** Index loads of input i read in the loop of dimension d (not the innermost). */
  private static String loads(KernelDescription k, int i, int d) {
    StringBuilder sb = new StringBuilder();
    List<IndexLoad> loads = k.views().get(i).indexLoads();
    for (int l = 0; l < loads.size(); l++) {
      sb.append(
          String.format(
              " + (int) a%d[p%d_%d] * k%d_%d",
              loads.get(l).input(), loads.get(l).input(), d, i, l));
    }
    return sb.toString();
  }

  /** Index loads of input i read in the innermost loop, at the index inputs' {@code e} offsets. */
  private static String loads(KernelDescription k, int i, int d, String prefix) {
    StringBuilder sb = new StringBuilder();
    List<IndexLoad> loads = k.views().get(i).indexLoads();
    for (int l = 0; l < loads.size(); l++) {
      sb.append(
          String.format(
              " + (int) a%d[%s%d] * k%d_%d",
              loads.get(l).input(), prefix, loads.get(l).input(), i, l));
    }
    return sb.toString();
  }

  /** The deepest dimension with a non-zero stride, or -1. */
  private static int deepestMoving(int[] strides) {
    for (int d = strides.length - 1; d >= 0; d--) {
      if (strides[d] != 0) {
        return d;
      }
    }
    return -1;
  }

  /** The names the steps and the result read. */
  private static Set<String> usedNames(KernelDescription k) {
    Set<String> used = new java.util.HashSet<>();
    used.add(k.result());
    for (ScalarStep s : k.steps()) {
      used.addAll(s.operands());
    }
    return used;
  }
}
