package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.vmap;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The seed's vmap cases, options, pytrees, closures and the errors that name the fix. */
class VmapTest {
  @Test
  void seedCase1BatchedDot() {
    int n = 64;
    int d = 5;
    Tensor x = Tensor.randomNormal(1, DType.F32, n, d);
    Tensor y = Tensor.randomNormal(2, DType.F32, n, d);
    BiFunction<Tensor, Tensor, Tensor> batchedDot = vmap(Tensor::dot);
    Tensor got = batchedDot.apply(x, y);
    assertThat(got.shape()).containsExactly(n);
    float[] g = got.toFloatArray();
    float[] xs = x.toFloatArray();
    float[] ys = y.toFloatArray();
    for (int i = 0; i < n; i++) {
      float want = 0;
      for (int j = 0; j < d; j++) {
        want += xs[i * d + j] * ys[i * d + j];
      }
      assertThat(g[i]).isCloseTo(want, org.assertj.core.api.Assertions.within(1e-5f));
    }
  }

  @Test
  void seedCase2ModelWrittenForOneExample() {
    Tensor weights = Tensor.randomNormal(3, DType.F64, 7);
    Function<Tensor, Tensor> model = x -> x.dot(weights).relu();
    Tensor examples = Tensor.randomNormal(4, DType.F64, 16, 7);
    Tensor batched = vmap(model).apply(examples);
    Tensor[] each = new Tensor[16];
    for (int b = 0; b < 16; b++) {
      each[b] = model.apply(examples.index(0, b));
    }
    assertThat(batched.allClose(Tensor.stack(0, each), 1e-12, 0)).isTrue();
  }

  record Example(Tensor features, Tensor label) {}

  @Test
  void recordArgumentsMapEveryLeafAndPerLeafDimsWork() {
    Tensor w = Tensor.randomNormal(5, DType.F64, 3);
    Function<Example, Tensor> loss = e -> e.features().dot(w).sub(e.label()).square();
    Example batch =
        new Example(Tensor.randomNormal(6, DType.F64, 4, 3), Tensor.randomNormal(7, DType.F64, 4));
    Tensor got = vmap(loss).apply(batch);
    Tensor want = batch.features().matmul(w).sub(batch.label()).square();
    assertThat(got.allClose(want, 1e-12, 0)).isTrue();

    // features mapped at dim 1, label at 0, given per record component by name
    Example transposed = new Example(batch.features().transpose(), batch.label());
    Tensor perLeaf = vmap(loss, InDims.tree(Map.of("features", 1, "label", 0))).apply(transposed);
    assertThat(perLeaf.allClose(want, 1e-12, 0)).isTrue();
  }

  @Test
  void outDimsAndPytreeResults() {
    Tensor x = Tensor.randomNormal(8, DType.F64, 4, 3);
    Function<Tensor, List<Tensor>> f = e -> List.of(e.mul(2), e.sum());
    List<Tensor> out = vmap(f, InDims.of(0), OutDims.of(1, 0)).apply(x);
    assertThat(out.get(0).shape()).containsExactly(3, 4);
    assertThat(out.get(0).allClose(x.transpose().mul(2), 0, 0)).isTrue();
    assertThat(out.get(1).allClose(x.sum(1), 1e-12, 0)).isTrue();
    // a result that does not depend on the input is broadcast, or returned as is for null
    Tensor c = Tensor.of(new double[] {1, 2});
    assertThat(vmap((Tensor e) -> c).apply(x).shape()).containsExactly(4, 2);
    assertThat(vmap((Tensor e) -> c, InDims.of(0), OutDims.of((Integer) null)).apply(x))
        .isSameAs(c);
  }

  @Test
  void closuresOverOuterTracedValues() {
    // the inner function captures y, which is traced by the outer vmap
    Tensor xs = Tensor.randomNormal(9, DType.F64, 3, 5);
    Tensor ys = Tensor.randomNormal(10, DType.F64, 4, 5);
    Function<Tensor, Tensor> outer = y -> vmap((Tensor x) -> x.dot(y)).apply(xs);
    Tensor got = vmap(outer).apply(ys);
    assertThat(got.shape()).containsExactly(4, 3);
    assertThat(got.allClose(ys.matmul(xs.transpose()), 1e-12, 0)).isTrue();
  }

  @Test
  void chunkingGivesTheSameResult() {
    Tensor x = Tensor.randomNormal(11, DType.F64, 10, 4);
    Function<Tensor, Tensor> f = e -> e.softmax(0).mul(e.sum());
    Tensor whole = vmap(f).apply(x);
    for (int chunk : new int[] {1, 3, 4, 10, 20}) {
      Tensor chunked = vmap(f, VmapOptions.defaults().chunkSize(chunk)).apply(x);
      assertThat(chunked.allClose(whole, 0, 0)).as("chunk %d", chunk).isTrue();
    }
  }

  @Test
  void randomnessModes() {
    Tensor x = Tensor.zeros(DType.F64, 6, 3);
    Function<Tensor, Tensor> noisy = e -> e.add(Tensor.randomNormal(42, DType.F64, 3));
    assertThatThrownBy(() -> vmap(noisy).apply(x))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("randomness=ERROR")
        .hasMessageContaining("Randomness.DIFFERENT")
        .hasMessageContaining("Randomness.SAME");

    Tensor same = vmap(noisy, VmapOptions.defaults().randomness(Randomness.SAME)).apply(x);
    Tensor single = Tensor.randomNormal(42, DType.F64, 3);
    for (int b = 0; b < 6; b++) {
      assertThat(same.index(0, b).allClose(single, 0, 0)).isTrue();
    }

    VmapOptions different = VmapOptions.defaults().randomness(Randomness.DIFFERENT);
    Tensor diff = vmap(noisy, different).apply(x);
    assertThat(diff.index(0, 0).allClose(diff.index(0, 1), 0, 0)).isFalse();
    // the batch draws exactly what one draw of shape [6, 3] would
    assertThat(diff.allClose(Tensor.randomNormal(42, DType.F64, 6, 3), 0, 0)).isTrue();
    // and chunking does not change it
    Tensor chunked = vmap(noisy, different.chunkSize(4)).apply(x);
    assertThat(chunked.allClose(diff, 0, 0)).isTrue();
  }

  @Test
  void axisSizeWhenNothingIsMapped() {
    Tensor c = Tensor.of(new double[] {1, 2});
    Function<Tensor, Tensor> f = e -> e.mul(3);
    Tensor out = vmap(f, VmapOptions.defaults().inDims((Integer) null).axisSize(5)).apply(c);
    assertThat(out.shape()).containsExactly(5, 2);
    assertThatThrownBy(() -> vmap(f, InDims.of((Integer) null)).apply(c))
        .hasMessageContaining("no input is mapped")
        .hasMessageContaining("axisSize");
  }

  @Test
  void errorsNameTheFix() {
    BiFunction<Tensor, Tensor, Tensor> dot = vmap(Tensor::dot);
    assertThatThrownBy(
            () -> dot.apply(Tensor.zeros(DType.F32, 3, 2), Tensor.zeros(DType.F32, 4, 2)))
        .hasMessageContaining("argument 0 f32[3,2] has size 3 at dim 0")
        .hasMessageContaining("argument 1 f32[4,2] has size 4 at dim 0");
    assertThatThrownBy(
            () ->
                vmap(Tensor::dot, InDims.of(2, 0))
                    .apply(Tensor.zeros(DType.F32, 3, 2), Tensor.zeros(DType.F32, 3, 2)))
        .hasMessageContaining("in_dim 2 is out of range for argument 0");
    assertThatThrownBy(
            () ->
                vmap(Tensor::dot, InDims.of(0))
                    .apply(Tensor.zeros(DType.F32, 3, 2), Tensor.zeros(DType.F32, 3, 2)))
        .hasMessageContaining("InDims has 1 entries but the function takes 2 arguments");
    Function<Tensor, Tensor> branchy = e -> e.sum().item() > 0 ? e : e.neg();
    assertThatThrownBy(() -> vmap(branchy).apply(Tensor.ones(DType.F32, 2, 2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("item()")
        .hasMessageContaining("vmap")
        .hasMessageContaining("Tensor.where");
    Function<Tensor, Tensor> reading = e -> Tensor.of(e.toDoubleArray());
    assertThatThrownBy(() -> vmap(reading).apply(Tensor.ones(DType.F32, 2, 2)))
        .hasMessageContaining("toDoubleArray()")
        .hasMessageContaining("vmap");
  }

  @Test
  void theExampleShapeIsWhatTheFunctionSees() {
    Tensor x = Tensor.zeros(DType.F32, 7, 2, 3);
    int[][] seen = new int[1][];
    vmap(
            (Tensor e) -> {
              seen[0] = e.shape();
              return e;
            },
            InDims.of(1))
        .apply(x);
    assertThat(seen[0]).containsExactly(7, 3);
  }
}
