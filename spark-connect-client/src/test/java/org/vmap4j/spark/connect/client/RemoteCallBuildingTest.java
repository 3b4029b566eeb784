package org.vmap4j.spark.connect.client;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.apache.spark.connect.proto.Expression;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.connect.ProtoColumnNode;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.remote.RemoteCall;

/**
 * What the client puts in a Column, without a server: the extension's type URL, and a payload whose
 * program computes the function (checked against the function itself and a closed form), with the
 * classic connector's argument and output names.
 */
class RemoteCallBuildingTest {
  record Params(Tensor w, Tensor b) {}

  private static RemoteCall payload(Column c) {
    assertThat(c.node()).isInstanceOf(ProtoColumnNode.class);
    Expression e = ((ProtoColumnNode) c.node()).expr();
    assertThat(e.hasExtension()).isTrue();
    assertThat(e.getExtension().getTypeUrl()).isEqualTo(RemoteCall.TYPE_URL);
    return RemoteCall.fromBytes(e.getExtension().getValue().toByteArray());
  }

  @Test
  void columnCarriesTheTracedProgramAndItsArguments() {
    double[] w = {0.5, -1, 2};
    Column c =
        VmapFunctions.vmapUdf((Tensor x) -> x.dot(Tensor.of(w)).tanh())
            .shape("x", 3)
            .apply(col("features"));
    RemoteCall call = payload(c);
    assertThat(call.kind()).isEqualTo(RemoteCall.Kind.VMAP_UDF);
    // one argument, one shape declared by name: the function's own name for it (as classic)
    assertThat(call.argumentNames()).containsExactly("features");
    assertThat(call.argumentShapes().get(0)).containsExactly(3);
    assertThat(call.outputNames()).containsExactly("output");
    assertThat(call.argumentExpressions()).hasSize(1);

    Program p = ProgramSerializer.fromBytes(call.program());
    double[] x = {0.1, 0.2, -0.3};
    double got = p.evaluate(List.of(Tensor.of(x))).get(0).item();
    assertThat(got)
        .isCloseTo(Math.tanh(0.05 - 0.2 - 0.6), org.assertj.core.data.Offset.offset(1e-15));
    assertThat(ProgramSerializer.fromBytes(call.constants()).evaluate(List.of())).isEmpty();
  }

  @Test
  void constantsTravelAsAProgramOfNoInputs() {
    Tensor weights = Tensor.of(new double[] {1, 2, 3});
    RemoteCall call =
        payload(
            VmapFunctions.vmapUdf((Tensor c, Tensor x) -> x.mul(c).sum())
                .constants(weights)
                .shape(0, 3)
                .apply(col("x")));
    List<Tensor> constants = ProgramSerializer.fromBytes(call.constants()).evaluate(List.of());
    assertThat(constants).hasSize(1);
    assertThat(constants.get(0).toDoubleArray()).containsExactly(1, 2, 3);
    Program p = ProgramSerializer.fromBytes(call.program());
    assertThat(p.inputs()).hasSize(2); // the constant's leaf, then the argument
    double got = p.evaluate(List.of(weights, Tensor.of(new double[] {1, 1, 1}))).get(0).item();
    assertThat(got).isEqualTo(6.0);
  }

  @Test
  void outputNamesFollowTheClassicRule() {
    RemoteCall call =
        payload(
            VmapFunctions.vmapUdf((Tensor x) -> Map.of("total", x.sum(), "doubled", x.mul(2)))
                .shape(0, 2)
                .apply(col("x")));
    assertThat(call.outputNames()).containsExactly("doubled", "total"); // a map's keys, sorted
    RemoteCall listed =
        payload(
            VmapFunctions.vmapUdf((Tensor x) -> List.of(x.sum(), x.max()))
                .shape(0, 2)
                .outputPrefix("p")
                .apply(col("x")));
    assertThat(listed.outputNames()).containsExactly("p_0", "p_1");
  }

  @Test
  void severalColumnsAreAMapByName() {
    RemoteCall call =
        payload(
            VmapFunctions.vmapUdf((Map<String, Tensor> row) -> row.get("b").sub(row.get("a")).sum())
                .shape("a", 2)
                .dtype(1, DType.F32)
                .shape("b", 2)
                .apply(col("a"), col("b").alias("b")));
    assertThat(call.argumentNames()).containsExactly("a", "b");
    Program p = ProgramSerializer.fromBytes(call.program());
    // inputs in argument order (not the map's sorted order), each at its declared dtype
    assertThat(p.inputTypes().get(0).dtype()).isEqualTo(DType.F64);
    assertThat(p.inputTypes().get(1).dtype()).isEqualTo(DType.F32);
  }

  @Test
  void perSampleGradientsNameColumnsAsClassic() {
    Params params = new Params(Tensor.of(new double[] {1, 2}), Tensor.scalar(0.5));
    PerSampleGradients g =
        PerSampleGradients.of(
                (Params p, Map<String, Tensor> row) ->
                    row.get("x").dot(p.w()).add(p.b()).sub(row.get("y")).square(),
                params)
            .inputColumns("x", "y")
            .shape("x", 2)
            .withNorm("n")
            .clipNorm(1.5);
    assertThat(g.gradientColumns()).containsExactly("grad_w", "grad_b"); // record order
    RemoteCall call = g.call();
    assertThat(call.outputNames()).containsExactly("grad_w", "grad_b", "n");
    assertThat(call.normColumn()).isEqualTo("n");
    assertThat(call.clip()).isEqualTo(1.5);
    assertThat(g.flat().gradientColumns()).containsExactly("grad");
    // the loss program: (w . x + b - y)^2 at w=(1,2), b=0.5, x=(1,1), y=1: 2.5^2
    Program p = ProgramSerializer.fromBytes(call.program());
    double loss =
        p.evaluate(
                List.of(params.w(), params.b(), Tensor.of(new double[] {1, 1}), Tensor.scalar(1.0)))
            .get(0)
            .item();
    assertThat(loss).isEqualTo(6.25);
  }

  @Test
  void misuseIsNamedBeforeAnythingIsSent() {
    assertThatThrownBy(() -> VmapFunctions.vmapUdf((Tensor x) -> x).apply())
        .hasMessageContaining("at least one argument");
    assertThatThrownBy(
            () ->
                VmapFunctions.vmapUdf((Tensor a, Tensor b) -> a.add(b)).shape(0, 2).apply(col("x")))
        .hasMessageContaining("exactly two columns");
    assertThatThrownBy(() -> Jacobians.of((Tensor v) -> v.sin()).inputColumn("x").asColumn())
        .hasMessageContaining("shape(dims...)");
    assertThatThrownBy(
            () ->
                PerSampleGradients.of((Tensor p, Tensor x) -> p.sum(), Tensor.scalar(1))
                    .clipNorm(-1))
        .hasMessageContaining("positive finite");
  }
}
