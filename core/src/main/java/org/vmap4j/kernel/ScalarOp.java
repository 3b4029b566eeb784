package org.vmap4j.kernel;

/**
 * The scalar operations a kernel computes per element: the vocabulary shared by every element-wise
 * primitive (which names its operation through {@link ScalarPrimitive}), every fused kernel (a
 * graph of {@link ScalarStep}s) and every reduction ({@link Monoid#combine()}). Backends render
 * each operation through their own table ({@link ScalarOpTable}): the CPU's Java expressions, the
 * GPU's PTX instructions. The semantics every row must implement are Java's (IEEE 754 for floats,
 * two's complement wrap-around for integers, {@code java.lang.Math} for the functions); the
 * renderers' comments say where a backend's accuracy differs.
 *
 * <p>A new element-wise primitive with a new operation adds one constant here and one row to each
 * renderer table; see docs/design.md, "Adding an element-wise primitive".
 */
public enum ScalarOp {
  // one operand; the result has the operand's dtype
  NEG(1),
  ABS(1),
  SIGN(1),
  EXP(1),
  LOG(1),
  LOG1P(1),
  EXPM1(1),
  SIN(1),
  COS(1),
  TANH(1),
  LOGISTIC(1),
  SQRT(1),
  RSQRT(1),
  /** The error function, as {@code org.vmap4j.prim.ErrorFunction.erf}. */
  ERF(1),
  // two operands of one dtype; the result has it too
  ADD(2),
  SUB(2),
  MUL(2),
  DIV(2),
  POW(2),
  /** NaN if either operand is NaN, as {@code Math.max}. */
  MAX(2),
  /** NaN if either operand is NaN, as {@code Math.min}. */
  MIN(2),
  // two operands of one dtype; the result is BOOL (with NaN, only NE is true, as in Java)
  LT(2),
  LE(2),
  GT(2),
  GE(2),
  EQ(2),
  NE(2),
  /** {@code (x0 ? x1 : x2)}: x0 is BOOL, x1 and x2 have the result's dtype. */
  SELECT(3),
  /** The operand cast to the result's dtype as Java casts (to BOOL: "not zero"; NaN to 0). */
  CONVERT(1);

  private final int arity;

  ScalarOp(int arity) {
    this.arity = arity;
  }

  /** How many operands the operation takes. */
  public int arity() {
    return arity;
  }
}
