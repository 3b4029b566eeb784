package org.vmap4j.kernel;

import java.util.Arrays;
import java.util.List;
import org.vmap4j.DType;

/**
 * A loop-level kernel as every backend sees it, independent of any target language: inputs {@code
 * x0, x1, ...} of {@code inputTypes}, each read at every point of the iteration space {@code shape}
 * (how an input is laid out in memory is the caller's: a fused step's broadcast inputs, a strided
 * primitive's permuted strides); a graph of {@code steps}; the step {@code result} (or an input) is
 * the value at each point, written out as it is, or, when {@code reduce} is not null, combined over
 * the trailing {@code reducedDims} dimensions of {@code shape} by that monoid.
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
    int reducedDims) {
  public KernelDescription {
    steps = List.copyOf(steps);
    inputTypes = List.copyOf(inputTypes);
    shape = shape.clone();
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

  /** A kernel without scalar steps: input 0 read over {@code shape} and maybe reduced. */
  public static KernelDescription copy(DType t, int[] shape, Monoid reduce, int reducedDims) {
    return new KernelDescription(List.of(), "x0", t, List.of(t), shape, reduce, reducedDims);
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
