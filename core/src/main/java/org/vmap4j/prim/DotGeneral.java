package org.vmap4j.prim;

import java.util.Arrays;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;
import org.vmap4j.cpu.Gemm;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;

/**
 * A generalized tensor contraction: {@code lhs_contract[i]} of the left operand is summed against
 * {@code rhs_contract[i]} of the right; {@code lhs_batch[i]} and {@code rhs_batch[i]} are paired
 * batch dimensions. The result's dimensions are the batch dimensions, then the left operand's
 * remaining ones, then the right operand's remaining ones (as XLA's DotGeneral). Matrix products,
 * dot products, batched products and outer products are all this primitive.
 */
public enum DotGeneral implements SingleResultPrimitive {
  DOT_GENERAL;

  public static Params params(
      int[] lhsContract, int[] rhsContract, int[] lhsBatch, int[] rhsBatch) {
    return Params.of(
        "lhs_contract", lhsContract,
        "rhs_contract", rhsContract,
        "lhs_batch", lhsBatch,
        "rhs_batch", rhsBatch);
  }

  @Override
  public TensorType inferType(TensorType[] in, Params p) {
    Binary.requireArity("dot_general", in, 2);
    TensorType lhs = in[0];
    TensorType rhs = in[1];
    if (lhs.dtype() != rhs.dtype() || !lhs.dtype().isFloating()) {
      throw new IllegalArgumentException(
          "dot_general: operands must share a floating dtype, got " + lhs + " and " + rhs);
    }
    int[] lc = p.ints("lhs_contract");
    int[] rc = p.ints("rhs_contract");
    int[] lb = p.ints("lhs_batch");
    int[] rb = p.ints("rhs_batch");
    if (lc.length != rc.length || lb.length != rb.length) {
      throw new IllegalArgumentException("dot_general: unpaired dimensions in " + p);
    }
    checkDims(lhs, lc, lb, p);
    checkDims(rhs, rc, rb, p);
    for (int i = 0; i < lc.length; i++) {
      if (lhs.dim(lc[i]) != rhs.dim(rc[i])) {
        throw new IllegalArgumentException(
            "dot_general: contracting dimension "
                + lc[i]
                + " of "
                + lhs
                + " has size "
                + lhs.dim(lc[i])
                + " but dimension "
                + rc[i]
                + " of "
                + rhs
                + " has size "
                + rhs.dim(rc[i]));
      }
    }
    for (int i = 0; i < lb.length; i++) {
      if (lhs.dim(lb[i]) != rhs.dim(rb[i])) {
        throw new IllegalArgumentException(
            "dot_general: batch dimension "
                + lb[i]
                + " of "
                + lhs
                + " and "
                + rb[i]
                + " of "
                + rhs
                + " differ in size");
      }
    }
    int[] out = Shapes.select(lhs.shape(), lb);
    out = Shapes.concat(out, Shapes.select(lhs.shape(), free(lhs.ndim(), lc, lb)));
    out = Shapes.concat(out, Shapes.select(rhs.shape(), free(rhs.ndim(), rc, rb)));
    return lhs.withShape(out);
  }

  private static void checkDims(TensorType t, int[] contract, int[] batch, Params p) {
    int[] all = Shapes.concat(contract, batch);
    boolean[] seen = new boolean[t.ndim()];
    for (int d : all) {
      if (d < 0 || d >= t.ndim() || seen[d]) {
        throw new IllegalArgumentException(
            "dot_general: dimensions " + p + " are invalid for operand " + t);
      }
      seen[d] = true;
    }
  }

  /**
   * The parameters decoded for operands of the given ranks: contracting, batch and free (neither)
   * dimensions of each side. One place, shared by the rules that need all of them.
   */
  record Dims(int[] lc, int[] rc, int[] lb, int[] rb, int[] lf, int[] rf) {
    static Dims of(Params p, int lhsRank, int rhsRank) {
      int[] lc = p.ints("lhs_contract");
      int[] rc = p.ints("rhs_contract");
      int[] lb = p.ints("lhs_batch");
      int[] rb = p.ints("rhs_batch");
      return new Dims(lc, rc, lb, rb, free(lhsRank, lc, lb), free(rhsRank, rc, rb));
    }
  }

  /** The dimensions that are neither contracted nor batch, in order. */
  public static int[] free(int ndim, int[] contract, int[] batch) {
    int[] used = Shapes.concat(contract, batch);
    Arrays.sort(used);
    return Shapes.complement(ndim, used);
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    CpuTensor lhs = in[0];
    CpuTensor rhs = in[1];
    Dims d = Dims.of(p, lhs.ndim(), rhs.ndim());
    int[] lc = d.lc();
    int[] rc = d.rc();
    int[] lb = d.lb();
    int[] rb = d.rb();
    int[] lf = d.lf();
    int[] rf = d.rf();
    int batch = Shapes.size(Shapes.select(lhs.shape(), lb));
    int m = Shapes.size(Shapes.select(lhs.shape(), lf));
    int k = Shapes.size(Shapes.select(lhs.shape(), lc));
    int n = Shapes.size(Shapes.select(rhs.shape(), rf));
    // Lay the operands out as [batch, m, k] and [batch, k, n]; views already in that order are
    // used as they are.
    CpuTensor a = lhs.permuteView(Shapes.concat(Shapes.concat(lb, lf), lc));
    CpuTensor b = rhs.permuteView(Shapes.concat(Shapes.concat(rb, rc), rf));
    if (k >= ROW_PRODUCT_MIN_LENGTH
        && m <= ROW_PRODUCT_MAX_SIDE
        && n <= ROW_PRODUCT_MAX_SIDE
        && a.isContiguous()) {
      // Small products of long rows, both operands stored along the contracted axis (a Gram
      // matrix X Xᵀ per example, the ghost norm's [T, T] products): dot products of rows, with
      // no transposing copy of an operand (which costs as much as the product here)
      CpuTensor rows = rhs.permuteView(Shapes.concat(Shapes.concat(rb, rf), rc));
      if (rows.isContiguous()) {
        Object c =
            Gemm.batchedRowProducts(
                out.dtype(), a.data(), a.offset(), rows.data(), rows.offset(), batch, m, n, k);
        return CpuTensor.wrap(out.dtype(), c, out.shape());
      }
    }
    if (k > 1) {
      // C^T = B^T A^T needs no copy of an operand stored transposed (a vmapped right-hand side
      // usually is): compute whichever orientation copies fewer elements. This also makes the
      // cost independent of operand order: w.dot(x) under vmap is [1,k]x[B,k]^T, which read in
      // this orientation is x.dot(w)'s [B,k]x[k,1] with no copy of x (m or n may be 1 here)
      CpuTensor at = rhs.permuteView(Shapes.concat(Shapes.concat(rb, rf), rc));
      CpuTensor bt = lhs.permuteView(Shapes.concat(Shapes.concat(lb, lc), lf));
      if (copyCost(at) + copyCost(bt) < copyCost(a) + copyCost(b)) {
        return transposedProduct(at.contiguous(), bt.contiguous(), lhs, rhs, lb, lf, rf, out);
      }
    }
    a = a.contiguous();
    b = b.contiguous();
    if (k == 1) {
      return outerProduct(a, b, batch, m, n, out);
    }
    Object c =
        Gemm.batched(out.dtype(), a.data(), a.offset(), b.data(), b.offset(), batch, m, n, k);
    return CpuTensor.wrap(out.dtype(), c, out.shape());
  }

  /**
   * Both operands batched: the batch dimensions become a new leading pair of dot_general batch
   * dimensions (result dimension 0). One operand batched: its batch dimension is a free dimension,
   * which lands after the existing batch dimensions (left operand) or after the left operand's free
   * dimensions (right operand).
   */
  @Override
  public Batched batch(Tensor[] args, int[] dims, Params p, int batchSize) {
    int[] lc = p.ints("lhs_contract");
    int[] rc = p.ints("rhs_contract");
    int[] lb = p.ints("lhs_batch");
    int[] rb = p.ints("rhs_batch");
    Tensor lhs = args[0];
    Tensor rhs = args[1];
    boolean lm = dims[0] != BatchRules.NOT_MAPPED;
    boolean rm = dims[1] != BatchRules.NOT_MAPPED;
    if (lm) {
      lhs = BatchRules.atFront(lhs, dims[0]);
      lc = BatchRules.shifted(lc);
      lb = BatchRules.shifted(lb);
    }
    if (rm) {
      rhs = BatchRules.atFront(rhs, dims[1]);
      rc = BatchRules.shifted(rc);
      rb = BatchRules.shifted(rb);
    }
    int outDim;
    if (lm && rm) {
      lb = BatchRules.prepend(0, lb);
      rb = BatchRules.prepend(0, rb);
      outDim = 0;
    } else if (lm) {
      outDim = lb.length;
    } else {
      outDim = lb.length + free(args[0].ndim(), lc, lb).length;
    }
    Tensor out = Interpreters.bind1(this, params(lc, rc, lb, rb), lhs, rhs);
    return Batched.of(out, outDim);
  }

  /** Row products run for results of at most this many rows and columns per batch element, */
  private static final int ROW_PRODUCT_MAX_SIDE = 64;

  /** and rows of at least this length (shorter rows leave the lanes' reductions dominant). */
  private static final int ROW_PRODUCT_MIN_LENGTH = 64;

  private static int copyCost(CpuTensor t) {
    return t.isContiguous() ? 0 : t.size();
  }

  /**
   * {@code C^T = B^T A^T} as [batch, n, m], returned as a view in the result's dimension order
   * (batch, left free, right free).
   */
  private static CpuTensor transposedProduct(
      CpuTensor at,
      CpuTensor bt,
      CpuTensor lhs,
      CpuTensor rhs,
      int[] lb,
      int[] lf,
      int[] rf,
      TensorType out) {
    int[] batchShape = Shapes.select(lhs.shape(), lb);
    int[] lfShape = Shapes.select(lhs.shape(), lf);
    int[] rfShape = Shapes.select(rhs.shape(), rf);
    int batch = Shapes.size(batchShape);
    int m = Shapes.size(lfShape);
    int n = Shapes.size(rfShape);
    int k = at.size() / Math.max(1, batch * n);
    Object ct =
        Gemm.batched(out.dtype(), at.data(), at.offset(), bt.data(), bt.offset(), batch, n, m, k);
    int nb = lb.length;
    CpuTensor transposed =
        CpuTensor.wrap(out.dtype(), ct, Shapes.concat(Shapes.concat(batchShape, rfShape), lfShape));
    int[] perm =
        Shapes.concat(
            Shapes.concat(
                Shapes.range(0, nb), Shapes.range(nb + rf.length, nb + rf.length + lf.length)),
            Shapes.range(nb, nb + rf.length));
    return transposed.permuteView(perm);
  }

  /**
   * With nothing to sum (contracting dimensions of size 1) the product is an outer product per
   * batch element: one element-wise multiply of two broadcast views, not a matrix product.
   */
  private static CpuTensor outerProduct(
      CpuTensor a, CpuTensor b, int batch, int m, int n, TensorType out) {
    CpuTensor left = a.view(new int[] {batch, m, n}, new int[] {m, 1, 0}, a.offset());
    CpuTensor right = b.view(new int[] {batch, m, n}, new int[] {n, 0, 1}, b.offset());
    TensorType flat = out.withShape(batch, m, n);
    CpuTensor product =
        ElementwiseKernels.apply(
            Binary.MUL.renderJava(out.dtype(), "x0", "x1"), new CpuTensor[] {left, right}, flat);
    return product.view(out.shape(), Shapes.contiguousStrides(out.shape()), 0);
  }

  /** Bilinear: the tangent is {@code dot(ta, b) + dot(a, tb)}. */
  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    Tensor left =
        tangents[0] == null ? null : Interpreters.bind1(this, params, tangents[0], primals[1]);
    Tensor right =
        tangents[1] == null ? null : Interpreters.bind1(this, params, primals[0], tangents[1]);
    return Tangents.add(left, right);
  }

  /**
   * Each operand's cotangent is another dot_general of the result's cotangent with the other
   * operand, followed by a transpose back to the operand's dimension order.
   */
  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params p) {
    Tensor lhs = primals[0];
    Tensor rhs = primals[1];
    Dims d = Dims.of(p, lhs.ndim(), rhs.ndim());
    int[] lc = d.lc();
    int[] rc = d.rc();
    int[] lb = d.lb();
    int[] rb = d.rb();
    int[] lf = d.lf();
    int[] rf = d.rf();
    int nb = lb.length;
    int[] ctBatch = Shapes.range(0, nb);
    int[] ctLhsFree = Shapes.range(nb, nb + lf.length);
    int[] ctRhsFree = Shapes.range(nb + lf.length, nb + lf.length + rf.length);
    // d lhs: contract ct's rhs-free dims with rhs's free dims; the leftover rhs dims are its
    // contracting dims in ascending order, which pair with lhs's contracting dims
    Tensor dl = Interpreters.bind1(this, params(ctRhsFree, rf, ctBatch, rb), cotangent, rhs);
    int[] lhsOrder = Shapes.concat(Shapes.concat(lb, lf), pairedInOrderOf(rc, lc));
    dl = dl.permute(Shapes.inversePermutation(lhsOrder));
    // d rhs: contract ct's lhs-free dims with lhs's free dims
    Tensor dr = Interpreters.bind1(this, params(ctLhsFree, lf, ctBatch, lb), cotangent, lhs);
    int[] rhsOrder = Shapes.concat(Shapes.concat(rb, rf), pairedInOrderOf(lc, rc));
    dr = dr.permute(Shapes.inversePermutation(rhsOrder));
    return new Tensor[] {dl, dr};
  }

  /**
   * The entries of {@code partner} ordered as their pairs in {@code sortedBy} sort ascending: the
   * contracting dimensions of one operand, listed in the order the other operand's contracting
   * dimensions appear in its shape.
   */
  private static int[] pairedInOrderOf(int[] sortedBy, int[] partner) {
    Integer[] order = new Integer[sortedBy.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (x, y) -> Integer.compare(sortedBy[x], sortedBy[y]));
    int[] out = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      out[i] = partner[order[i]];
    }
    return out;
  }
}
