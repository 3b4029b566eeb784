package org.vmap4j;

import java.util.Arrays;
import org.vmap4j.interpreter.Shapes;

/**
 * What is known about a tensor without its values: dtype and shape. This is the type of every
 * variable in a traced program, and what shape and dtype rules compute.
 */
public final class TensorType {
  private final DType dtype;
  private final int[] shape;

  public TensorType(DType dtype, int... shape) {
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Shapes.str(shape));
      }
    }
    this.dtype = dtype;
    this.shape = shape.clone();
  }

  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public int[] shape() {
    return shape.clone();
  }

  public int ndim() {
    return shape.length;
  }

  public int dim(int i) {
    return shape[i];
  }

  public int size() {
    return Shapes.size(shape);
  }

  public TensorType withDType(DType t) {
    return new TensorType(t, shape);
  }

  public TensorType withShape(int... s) {
    return new TensorType(dtype, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorType t && t.dtype == dtype && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return dtype.hashCode() * 31 + Arrays.hashCode(shape);
  }

  /** {@code f32[4096,256]}, as in printed programs. */
  @Override
  public String toString() {
    return dtype.shortName() + Shapes.str(shape);
  }
}
