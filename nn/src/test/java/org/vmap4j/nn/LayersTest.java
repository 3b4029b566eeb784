package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.vmap;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Randomness;
import org.vmap4j.Tensor;
import org.vmap4j.VmapOptions;

/** Layers, initializers, state-dict names and loading, dropout and batch-norm's vmap rule. */
class LayersTest {
  @Test
  void stateDictNamesArePyTorchs() {
    TransformerEncoderLayer.Params p = new TransformerEncoderLayer(4, 2, 6).init(0, DType.F64);
    assertThat(StateDict.names(p))
        .containsExactly(
            "self_attn.in_proj_weight",
            "self_attn.in_proj_bias",
            "self_attn.out_proj.weight",
            "self_attn.out_proj.bias",
            "linear1.weight",
            "linear1.bias",
            "linear2.weight",
            "linear2.bias",
            "norm1.weight",
            "norm1.bias",
            "norm2.weight",
            "norm2.bias");
    Sequential mlp =
        Sequential.of(new Linear(3, 5), Sequential.function(Functional::relu), new Linear(5, 2));
    assertThat(StateDict.names(mlp.init(1, DType.F32)))
        .containsExactly("0.weight", "0.bias", "2.weight", "2.bias");
  }

  record Stack(List<Linear.Params> layers, LayerNorm.Params finalNorm) {}

  @Test
  void listsInRecordsAreNumbered() {
    Stack s =
        new Stack(
            List.of(
                new Linear(2, 3).init(0, DType.F64), new Linear(3, 3, false).init(1, DType.F64)),
            new LayerNorm(3).init(2, DType.F64));
    assertThat(StateDict.names(s))
        .containsExactly(
            "layers.0.weight",
            "layers.0.bias",
            "layers.1.weight",
            "final_norm.weight",
            "final_norm.bias");
    Map<String, Tensor> sd = new HashMap<>(StateDict.of(s));
    sd.put("layers.1.weight", Tensor.ones(DType.F64, 3, 3));
    assertThat(StateDict.load(s, sd).layers().get(1).weight().sum().item()).isEqualTo(9.0);
  }

  @Test
  void loadingAStateDictChecksEveryKey() {
    Sequential mlp =
        Sequential.of(new Linear(3, 5), Sequential.function(Functional::relu), new Linear(5, 2));
    List<Object> template = mlp.init(1, DType.F64);
    Map<String, Tensor> sd = new HashMap<>(StateDict.of(mlp.init(2, DType.F32)));
    List<Object> loaded = StateDict.load(template, sd);
    assertThat(StateDict.of(loaded).get("2.bias").toDoubleArray())
        .containsExactly(sd.get("2.bias").astype(DType.F64).toDoubleArray());
    assertThat(StateDict.of(loaded).get("0.weight").dtype()).isEqualTo(DType.F64);

    sd.remove("0.bias");
    sd.put("2.weight", Tensor.zeros(DType.F32, 2, 4));
    sd.put("3.weight", Tensor.zeros(DType.F32, 1));
    assertThatThrownBy(() -> StateDict.load(template, sd))
        .hasMessageContaining("missing key \"0.bias\" (expected shape [5])")
        .hasMessageContaining("key \"2.weight\": expected shape [2, 5], found [2, 4]")
        .hasMessageContaining("unexpected key \"3.weight\" (shape [1])");
  }

  @Test
  void gradReturnsTheSameRecordAndSequentialComposes() {
    Sequential mlp =
        Sequential.of(new Linear(3, 4), Sequential.function(Functional::gelu), new Linear(4, 1));
    List<Object> params = mlp.init(7, DType.F64);
    Tensor x = Tensor.randomNormal(8, DType.F64, 3);
    List<Object> g = grad((List<Object> p) -> mlp.apply(p, x).sum()).apply(params);
    assertThat(g.get(0)).isInstanceOf(Linear.Params.class);
    assertThat(g.get(1)).isNull();
    // d/db of the output layer is 1
    assertThat(((Linear.Params) g.get(2)).bias().toDoubleArray()).containsExactly(1.0);
    // the first layer's bias gradient by the chain rule, written out
    Linear.Params l0 = (Linear.Params) params.get(0);
    Linear.Params l2 = (Linear.Params) params.get(2);
    Tensor z = l0.weight().matmul(x).add(l0.bias());
    Tensor geluPrime =
        z.mul(0.5 / Math.sqrt(Math.PI / 2))
            .mul(z.square().mul(-0.5).exp())
            .add(z.div(Math.sqrt(2)).erf().add(1).mul(0.5));
    Fixtures.assertClose(
        ((Linear.Params) g.get(0)).bias(),
        l2.weight().reshape(4).mul(geluPrime),
        1e-12,
        "bias grad");
  }

  @Test
  void initializersAreSeededAndScaledByTheirFans() {
    Tensor a = Init.kaimingUniform(3, DType.F64, 200, 50, 3, 3);
    assertThat(a.toDoubleArray())
        .isEqualTo(Init.kaimingUniform(3, DType.F64, 200, 50, 3, 3).toDoubleArray());
    assertThat(a.toDoubleArray())
        .isNotEqualTo(Init.kaimingUniform(4, DType.F64, 200, 50, 3, 3).toDoubleArray());
    double bound = Math.sqrt(6.0 / (50 * 9));
    assertThat(a.abs().max().item()).isLessThanOrEqualTo(bound).isGreaterThan(0.99 * bound);
    // variances: uniform b²/3, normal as given; 90,000 draws: within a few percent
    assertThat(a.square().mean().item())
        .isCloseTo(bound * bound / 3, org.assertj.core.data.Percentage.withPercentage(3));
    Tensor n = Init.kaimingNormal(5, DType.F64, 300, 300);
    assertThat(n.square().mean().item())
        .isCloseTo(2.0 / 300, org.assertj.core.data.Percentage.withPercentage(3));
    Tensor xu = Init.xavierUniform(6, DType.F64, 100, 500);
    assertThat(xu.square().mean().item())
        .isCloseTo(2.0 / 600, org.assertj.core.data.Percentage.withPercentage(3));
    Tensor xn = Init.xavierNormal(6, DType.F32, 400, 200);
    assertThat(xn.dtype()).isEqualTo(DType.F32);
    assertThat(xn.square().mean().item())
        .isCloseTo(2.0 / 600, org.assertj.core.data.Percentage.withPercentage(3));
    assertThatThrownBy(() -> Init.kaimingUniform(1, DType.F64, 5)).hasMessageContaining("[5]");
  }

  @Test
  void dropoutKeepsOneMinusPAndScales() {
    Tensor x = Tensor.ones(DType.F64, 100_000);
    Tensor y = Functional.dropout(x, 0.3, true, 42);
    double[] v = y.toDoubleArray();
    long kept = 0;
    for (double e : v) {
      assertThat(e == 0 || Math.abs(e - 1 / 0.7) < 1e-12).isTrue();
      kept += e == 0 ? 0 : 1;
    }
    assertThat(kept / 100_000.0).isCloseTo(0.7, org.assertj.core.data.Offset.offset(0.01));
    assertThat(Functional.dropout(x, 0.3, false)).isSameAs(x);
    assertThatThrownBy(() -> Functional.dropout(x, 0.3, true))
        .hasMessageContaining("dropout(x, p, training, seed)");
  }

  @Test
  void dropoutUnderVmapFollowsTheRandomnessOption() {
    Tensor x = Tensor.ones(DType.F64, 4, 50);
    var f = (java.util.function.Function<Tensor, Tensor>) e -> Functional.dropout(e, 0.5, true, 9);
    assertThatThrownBy(() -> vmap(f).apply(x)).hasMessageContaining("andomness");
    Tensor same = vmap(f, VmapOptions.defaults().randomness(Randomness.SAME)).apply(x);
    for (int b = 1; b < 4; b++) {
      assertThat(same.index(0, b).toDoubleArray()).isEqualTo(same.index(0, 0).toDoubleArray());
    }
    // DIFFERENT: the batch draws what one draw over the whole batch would
    Tensor different = vmap(f, VmapOptions.defaults().randomness(Randomness.DIFFERENT)).apply(x);
    assertThat(different.toDoubleArray())
        .isEqualTo(Functional.dropout(x, 0.5, true, 9).toDoubleArray());
    assertThat(different.index(0, 1).toDoubleArray())
        .isNotEqualTo(different.index(0, 0).toDoubleArray());
  }

  @Test
  void trainingModeBatchNormUnderVmapIsAnErrorNamingTheAlternatives() {
    Tensor x = Tensor.randomNormal(1, DType.F64, 3, 1, 2, 4);
    Tensor ones = Tensor.ones(DType.F64, 2);
    var f =
        (java.util.function.Function<Tensor, Tensor>)
            e -> Functional.batchNorm(e, null, null, ones, ones, true, 0.1, 1e-5);
    assertThatThrownBy(() -> vmap(f).apply(x))
        .hasMessageContaining("under vmap")
        .hasMessageContaining("groupNorm")
        .hasMessageContaining("evaluation mode");
    // outside vmap, training mode uses the batch's statistics (checked against PyTorch in
    // FunctionalConformanceTest); evaluation mode works under vmap
    var eval =
        (java.util.function.Function<Tensor, Tensor>)
            e -> Functional.batchNorm(e, Tensor.zeros(DType.F64, 2), ones, null, null, 0);
    assertThat(vmap(eval).apply(x).shape()).containsExactly(3, 1, 2, 4);
  }

  @Test
  void perSampleGradientsOfAnAttentionLayerUnderVmap() {
    MultiHeadAttention mha = new MultiHeadAttention(4, 2);
    MultiHeadAttention.Params p = mha.init(3, DType.F64);
    Tensor xs = Tensor.randomNormal(4, DType.F64, 3, 5, 4);
    java.util.function.BiFunction<MultiHeadAttention.Params, Tensor, Tensor> loss =
        (q, x) -> mha.apply(q, x).square().sum();
    MultiHeadAttention.Params perSample = vmap(grad(loss), InDims.of(null, 0)).apply(p, xs);
    for (int b = 0; b < 3; b++) {
      MultiHeadAttention.Params one = grad(loss).apply(p, xs.index(0, b));
      Fixtures.assertClose(
          perSample.inProjWeight().index(0, b), one.inProjWeight(), 1e-12, "example " + b);
      Fixtures.assertClose(
          perSample.outProj().bias().index(0, b), one.outProj().bias(), 1e-12, "example " + b);
    }
  }
}
