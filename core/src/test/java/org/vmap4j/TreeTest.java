package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TreeTest {
  record Layer(Tensor w, Tensor b) {}

  record Mlp(Layer first, Layer second, List<Tensor> extras, Map<String, Tensor> named) {}

  private static Tensor t(double v) {
    return Tensor.scalar(v);
  }

  @Test
  void leafNamesJoinKeysAndIndicesByUnderscore() {
    Map<String, Tensor> named = new HashMap<>();
    named.put("zeta", t(6));
    named.put("alpha", t(5));
    Mlp mlp = new Mlp(new Layer(t(1), t(2)), new Layer(t(3), null), List.of(t(4)), named);
    TreeDef def = Tree.structure(mlp);
    assertThat(def.leafNames("grad", false))
        .containsExactly(
            "grad_first_w",
            "grad_first_b",
            "grad_second_w",
            "grad_extras_0",
            "grad_named_alpha",
            "grad_named_zeta");
    // keys at the root: only the root's own components lose the prefix
    assertThat(def.leafNames("output", true))
        .containsExactly("first_w", "first_b", "second_w", "extras_0", "named_alpha", "named_zeta");
    assertThat(Tree.structure(List.of(t(1), t(2))).leafNames("output", true))
        .containsExactly("output_0", "output_1");
    assertThat(Tree.structure(t(1)).leafNames("price", false)).containsExactly("price");
  }

  @Test
  void recordsListsMapsAndArraysRoundTrip() {
    Map<String, Tensor> named = new HashMap<>();
    named.put("zeta", t(6));
    named.put("alpha", t(5));
    Mlp mlp = new Mlp(new Layer(t(1), t(2)), new Layer(t(3), null), List.of(t(4)), named);
    Tree.Flat flat = Tree.flatten(mlp);
    // depth-first, record components in declaration order, map keys sorted
    assertThat(flat.leaves().stream().map(Tensor::item))
        .containsExactly(1.0, 2.0, 3.0, 4.0, 5.0, 6.0);
    assertThat(flat.def().leafCount()).isEqualTo(6);
    assertThat(flat.def().toString())
        .isEqualTo(
            "Mlp(first=Layer(w=*, b=*), second=Layer(w=*, b=null), extras=[*],"
                + " named={alpha=*, zeta=*})");
    Mlp doubled = Tree.map(mlp, x -> x.mul(2));
    assertThat(doubled.first().b().item()).isEqualTo(4);
    assertThat(doubled.second().b()).isNull();
    assertThat(doubled.named().get("zeta").item()).isEqualTo(12);
    assertThat(Tree.structure(doubled)).isEqualTo(flat.def());
    assertThat(Tree.structure(doubled).hashCode()).isEqualTo(flat.def().hashCode());

    Tensor[] array = {t(1), t(2)};
    Tensor[] rebuilt = (Tensor[]) Tree.structure(array).unflatten(List.of(t(7), t(8)));
    assertThat(rebuilt[1].item()).isEqualTo(8);
    Object[][] nested = {{t(1)}, {t(2), List.of(t(3))}};
    assertThat(Tree.leaves(nested)).hasSize(3);
  }

  @Test
  void differentStructuresDiffer() {
    assertThat(Tree.structure(List.of(t(1), t(2)))).isNotEqualTo(Tree.structure(List.of(t(1))));
    assertThat(Tree.structure(new Layer(t(1), t(2))))
        .isNotEqualTo(Tree.structure(List.of(t(1), t(2))));
  }

  @Test
  void unsupportedLeavesNameTheirTypeAndPath() {
    Mlp bad = new Mlp(new Layer(t(1), t(2)), new Layer(t(3), t(4)), List.of(t(1)), Map.of());
    Object tree = List.of(bad, Map.of("k", List.of(t(1), "oops")));
    assertThatThrownBy(() -> Tree.flatten(tree))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String")
        .hasMessageContaining("root[1][\"k\"][1]");
    assertThatThrownBy(() -> Tree.flatten(Map.of(1, t(1))))
        .hasMessageContaining("java.lang.Integer")
        .hasMessageContaining("String keys");
    assertThatThrownBy(() -> Tree.flatten(new double[] {1})).hasMessageContaining("[D");
  }

  @Test
  void unflattenChecksTheLeafCount() {
    assertThatThrownBy(() -> Tree.structure(new Layer(t(1), t(2))).unflatten(List.of(t(1))))
        .hasMessageContaining("2 leaves")
        .hasMessageContaining("1 were given");
  }
}
