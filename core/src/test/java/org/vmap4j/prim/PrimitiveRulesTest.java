package org.vmap4j.prim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.interpreter.Interpreters.bind1;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;

/** Primitives that Tensor methods do not reach directly, and the registry of the closed set. */
class PrimitiveRulesTest {
  @Test
  void registryHoldsTheClosedSetByName() {
    Set<String> names = new TreeSet<>();
    for (Primitive p : Primitives.all()) {
      names.add(p.displayName());
      assertThat(Primitives.byName(p.displayName())).isSameAs(p);
    }
    assertThat(names)
        .contains(
            "add",
            "exp",
            "lt",
            "select",
            "convert",
            "reduce_sum",
            "reduce_max",
            "argmax",
            "dot_general",
            "broadcast_in_dim",
            "reshape",
            "transpose",
            "slice",
            "pad",
            "concatenate",
            "gather",
            "scatter_add",
            "iota",
            "random_uniform");
    assertThatThrownBy(() -> Primitives.byName("conv")).hasMessageContaining("conv");
  }

  @Test
  void padWithInteriorAndEdges() {
    Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
    Tensor y =
        bind1(Pad.PAD, Pad.params(new int[] {1, 0}, new int[] {0, 2}, new int[] {0, 1}, -1), x);
    assertThat(y.shape()).containsExactly(3, 5);
    assertThat(y.toDoubleArray())
        .containsExactly(-1, -1, -1, -1, -1, 1, -1, 2, -1, -1, 3, -1, 4, -1, -1);
  }

  @Test
  void scatterAddIsTheTransposeOfGather() {
    // <gather(x, idx), u> == <x, scatter_add(0, idx, u)> for every x and u
    Tensor x = Tensor.randomNormal(1, DType.F64, 2, 5, 3);
    Tensor idx = Tensor.of(new long[] {4, 0, 4, 1, 2, 2}, 2, 3);
    Params p = Gather.params(1, 1);
    Tensor g = bind1(Gather.GATHER, p, x, idx);
    assertThat(g.shape()).containsExactly(2, 3, 3);
    Tensor u = Tensor.randomNormal(2, DType.F64, 2, 3, 3);
    Tensor s = bind1(ScatterAdd.SCATTER_ADD, p, Tensor.zeros(DType.F64, 2, 5, 3), idx, u);
    double lhs = g.mul(u).sum().item();
    double rhs = x.mul(s).sum().item();
    assertThat(lhs).isCloseTo(rhs, org.assertj.core.api.Assertions.within(1e-12));
    // repeated indices accumulate: batch 0 hits row 4 twice
    double[] sv = s.toDoubleArray();
    double[] uv = u.toDoubleArray();
    assertThat(sv[4 * 3]).isEqualTo(uv[0] + uv[2 * 3]);
  }

  @Test
  void scatterAddChecksTheUpdatesShape() {
    assertThatThrownBy(
            () ->
                bind1(
                    ScatterAdd.SCATTER_ADD,
                    Gather.params(0, 0),
                    Tensor.zeros(DType.F32, 4),
                    Tensor.of(new long[] {1}),
                    Tensor.zeros(DType.F32, 2)))
        .hasMessageContaining("updates are f32[2]")
        .hasMessageContaining("f32[1]");
  }
}
