package org.vmap4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.transforms.Autodiff;

/**
 * Jacobians of a tensor-valued function of a pytree, for {@link Func#jacrev} and {@link
 * Func#jacfwd}: the argument's structure with each leaf replaced by the Jacobian with respect to
 * it, of shape {@code out.shape ++ leaf.shape}. Both modes evaluate all their basis vectors in one
 * vmapped call (or {@code chunkSize} at a time).
 */
final class PytreeJacobians {
  private PytreeJacobians() {}

  /** Reverse mode: the pullback of every output element's basis cotangent, under vmap. */
  static <A> A reverse(Vjp<A, Tensor> v, int chunkSize) {
    Tensor y = tensorValue(((Vjp<?, ?>) v).value(), "jacrev");
    return reverse(v::pullback, y, chunkSize);
  }

  /** As {@link #reverse(Vjp, int)}, from a pullback and the value it belongs to. */
  static <A> A reverse(Function<Tensor, A> pullback, Tensor y, int chunkSize) {
    int m = y.size();
    Tensor basis = Tensor.eye(y.dtype(), m).reshape(Shapes.concat(new int[] {m}, y.shape()));
    A rows = Func.vmap(pullback, VmapOptions.defaults().chunkSize(chunkSize)).apply(basis);
    return Tree.map(rows, r -> r.reshape(Shapes.concat(y.shape(), dropFirst(r.shape()))));
  }

  /** Forward mode: the output tangent of every input element's basis tangent, under vmap. */
  static <A> A forward(Function<A, Tensor> f, A x, int chunkSize) {
    Function<A, Tensor> tangentOut =
        t -> tensorValue(Autodiff.jvp(p -> f.apply(cast(p)), x, t).tangent(), "jacfwd");
    Tree.Flat in = Tree.flatten(x);
    Tensor columns =
        Func.vmap(tangentOut, VmapOptions.defaults().chunkSize(chunkSize)).apply(cast(basis(in)));
    return cast(splitColumns(columns, in));
  }

  /**
   * Forward mode with an auxiliary output: the aux does not depend on the tangents, so vmap returns
   * it once (out_dims null).
   */
  @SuppressWarnings("unchecked")
  static <A, X> JacobianAndAux<A, X> forwardWithAux(Function<A, WithAux<X>> f, A x, int chunkSize) {
    Function<A, List<Object>> tangentAndAux =
        t -> {
          Autodiff.JvpOutcome o = Autodiff.jvp(p -> AuxOutputs.pack(f.apply(cast(p))), x, t);
          Tensor dy = tensorValue(((List<Object>) o.tangent()).get(0), "jacfwdWithAux");
          return Arrays.asList(dy, AuxOutputs.aux(o.value()));
        };
    Tree.Flat in = Tree.flatten(x);
    VmapOptions options =
        VmapOptions.defaults().chunkSize(chunkSize).outDims(OutDims.tree(0, null));
    List<Object> out = Func.vmap(tangentAndAux, options).apply(cast(basis(in)));
    return new JacobianAndAux<>(cast(splitColumns((Tensor) out.get(0), in)), (X) out.get(1));
  }

  /**
   * The standard basis of the flattened argument: leaf i gets the columns of {@code eye(n)} that
   * belong to its elements, shaped {@code [n] ++ leaf.shape}; as a pytree of the argument's
   * structure.
   */
  private static Object basis(Tree.Flat in) {
    return in.def().unflatten(basisLeaves(in));
  }

  private static List<Tensor> basisLeaves(Tree.Flat in) {
    int n = 0;
    for (Tensor leaf : in.leaves()) {
      n += leaf.size();
    }
    List<Tensor> leaves = new ArrayList<>();
    int offset = 0;
    for (Tensor leaf : in.leaves()) {
      Tensor columns = Tensor.eye(leaf.dtype(), n);
      if (leaf.size() != n) {
        columns = columns.slice(1, offset, offset + leaf.size());
      }
      leaves.add(columns.reshape(Shapes.concat(new int[] {n}, leaf.shape())));
      offset += leaf.size();
    }
    return leaves;
  }

  /**
   * From the vmapped tangents {@code [n] ++ out.shape}, each leaf's Jacobian {@code out.shape ++
   * leaf.shape}.
   */
  private static Object splitColumns(Tensor columns, Tree.Flat in) {
    int[] outShape = dropFirst(columns.shape());
    List<Tensor> jacobians = new ArrayList<>();
    int offset = 0;
    for (Tensor leaf : in.leaves()) {
      Tensor mine =
          leaf.size() == columns.shape()[0]
              ? columns
              : columns.slice(0, offset, offset + leaf.size());
      Tensor moved = BatchRules.moveAxis(mine, 0, mine.ndim() - 1);
      jacobians.add(moved.reshape(Shapes.concat(outShape, leaf.shape())));
      offset += leaf.size();
    }
    return in.def().unflatten(jacobians);
  }

  private static int[] dropFirst(int[] shape) {
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  static Tensor tensorValue(Object value, String transform) {
    if (value instanceof Tensor t) {
      return t;
    }
    throw new IllegalArgumentException(
        transform
            + " needs a function whose result is one tensor, but it returned "
            + (value == null ? "null" : value.getClass().getSimpleName())
            + "; differentiate each output tensor separately, or use vjp/jvp for pytree results");
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }
}
