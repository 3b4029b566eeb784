package org.vmap4j.nn;

import static org.vmap4j.Func.grad;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Attention layers beyond the conformance model, against PyTorch 1.13 + functorch in F64: the
 * pre-norm encoder layer ({@code normFirst}, PyTorch's {@code norm_first=True}) with 4 heads and a
 * padding mask, and multi-head attention of a query sequence to another key/value sequence; the
 * output and the gradient of its sum of squares with respect to every parameter.
 */
class AttentionLayersConformanceTest {
  @Test
  void outputAndParameterGradientsEqualPyTorchs() {
    Map<String, Tensor> f = Fixtures.load("prenorm.safetensors");
    Map<String, Tensor> stateDict = new LinkedHashMap<>();
    f.forEach(
        (k, v) -> {
          if (k.startsWith("param.")) {
            stateDict.put(k.substring("param.".length()), v);
          }
        });
    TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 4, 12, 1e-5, true);
    TransformerEncoderLayer.Params p = StateDict.load(layer.init(0, DType.F64), stateDict);
    Tensor x = f.get("x");
    Tensor pad = f.get("pad");
    Fixtures.assertClose(layer.apply(p, x, pad), f.get("y"), 1e-9, "output");
    TransformerEncoderLayer.Params g =
        grad((TransformerEncoderLayer.Params q) -> layer.apply(q, x, pad).square().sum()).apply(p);
    StateDict.of(g)
        .forEach((name, t) -> Fixtures.assertClose(t, f.get("grad." + name), 1e-9, "grad." + name));
  }

  /** nn.MultiheadAttention(query, key, value, key_padding_mask): a query attending elsewhere. */
  @Test
  void crossAttentionEqualsPyTorchs() {
    Map<String, Tensor> f = Fixtures.load("cross_attention.safetensors");
    Map<String, Tensor> stateDict = new LinkedHashMap<>();
    f.forEach(
        (k, v) -> {
          if (k.startsWith("param.")) {
            stateDict.put(k.substring("param.".length()), v);
          }
        });
    MultiHeadAttention mha = new MultiHeadAttention(8, 2);
    MultiHeadAttention.Params p = StateDict.load(mha.init(0, DType.F64), stateDict);
    Tensor q = f.get("query");
    Tensor k = f.get("key");
    Tensor v = f.get("value");
    Tensor pad = f.get("pad");
    Fixtures.assertClose(mha.apply(p, q, k, v, pad), f.get("y"), 1e-9, "output");
    MultiHeadAttention.Params g =
        grad((MultiHeadAttention.Params w) -> mha.apply(w, q, k, v, pad).square().sum()).apply(p);
    StateDict.of(g)
        .forEach((name, t) -> Fixtures.assertClose(t, f.get("grad." + name), 1e-9, "grad." + name));
    // self-attention is the packed special case
    Fixtures.assertClose(mha.apply(p, k, null), mha.apply(p, k, k, k, null), 1e-12, "self");
  }
}
