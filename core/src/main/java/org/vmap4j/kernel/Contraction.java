package org.vmap4j.kernel;

import org.vmap4j.DType;
import org.vmap4j.interpreter.Shapes;

/**
 * A tensor contraction seen as a batched matrix product: which dimensions of each operand are batch
 * dimensions (paired, in order), which are free (they become m for the left operand and n for the
 * right), and which are contracted (paired, they become k). The result is {@code [batch..., lhs
 * free..., rhs free...]}, row-major. {@code dot_general} states itself this way ({@link
 * GemmPrimitive}); {@link #onto} maps it, for given operand layouts, onto one {@link
 * GemmDescription} or says which group prevents it. This is the only place where a contraction's
 * dimension groups are turned into GEMM sizes and strides.
 */
public record Contraction(
    DType dtype,
    int[] lhsShape,
    int[] rhsShape,
    int[] lhsBatch,
    int[] lhsFree,
    int[] lhsContract,
    int[] rhsBatch,
    int[] rhsContract,
    int[] rhsFree) {

  public Contraction {
    lhsShape = lhsShape.clone();
    rhsShape = rhsShape.clone();
    lhsBatch = lhsBatch.clone();
    lhsFree = lhsFree.clone();
    lhsContract = lhsContract.clone();
    rhsBatch = rhsBatch.clone();
    rhsContract = rhsContract.clone();
    rhsFree = rhsFree.clone();
  }

  /** Product of the batch dimensions' sizes. */
  public int batch() {
    return Shapes.size(Shapes.select(lhsShape, lhsBatch));
  }

  /** Product of the left operand's free dimensions' sizes. */
  public int m() {
    return Shapes.size(Shapes.select(lhsShape, lhsFree));
  }

  /** Product of the right operand's free dimensions' sizes. */
  public int n() {
    return Shapes.size(Shapes.select(rhsShape, rhsFree));
  }

  /** Product of the contracted dimensions' sizes. */
  public int k() {
    return Shapes.size(Shapes.select(lhsShape, lhsContract));
  }

  /**
   * The left operand's dimensions in GEMM order: batch, free, contracted ({@code [batch, m, k]}).
   */
  public int[] lhsGemmOrder() {
    return Shapes.concat(Shapes.concat(lhsBatch, lhsFree), lhsContract);
  }

  /**
   * The right operand's dimensions in GEMM order: batch, contracted, free ({@code [batch, k, n]}).
   */
  public int[] rhsGemmOrder() {
    return Shapes.concat(Shapes.concat(rhsBatch, rhsContract), rhsFree);
  }

  /** The result's shape: batch, then the left operand's free, then the right operand's free. */
  public int[] resultShape() {
    return Shapes.concat(
        Shapes.concat(Shapes.select(lhsShape, lhsBatch), Shapes.select(lhsShape, lhsFree)),
        Shapes.select(rhsShape, rhsFree));
  }

  /**
   * The same contraction with the operands exchanged, {@code C^T = B^T A^T}: its result is {@code
   * [batch..., rhs free..., lhs free...]}; {@link #swappedResultOrder} brings it back.
   */
  public Contraction swapped() {
    return new Contraction(
        dtype, rhsShape, lhsShape, rhsBatch, rhsFree, rhsContract, lhsBatch, lhsContract, lhsFree);
  }

  /** The permutation of {@link #swapped}'s result dimensions that gives this one's result. */
  public int[] swappedResultOrder() {
    int nb = lhsBatch.length;
    int rf = rhsFree.length;
    return Shapes.concat(
        Shapes.concat(Shapes.range(0, nb), Shapes.range(nb + rf, nb + rf + lhsFree.length)),
        Shapes.range(nb, nb + rf));
  }

  /** How this contraction runs as one GEMM on given operand layouts, as a value. */
  public sealed interface Mapping permits Direct, Regroup {}

  /** One GEMM reads both operands as they are. */
  public record Direct(GemmDescription gemm) implements Mapping {}

  /**
   * A dimension group ({@code group}, e.g. "lhs contracting") is scattered: its dimensions are not
   * adjacent and in order in memory, so no single stride reads it. The operands flagged must first
   * be copied into GEMM order ({@link #lhsGemmOrder}, {@link #rhsGemmOrder}); the product of the
   * copies is then direct.
   */
  public record Regroup(String group, boolean lhs, boolean rhs) implements Mapping {}

  /** {@link #onto} for row-major operands read from their first element. */
  public Mapping ontoRowMajor() {
    return onto(Shapes.contiguousStrides(lhsShape), 0, Shapes.contiguousStrides(rhsShape), 0);
  }

  /**
   * How the product of operands with these element strides and offsets maps onto one GEMM: each
   * dimension group must collapse into a single stride (its dimensions adjacent and in order in
   * memory, ignoring those of size 1).
   */
  public Mapping onto(int[] lhsStrides, long lhsOffset, int[] rhsStrides, long rhsOffset) {
    Long lb = groupStride(lhsShape, lhsStrides, lhsBatch);
    Long lf = groupStride(lhsShape, lhsStrides, lhsFree);
    Long lc = groupStride(lhsShape, lhsStrides, lhsContract);
    Long rb = groupStride(rhsShape, rhsStrides, rhsBatch);
    Long rc = groupStride(rhsShape, rhsStrides, rhsContract);
    Long rf = groupStride(rhsShape, rhsStrides, rhsFree);
    Long[] strides = {lb, lf, lc, rb, rc, rf};
    String[] groups = {
      "lhs batch", "lhs free", "lhs contracting", "rhs batch", "rhs contracting", "rhs free"
    };
    for (int i = 0; i < strides.length; i++) {
      if (strides[i] == null) {
        return new Regroup(
            groups[i],
            lb == null || lf == null || lc == null,
            rb == null || rc == null || rf == null);
      }
    }
    return new Direct(
        new GemmDescription(
            dtype,
            batch(),
            m(),
            n(),
            k(),
            new GemmDescription.Operand(lhsOffset, lb, lf, lc),
            new GemmDescription.Operand(rhsOffset, rb, rf, rc)));
  }

  /**
   * The stride of the dimensions {@code dims} (in that order) seen as one dimension: 0 for an empty
   * group or one of size-1 dimensions only; null when they do not collapse into one.
   */
  private static Long groupStride(int[] shape, int[] strides, int[] dims) {
    long expected = -1;
    long innermost = 0;
    for (int i = dims.length - 1; i >= 0; i--) {
      int d = dims[i];
      if (shape[d] == 1) {
        continue;
      }
      if (expected >= 0 && strides[d] != expected) {
        return null;
      }
      if (expected < 0) {
        innermost = strides[d];
      }
      expected = (long) strides[d] * shape[d];
    }
    return innermost;
  }
}
