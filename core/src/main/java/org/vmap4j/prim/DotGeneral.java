package org.vmap4j.prim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.Contractions;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.Contraction;
import org.vmap4j.kernel.GemmPrimitive;

/**
 * A generalized tensor contraction: {@code lhs_contract[i]} of the left operand is summed against
 * {@code rhs_contract[i]} of the right; {@code lhs_batch[i]} and {@code rhs_batch[i]} are paired
 * batch dimensions. The result's dimensions are the batch dimensions, then the left operand's
 * remaining ones, then the right operand's remaining ones (as XLA's DotGeneral). Matrix products,
 * dot products, batched products and outer products are all this primitive.
 */
public enum DotGeneral implements SingleResultPrimitive, GemmPrimitive {
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

  /**
   * This primitive as a batched matrix product, stated once for every backend: the batch dimensions
   * are paired, the free ones become m and n, the contracting ones k.
   */
  @Override
  public Contraction contraction(TensorType[] in, Params p) {
    Dims d = Dims.of(p, in[0].ndim(), in[1].ndim());
    return new Contraction(
        in[0].dtype(),
        in[0].shape(),
        in[1].shape(),
        d.lb(),
        d.lf(),
        d.lc(),
        d.rb(),
        d.rc(),
        d.rf());
  }

  /**
   * Transposes of the operands whose dimension groups are scattered into GEMM order (lhs {@code
   * [batch, free, contracting]}, rhs {@code [batch, contracting, free]}), then a dot_general on
   * them that maps directly onto a row-major GEMM; an operand already readable stays as it is.
   */
  @Override
  public Regrouped regrouped(Equation e) {
    Var l = e.inputs().get(0);
    Var r = e.inputs().get(1);
    Contraction c = contraction(new TensorType[] {l.type(), r.type()}, e.params());
    Contraction.Mapping mapping = c.ontoRowMajor();
    boolean lhs = mapping instanceof Contraction.Regroup g && g.lhs();
    boolean rhs = mapping instanceof Contraction.Regroup g && g.rhs();
    List<Equation> transposes = new ArrayList<>();
    Var lv = lhs ? transposed(l, c.lhsGemmOrder(), transposes) : l;
    Var rv = rhs ? transposed(r, c.rhsGemmOrder(), transposes) : r;
    int nb = c.lhsBatch().length;
    int lf = c.lhsFree().length;
    int[] lc = lhs ? Shapes.range(nb + lf, nb + lf + c.lhsContract().length) : c.lhsContract();
    int[] lb = lhs ? Shapes.range(0, nb) : c.lhsBatch();
    int[] rc = rhs ? Shapes.range(nb, nb + c.rhsContract().length) : c.rhsContract();
    int[] rb = rhs ? Shapes.range(0, nb) : c.rhsBatch();
    Equation product = new Equation(this, params(lc, rc, lb, rb), List.of(lv, rv), e.outputs());
    return new Regrouped(transposes, product);
  }

  private static Var transposed(Var v, int[] perm, List<Equation> into) {
    Var out = new Var(v.type().withShape(Shapes.select(v.type().shape(), perm)));
    into.add(new Equation(Transpose.TRANSPOSE, Transpose.params(perm), List.of(v), List.of(out)));
    return out;
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params p, TensorType out) {
    return Contractions.evaluate(
        contraction(new TensorType[] {in[0].type(), in[1].type()}, p), in[0], in[1], out);
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
