package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.cpu.JavaScalarOps;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.Compare;
import org.vmap4j.prim.Convert;
import org.vmap4j.prim.Primitives;
import org.vmap4j.prim.Select;
import org.vmap4j.prim.Unary;

/**
 * The registry's invariants: every element-wise primitive names one scalar operation of the right
 * arity, no two name the same one, and the CPU's table has a row for each (the CPU must run every
 * step another backend declines).
 */
class LoweringRegistryTest {

  /** Each element-wise primitive with the number of operands it takes. */
  private static Map<ScalarPrimitive, Integer> elementwisePrimitives() {
    Map<ScalarPrimitive, Integer> out = new java.util.LinkedHashMap<>();
    for (Unary u : Unary.values()) {
      out.put(u, 1);
    }
    for (Binary b : Binary.values()) {
      out.put(b, 2);
    }
    for (Compare c : Compare.values()) {
      out.put(c, 2);
    }
    out.put(Select.SELECT, 3);
    out.put(Convert.CONVERT, 1);
    return out;
  }

  @Test
  void everyElementwisePrimitiveNamesItsOwnScalarOperationOfItsArity() {
    Map<ScalarOp, ScalarPrimitive> byOp = new EnumMap<>(ScalarOp.class);
    elementwisePrimitives()
        .forEach(
            (p, arity) -> {
              ScalarOp op = p.scalarOp();
              assertThat(op.arity()).as("arity of %s's %s", p, op).isEqualTo(arity);
              assertThat(byOp.put(op, p)).as("%s is named twice", op).isNull();
            });
    // an operation no primitive names would be a row nobody renders
    assertThat(byOp.keySet()).containsExactlyInAnyOrder(ScalarOp.values());
    // and a new family of element-wise primitives must join the list above
    assertThat(Primitives.all())
        .filteredOn(p -> p instanceof ScalarPrimitive)
        .containsExactlyInAnyOrderElementsOf(
            byOp.values().stream().map(p -> (Primitive) p).toList());
  }

  @Test
  void theCpuTableHasARowForEveryScalarOperation() {
    assertThat(JavaScalarOps.TABLE.missing()).isEmpty();
  }

  @Test
  void aMissingRowIsAReasonNotAnException() {
    ScalarOpTable<String> partial =
        ScalarOpTable.<String>builder("test").add(ScalarOp.ADD, "add").build();
    assertThat(partial.missing(ScalarOp.ADD)).isNull();
    assertThat(partial.missing(ScalarOp.EXP))
        .isEqualTo("the test backend has no renderer for scalar operation EXP");
    assertThat(partial.missing()).hasSize(ScalarOp.values().length - 1);
    assertThatThrownBy(
            () -> ScalarOpTable.<String>builder("t").add(ScalarOp.ADD, "a").add(ScalarOp.ADD, "b"))
        .hasMessageContaining("two rows for scalar operation ADD");
  }

  @Test
  void aStepWithTheWrongNumberOfOperandsIsRefusedNamingTheOperation() {
    assertThatThrownBy(
            () -> new ScalarStep("t0", ScalarOp.ADD, DType.F32, List.of("x0"), List.of(DType.F32)))
        .hasMessageContaining("ADD takes 2 operands");
  }

  @Test
  void monoidsCombineByTheirScalarOperation() {
    assertThat(Monoid.SUM.combine()).isEqualTo(ScalarOp.ADD);
    assertThat(Monoid.MAX.combine()).isEqualTo(ScalarOp.MAX);
    assertThat(Monoid.MIN.combine()).isEqualTo(ScalarOp.MIN);
    // integer identities are the double identities cast as Java casts
    assertThat((int) Monoid.MAX.identity()).isEqualTo(Integer.MIN_VALUE);
    assertThat((long) Monoid.MIN.identity()).isEqualTo(Long.MAX_VALUE);
  }
}
