package org.vmap4j.control;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;

/** Bad uses of cond, whileLoop and scan fail with messages that name what was wrong. */
class ControlFlowErrorsTest {
  private final Tensor x = Tensor.of(new double[] {1, 2, 3}, 3);

  @Test
  void branchesWithDifferentStructures() {
    assertThatThrownBy(
            () ->
                Func.cond(
                    x.sum().gt(0),
                    (Tensor a) -> (Object) List.of(a, a),
                    (Tensor a) -> (Object) a,
                    x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cond: the true branch returns the structure")
        .hasMessageContaining("same pytree structure");
  }

  @Test
  void branchesWithDifferentDtypesOrShapes() {
    assertThatThrownBy(
            () -> Func.cond(x.sum().gt(0), (Tensor a) -> a, (Tensor a) -> a.astype(DType.F32), x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("result leaf 0 is f64[3] in the true branch but f32[3]");
    assertThatThrownBy(() -> Func.cond(x.sum().gt(0), (Tensor a) -> a, (Tensor a) -> a.sum(), x))
        .hasMessageContaining("f64[3] in the true branch but f64[] in the false branch");
  }

  @Test
  void aNonScalarOrNonBooleanPredicate() {
    assertThatThrownBy(() -> Func.cond(x.gt(0), (Tensor a) -> a, (Tensor a) -> a, x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the predicate must be a 0-d BOOL tensor, got bool[3]");
    assertThatThrownBy(() -> Func.cond(x.sum(), (Tensor a) -> a, (Tensor a) -> a, x))
        .hasMessageContaining("the predicate must be a 0-d BOOL tensor, got f64[]");
    assertThatThrownBy(() -> Func.whileLoop((Tensor a) -> a.lt(10), (Tensor a) -> a.mul(2), x))
        .hasMessageContaining("whileLoop: the condition must return a 0-d BOOL tensor")
        .hasMessageContaining("bool[3]");
  }

  @Test
  void reverseModeThroughWhileLoopNamesScan() {
    assertThatThrownBy(
            () ->
                Func.grad(
                        (Tensor a) ->
                            Func.whileLoop((Tensor c) -> c.sum().lt(100), (Tensor c) -> c.mul(2), a)
                                .sum())
                    .apply(x))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("reverse-mode")
        .hasMessageContaining("Func.scan with a fixed length")
        .hasMessageContaining("customVjp");
  }

  @Test
  void aCarryThatChangesTypeOrStructure() {
    assertThatThrownBy(
            () ->
                Func.whileLoop((Tensor c) -> c.sum().lt(100), (Tensor c) -> c.astype(DType.F32), x))
        .hasMessageContaining(
            "whileLoop: the body returns carry leaf 0 as f32[3] but it starts as f64[3]");
    assertThatThrownBy(
            () ->
                Func.scan(
                    (Tensor c, Tensor xt) -> new ScanStep<>(c.sum(), xt),
                    x,
                    Tensor.ones(DType.F64, 4)))
        .hasMessageContaining(
            "scan: the step function returns carry leaf 0 as f64[] but it starts as f64[3]");
  }

  @Test
  void scanLengthsThatDisagree() {
    assertThatThrownBy(
            () ->
                Func.scan(
                    (Tensor c, List<Tensor> xt) -> new ScanStep<>(c, xt.get(0)),
                    x,
                    List.of(Tensor.ones(DType.F64, 4, 3), Tensor.ones(DType.F64, 5, 3))))
        .hasMessageContaining("scan: xs leaf 1 is f64[5,3] but the scan has length 4");
    assertThatThrownBy(() -> Func.scan((Tensor c, Object none) -> new ScanStep<>(c, c), x, null))
        .hasMessageContaining("length(n)");
    assertThatThrownBy(
            () ->
                Func.scan(
                    (Tensor c, Tensor xt) -> new ScanStep<>(c, c),
                    x,
                    Tensor.ones(DType.F64, 4),
                    ScanOptions.defaults().length(3)))
        .hasMessageContaining("scan: xs leaf 0 is f64[4] but the scan has length 3");
  }
}
