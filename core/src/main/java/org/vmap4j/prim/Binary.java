package org.vmap4j.prim;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;
import org.vmap4j.cpu.JavaScalarOps;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.SingleResultPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.kernel.ScalarOp;
import org.vmap4j.kernel.ScalarPrimitive;

/**
 * Element-wise arithmetic primitives of two operands of equal shape and dtype (broadcasting and
 * promotion happen in {@code Tensor} before these are bound).
 */
public enum Binary implements SingleResultPrimitive, ScalarPrimitive {
  ADD(false, ScalarOp.ADD) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      return new Tensor[] {Tensor.ones(y.dtype(), y.shape()), Tensor.ones(y.dtype(), y.shape())};
    }
  },
  SUB(false, ScalarOp.SUB) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      return new Tensor[] {
        Tensor.ones(y.dtype(), y.shape()), Tensor.full(y.dtype(), -1, y.shape())
      };
    }
  },
  MUL(false, ScalarOp.MUL) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      return new Tensor[] {b, a};
    }
  },
  /** True division; floating only, so an integer quotient is never silently truncated. */
  DIV(true, ScalarOp.DIV) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      Tensor inv = b.pow(-1);
      return new Tensor[] {inv, y.mul(inv).neg()};
    }
  },
  POW(true, ScalarOp.POW) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      // d/da = b a^(b-1), taken as 0 where b == 0: a^0 is the constant 1 even at a = 0, where the
      // formula would be 0 * 0^-1 = 0 * inf = NaN (PyTorch's convention; it makes polynomial
      // features x.pow(arange(n)) differentiable at x = 0). Where b == 0 the power is taken at a
      // harmless exponent too, so that no branch holds an infinity that a second derivative
      // (0 * inf through the select) could turn into NaN.
      Tensor zeroExponent = b.eq(0);
      Tensor safeExponent = Tensor.where(zeroExponent, 1, b.sub(1));
      Tensor dA = Tensor.where(zeroExponent, 0, b.mul(a.pow(safeExponent)));
      // d/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (the limit of a^b log a as a -> 0+),
      // with log(0) replaced by a stand-in so no branch holds 0 * -inf. Where a == 0 and b < 0 it
      // is inf * log(0) = -inf, and for a < 0 log(a) is NaN: both as PyTorch.
      Tensor zeroBase = a.eq(0);
      Tensor logA = Tensor.where(zeroBase, Tensor.ones(a.dtype(), a.shape()), a).log();
      Tensor minusInf = Tensor.full(y.dtype(), Double.NEGATIVE_INFINITY, b.shape());
      Tensor atZeroBase = Tensor.where(b.ge(0), 0, minusInf);
      Tensor dB = Tensor.where(zeroBase, atZeroBase, y.mul(logA));
      return new Tensor[] {dA, dB};
    }
  },
  /** Element-wise maximum; NaN if either operand is NaN. */
  MAX(false, ScalarOp.MAX) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      // ties split the derivative evenly, as JAX does
      Tensor toA = a.gt(b).astype(y.dtype()).add(a.eq(b).astype(y.dtype()).mul(0.5));
      return new Tensor[] {toA, toA.neg().add(1)};
    }
  },
  /** Element-wise minimum; NaN if either operand is NaN. */
  MIN(false, ScalarOp.MIN) {
    @Override
    Tensor[] partials(Tensor a, Tensor b, Tensor y) {
      Tensor toA = a.lt(b).astype(y.dtype()).add(a.eq(b).astype(y.dtype()).mul(0.5));
      return new Tensor[] {toA, toA.neg().add(1)};
    }
  };

  private final boolean floatingOnly;
  private final ScalarOp op;

  Binary(boolean floatingOnly, ScalarOp op) {
    this.floatingOnly = floatingOnly;
    this.op = op;
  }

  @Override
  public ScalarOp scalarOp() {
    return op;
  }

  /** This operation as a Java expression of its operands, for element type {@code t}. */
  public String renderJava(DType t, String a, String b) {
    return JavaScalarOps.render(op, t, List.of(t, t), List.of(a, b));
  }

  /**
   * The partial derivatives {@code [d y / d a, d y / d b]} at (a, b) with result y, as tensors of
   * the result's shape; an entry may be null for a derivative that is zero. Both JVP and VJP
   * multiply by them (the Jacobian is diagonal in each operand).
   */
  abstract Tensor[] partials(Tensor a, Tensor b, Tensor y);

  @Override
  public TensorType inferType(TensorType[] in, Params params) {
    requireArity(displayName(), in, 2);
    TensorType t = Elementwise.sameShapeAndType(displayName(), in);
    if (floatingOnly) {
      Elementwise.requireFloating(displayName(), t.dtype());
    } else {
      Elementwise.requireNumeric(displayName(), t.dtype());
    }
    return t;
  }

  @Override
  public CpuTensor evaluate(CpuTensor[] in, Params params, TensorType out) {
    return ElementwiseKernels.apply(renderJava(out.dtype(), "x0", "x1"), in, out);
  }

  static void requireArity(String op, TensorType[] in, int n) {
    if (in.length != n) {
      throw new IllegalArgumentException(op + " takes " + n + " operands, got " + in.length);
    }
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    return BatchRules.elementwise(this, args, dims, params, batchSize);
  }

  @Override
  public Tensor jvp(Tensor[] primals, Tensor[] tangents, Tensor output, Params params) {
    if (this == ADD || this == SUB) {
      Tensor tb = tangents[1] == null || this == ADD ? tangents[1] : tangents[1].neg();
      return Tangents.add(tangents[0], tb);
    }
    Tensor[] d = partials(primals[0], primals[1], output);
    Tensor ta = tangents[0] == null ? null : tangents[0].mul(d[0]);
    Tensor tb = tangents[1] == null ? null : tangents[1].mul(d[1]);
    return Tangents.add(ta, tb);
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor output, Tensor cotangent, Params params) {
    if (this == ADD) {
      return new Tensor[] {cotangent, cotangent};
    }
    if (this == SUB) {
      return new Tensor[] {cotangent, cotangent.neg()};
    }
    Tensor[] d = partials(primals[0], primals[1], output);
    return new Tensor[] {cotangent.mul(d[0]), cotangent.mul(d[1])};
  }
}
