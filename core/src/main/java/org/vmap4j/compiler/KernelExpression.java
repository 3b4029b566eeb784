package org.vmap4j.compiler;

import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.core.Params;
import org.vmap4j.core.Primitive;
import org.vmap4j.cpu.Storage;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.Compare;
import org.vmap4j.prim.Convert;
import org.vmap4j.prim.Select;
import org.vmap4j.prim.Unary;

/**
 * The loop-level description of a fused kernel's body, rendered as Java: one temporary per fused
 * equation, computed from the kernel's inputs ({@code x0, x1, ...}) and earlier temporaries. The
 * structure (which primitive, which operands, which dtype) does not depend on Java; a PTX renderer
 * for the GPU walks the same steps.
 */
public final class KernelExpression {
  private KernelExpression() {}

  /**
   * One temporary: {@code name = primitive[params](operands)} of {@code dtype}; operands name
   * kernel inputs ({@code x0, x1, ...}) or earlier temporaries ({@code t0, t1, ...}).
   */
  public record Temp(
      String name,
      Primitive primitive,
      Params params,
      DType dtype,
      List<String> operands,
      List<DType> operandTypes) {}

  public static boolean isElementwise(Primitive p) {
    return p instanceof Unary
        || p instanceof Binary
        || p instanceof Compare
        || p == Select.SELECT
        || p == Convert.CONVERT;
  }

  /** Java statements declaring each temporary, in order. */
  static String javaStatements(List<Temp> temps) {
    StringBuilder sb = new StringBuilder();
    for (Temp t : temps) {
      sb.append("      final ")
          .append(Storage.javaType(t.dtype()))
          .append(' ')
          .append(t.name())
          .append(" = ")
          .append(javaExpression(t))
          .append(";\n");
    }
    return sb.toString();
  }

  static String javaExpression(Temp t) {
    List<String> a = t.operands();
    Primitive p = t.primitive();
    if (p instanceof Unary u) {
      return u.renderJava(t.dtype(), a.get(0));
    }
    if (p instanceof Binary b) {
      return b.renderJava(t.dtype(), a.get(0), a.get(1));
    }
    if (p instanceof Compare c) {
      return c.renderJava(a.get(0), a.get(1));
    }
    if (p == Select.SELECT) {
      return "(" + a.get(0) + " ? " + a.get(1) + " : " + a.get(2) + ")";
    }
    return Convert.renderJava(t.operandTypes().get(0), t.dtype(), a.get(0));
  }
}
