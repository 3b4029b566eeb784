package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Errors name where they happened: inside vmap, which leaf, which dtype to convert to. */
class ErrorMessagesTest {
  record Example(Tensor x, Tensor w) {}

  @Test
  void shapeErrorsInsideVmapGivePerExampleAndBatchedShapes() {
    BiFunction<Tensor, Tensor, Tensor> add = vmap(Tensor::add);
    assertThatThrownBy(
            () -> add.apply(Tensor.zeros(DType.F64, 7, 4), Tensor.zeros(DType.F64, 7, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "inside vmap (batch 7, in_dims 0): add: per-example shapes [4] and [3] cannot be"
                + " broadcast together")
        .hasMessageContaining("argument 0 f64[7,4], argument 1 f64[7,3]");
    // unmapped arguments and InDims are described as given
    BiFunction<Tensor, Tensor, Tensor> mixed = vmap(Tensor::mul, InDims.of(null, 1));
    assertThatThrownBy(() -> mixed.apply(Tensor.zeros(DType.F64, 2), Tensor.zeros(DType.F64, 3, 5)))
        .hasMessageStartingWith(
            "inside vmap (batch 5, in_dims (null, 1)): mul: per-example shapes [2] and [3]")
        .hasMessageContaining("argument 0 f64[2] (not mapped), argument 1 f64[3,5]");
    // outside vmap the shapes are just shapes
    assertThatThrownBy(() -> Tensor.zeros(DType.F64, 4).add(Tensor.zeros(DType.F64, 3)))
        .hasMessage("add: shapes [4] and [3] cannot be broadcast together");
  }

  @Test
  void batchSizeMismatchInsideOneRecordNamesEachLeaf() {
    Function<Example, Tensor> f = vmap((Example e) -> e.x().dot(e.w()));
    assertThatThrownBy(
            () ->
                f.apply(new Example(Tensor.zeros(DType.F64, 7, 4), Tensor.zeros(DType.F64, 5, 4))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("argument 0 .x f64[7,4] has size 7 at dim 0")
        .hasMessageContaining("argument 0 .w f64[5,4] has size 5 at dim 0");
  }

  @Test
  void meanOfAnIntegerTensorSuggestsTheFloatingDtypeInUse() {
    Function<Tensor, Tensor> countMean = x -> x.sum().add(x.gt(0).astype(DType.I64).mean());
    assertThatThrownBy(() -> grad(countMean).apply(Tensor.zeros(DType.F64, 3)))
        .hasMessageContaining("mean needs a floating tensor, got i64[3]")
        .hasMessageContaining("astype(DType.F64)")
        .hasMessageNotContaining("F32");
    assertThatThrownBy(() -> jit(countMean).apply(Tensor.zeros(DType.F32, 3)))
        .hasMessageContaining("astype(DType.F32)")
        .hasMessageNotContaining("F64");
    assertThatThrownBy(() -> vmap(countMean).apply(Tensor.zeros(DType.F64, 2, 3)))
        .hasMessageContaining("astype(DType.F64)")
        .hasMessageNotContaining("F32");
    // eager code has no computation to take the dtype from: both are offered
    assertThatThrownBy(() -> Tensor.of(new int[] {1, 2}, 2).mean())
        .hasMessageContaining("astype(DType.F64) or astype(DType.F32)");
  }
}
