package org.vmap4j.nn;

import static org.vmap4j.Func.grad;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * The pre-norm arrangement ({@code normFirst}, PyTorch's {@code norm_first=True}) of one encoder
 * layer with 4 heads and a padding mask, against PyTorch 1.13 + functorch in F64: output and the
 * gradient of its sum of squares with respect to every parameter.
 */
class PreNormConformanceTest {
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
}
