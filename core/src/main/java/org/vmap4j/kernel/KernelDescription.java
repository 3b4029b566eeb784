package org.vmap4j.kernel;

import java.util.Arrays;
import java.util.List;
import org.vmap4j.DType;

/**
 * A loop-level kernel as every backend sees it, independent of any target language: inputs {@code
 * x0, x1, ...} of {@code inputTypes}, each read at every point of the iteration space {@code shape}
 * through its {@link View} ({@code views}, one per input: a contiguous array of the kernel's shape,
 * or a strided read with an offset and maybe index loads, as a gather states its positions); a
 * graph of {@code steps}; the step {@code result} (or an input) is the value at each point, written
 * out as it is, or, when {@code reduce} is not null, combined over the trailing {@code reducedDims}
 * dimensions of {@code shape} by that monoid. An input that is only read as indices (by another
 * view's {@link IndexLoad}) or only outside another view's {@link Mask} need not appear in the
 * steps.
 *
 * <p>The CPU backend renders descriptions to Java (org.vmap4j.cpu.JavaScalarOps), the GPU backend
 * to PTX; fusion (org.vmap4j.compiler.Fusion) builds them by composing the scalar operations of
 * element-wise primitives.
 */
public record KernelDescription(
    List<ScalarStep> steps,
    String result,
    DType resultType,
    List<DType> inputTypes,
    int[] shape,
    Monoid reduce,
    int reducedDims,
    List<View> views) {
  /** A kernel whose inputs are all contiguous arrays of {@code shape}. */
  public KernelDescription(
      List<ScalarStep> steps,
      String result,
      DType resultType,
      List<DType> inputTypes,
      int[] shape,
      Monoid reduce,
      int reducedDims) {
    this(
        steps,
        result,
        resultType,
        inputTypes,
        shape,
        reduce,
        reducedDims,
        java.util.Collections.nCopies(inputTypes.size(), View.CONTIGUOUS));
  }

  public KernelDescription {
    steps = List.copyOf(steps);
    inputTypes = List.copyOf(inputTypes);
    shape = shape.clone();
    views = List.copyOf(views);
    checkViews(shape, inputTypes, views);
    if (reduce == null ? reducedDims != 0 : reducedDims <= 0 || reducedDims > shape.length) {
      throw new IllegalArgumentException(
          "a kernel reduces over 1.."
              + shape.length
              + " trailing dims with a monoid, or none"
              + " without; got "
              + reduce
              + " over "
              + reducedDims);
    }
  }

  private static void checkViews(int[] shape, List<DType> inputTypes, List<View> views) {
    if (views.size() != inputTypes.size()) {
      throw new IllegalArgumentException(
          "a kernel has one view per input: " + inputTypes.size() + " inputs, " + views);
    }
    for (int i = 0; i < views.size(); i++) {
      View v = views.get(i);
      if (!v.isContiguous() && v.strides().length != shape.length) {
        throw new IllegalArgumentException(
            "the view of x"
                + i
                + " has "
                + v.strides().length
                + " strides for "
                + shape.length
                + " dimensions: "
                + v);
      }
      Mask m = v.mask();
      if (m != null
          && m.otherwise() >= 0
          && (m.otherwise() <= i
              || m.otherwise() >= views.size()
              || inputTypes.get(m.otherwise()) != inputTypes.get(i))) {
        throw new IllegalArgumentException(
            "the view of x"
                + i
                + " reads x"
                + m.otherwise()
                + " outside its mask: it must be a later input of the same dtype, got "
                + inputTypes);
      }
      for (IndexLoad l : v.indexLoads()) {
        if (l.input() >= views.size()
            || l.input() == i
            || !(inputTypes.get(l.input()) == DType.I32 || inputTypes.get(l.input()) == DType.I64)
            || !views.get(l.input()).indexLoads().isEmpty()) {
          throw new IllegalArgumentException(
              "the view of x"
                  + i
                  + " loads indices from "
                  + l
                  + ": it must be another input, of i32 or i64, read without index loads");
        }
      }
    }
  }

  /** This kernel with its inputs read through {@code views} instead (one per input). */
  public KernelDescription withViews(List<View> views) {
    return new KernelDescription(
        steps, result, resultType, inputTypes, shape, reduce, reducedDims, views);
  }

  /** The inputs some view reads as indices (their values are positions, not data). */
  public java.util.Set<Integer> indexInputs() {
    java.util.Set<Integer> out = new java.util.TreeSet<>();
    views.forEach(v -> v.indexLoads().forEach(l -> out.add(l.input())));
    return out;
  }

  /** Whether some view has a {@link Mask} (a pad, a concatenation). */
  public boolean hasMasks() {
    for (View v : views) {
      if (v.mask() != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * The inputs read at a point where {@code input} is read: {@code input}, then, while the last one
   * has a mask that falls through to another input, that input ({@link Mask#otherwise()}).
   */
  public List<Integer> maskChain(int input) {
    List<Integer> chain = new java.util.ArrayList<>();
    for (int j = input; j >= 0; ) {
      chain.add(j);
      Mask m = views.get(j).mask();
      j = m == null ? -1 : m.otherwise();
    }
    return chain;
  }

  /**
   * Whether this kernel only moves the elements of its one input: no scalar steps, no reduction, no
   * index loads and no masks, so each output element is one input element (a broadcast, a
   * transpose, a slice, a reshape). Such a kernel of a 0-d input with a 0-d output of the same
   * dtype is the identity.
   */
  public boolean isCopy() {
    return steps.isEmpty()
        && result.equals("x0")
        && inputTypes.size() == 1
        && reduce == null
        && indexInputs().isEmpty()
        && !hasMasks();
  }

  /** The index loads of every view, in input order. */
  public List<IndexLoad> indexLoads() {
    List<IndexLoad> out = new java.util.ArrayList<>();
    views.forEach(v -> out.addAll(v.indexLoads()));
    return out;
  }

  /** The name by which scalar steps and the result read input {@code i}: {@code x<i>}. */
  public static String inputName(int i) {
    return "x" + i;
  }

  /**
   * The input that {@code name} (a step operand or a kernel's result) reads, {@code i} for {@code
   * x<i>}; -1 when it names a scalar step.
   */
  public static int inputIndex(String name) {
    if (name.length() < 2 || name.charAt(0) != 'x') {
      return -1;
    }
    for (int k = 1; k < name.length(); k++) {
      if (!Character.isDigit(name.charAt(k))) {
        return -1;
      }
    }
    return Integer.parseInt(name.substring(1));
  }

  /** A kernel without scalar steps: input 0 read over {@code shape} and maybe reduced. */
  public static KernelDescription copy(DType t, int[] shape, Monoid reduce, int reducedDims) {
    return new KernelDescription(
        List.of(), inputName(0), t, List.of(t), shape, reduce, reducedDims);
  }

  /** The iteration space's dimensions that remain in the output. */
  public int[] outputShape() {
    return Arrays.copyOf(shape, shape.length - reducedDims);
  }

  /** For logs: e.g. {@code f32[4096,256] reduce_sum}. */
  public String describe() {
    return resultType.shortName()
        + Arrays.toString(shape)
        + (reduce == null ? "" : " reduce_" + reduce.name().toLowerCase(java.util.Locale.ROOT));
  }
}
