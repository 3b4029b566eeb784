package org.vmap4j.prim;

import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.core.BatchRules;
import org.vmap4j.core.Batched;
import org.vmap4j.core.Params;
import org.vmap4j.core.SingleResultPrimitive;
import org.vmap4j.core.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.ElementwiseKernels;

/**
 * Element-wise arithmetic primitives of two operands of equal shape and dtype (broadcasting and
 * promotion happen in {@code Tensor} before these are bound).
 */
public enum Binary implements SingleResultPrimitive {
  ADD(false) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return "(" + a + " + " + b + ")";
    }
  },
  SUB(false) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return "(" + a + " - " + b + ")";
    }
  },
  MUL(false) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return "(" + a + " * " + b + ")";
    }
  },
  /** True division; floating only, so an integer quotient is never silently truncated. */
  DIV(true) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return "(" + a + " / " + b + ")";
    }
  },
  POW(true) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return Elementwise.math(t, "Math.pow(" + a + ", " + b + ")");
    }
  },
  /** Element-wise maximum; NaN if either operand is NaN. */
  MAX(false) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return "Math.max(" + a + ", " + b + ")";
    }
  },
  /** Element-wise minimum; NaN if either operand is NaN. */
  MIN(false) {
    @Override
    public String renderJava(DType t, String a, String b) {
      return "Math.min(" + a + ", " + b + ")";
    }
  };

  private final boolean floatingOnly;

  Binary(boolean floatingOnly) {
    this.floatingOnly = floatingOnly;
  }

  /** This operation as a Java expression of its operands, for element type {@code t}. */
  public abstract String renderJava(DType t, String a, String b);

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
}
