package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.vmap;

import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * The logistic loss of docs/spark.md's {@code PerSampleGradients} snippet (copied verbatim) has the
 * closed-form per-row gradient {@code (sigmoid(z) - y) x} (and {@code sigmoid(z) - y} for b), also
 * at z = 0, where zero-initialised parameters put every row. A loss written with kinks there
 * ({@code relu(z) + log1p(exp(-|z|))}) gets {@code -y x} from autodiff's conventions instead.
 */
class DocsLogisticLossTest {
  record Params(Tensor w, Tensor b) {}

  // as in docs/spark.md
  static final SerializableBiFunction<Params, Map<String, Tensor>, Tensor> LOSS =
      (p, row) -> {
        Tensor z = row.get("features").dot(p.w()).add(p.b());
        // softplus(z) - y z, softplus(z) = log(e^0 + e^z) as a logSumExp: smooth and stable
        return Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(row.get("label").mul(z));
      };

  private static void assertClosedForm(Params p, Tensor features, Tensor labels) {
    BiFunction<Params, Map<String, Tensor>, Params> perRow =
        vmap(grad(LOSS::apply), InDims.of(null, 0));
    Params g = perRow.apply(p, Map.of("features", features, "label", labels));
    Tensor residual = features.matmul(p.w()).add(p.b()).sigmoid().sub(labels);
    assertThat(g.w().allClose(residual.unsqueeze(1).mul(features), 1e-12, 1e-12))
        .as("grad w %s", g.w())
        .isTrue();
    assertThat(g.b().allClose(residual, 1e-12, 1e-12)).as("grad b %s", g.b()).isTrue();
  }

  @Test
  void gradientIsTheClosedFormAtZeroInitialisedParameters() {
    Tensor features = Tensor.of(new double[] {1, 2, -1, 0.5, 3, -2, 0, 1, 4}, 3, 3);
    Tensor labels = Tensor.of(new double[] {1, 0, 1}, 3);
    Params zero = new Params(Tensor.of(new double[3], 3), Tensor.scalar(0.0));
    assertClosedForm(zero, features, labels);
    // and away from 0, large logits of both signs included (the form is stable)
    Params far = new Params(Tensor.of(new double[] {40, -300, 2}, 3), Tensor.scalar(0.25));
    assertClosedForm(far, features, labels);
  }
}
