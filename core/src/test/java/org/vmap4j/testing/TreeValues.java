package org.vmap4j.testing;

import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/** A pytree's values as one flat array, for tests that compare trees against plain loops. */
public final class TreeValues {
  private TreeValues() {}

  /** Every leaf's elements as doubles, leaves in {@link Tree#leaves} order, each row-major. */
  public static double[] flat(Object tree) {
    int n = 0;
    for (Tensor t : Tree.leaves(tree)) {
      n += t.size();
    }
    double[] all = new double[n];
    int at = 0;
    for (Tensor t : Tree.leaves(tree)) {
      double[] v = t.toDoubleArray();
      System.arraycopy(v, 0, all, at, v.length);
      at += v.length;
    }
    return all;
  }

  /** The dot product of two arrays of equal length. */
  public static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}
