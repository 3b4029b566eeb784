package org.vmap4j.spark.dp;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;

/**
 * A parameter pytree as one flat {@code double[]} (leaves in pytree order, each row-major), and
 * back: the optimizer and the noise work on the flat vector, the loss on the pytree. The order is
 * the one {@code PerSampleGradients.flat()} concatenates the gradient leaves in.
 */
final class FlatParameters {
  private final TreeDef def;
  private final List<int[]> shapes = new ArrayList<>();
  private final List<DType> dtypes = new ArrayList<>();
  private final int size;

  FlatParameters(Object params) {
    Tree.Flat flat = Tree.flatten(params);
    this.def = flat.def();
    int n = 0;
    for (Tensor leaf : flat.leaves()) {
      if (leaf.dtype() != DType.F64 && leaf.dtype() != DType.F32) {
        throw new IllegalArgumentException(
            "DpSgd: parameter leaf "
                + shapes.size()
                + " has dtype "
                + leaf.dtype()
                + "; parameters must be floating (F32 or F64)");
      }
      shapes.add(leaf.shape());
      dtypes.add(leaf.dtype());
      n += leaf.size();
    }
    this.size = n;
  }

  int size() {
    return size;
  }

  int leafCount() {
    return shapes.size();
  }

  int[] leafShape(int leaf) {
    return shapes.get(leaf).clone();
  }

  /**
   * The leaf's name in a checkpoint: its pytree path without the leading dot ({@code "w"}, {@code
   * "layers[0].b"}), or {@code "params"} for a tree that is one tensor.
   */
  String leafName(int leaf) {
    String path = def.leafPaths().get(leaf);
    if (path.isEmpty()) {
      return "params";
    }
    return path.startsWith(".") ? path.substring(1) : path;
  }

  double[] flatten(Object params) {
    double[] out = new double[size];
    int at = 0;
    for (Tensor leaf : Tree.leaves(params)) {
      double[] v = leaf.toDoubleArray();
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }

  Object unflatten(double[] flat) {
    List<Tensor> leaves = new ArrayList<>(shapes.size());
    int at = 0;
    for (int i = 0; i < shapes.size(); i++) {
      int[] shape = shapes.get(i);
      int n = 1;
      for (int d : shape) {
        n *= d;
      }
      double[] part = new double[n];
      System.arraycopy(flat, at, part, 0, n);
      at += n;
      Tensor t = shape.length == 0 ? Tensor.scalar(part[0]) : Tensor.of(part, shape);
      leaves.add(dtypes.get(i) == DType.F64 ? t : t.astype(dtypes.get(i)));
    }
    return def.unflatten(leaves);
  }
}
