package org.vmap4j.functorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.customJvpPytree;
import static org.vmap4j.Func.customVjpPytree;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.gradAll;
import static org.vmap4j.Func.gradFourth;
import static org.vmap4j.Func.gradSecond;
import static org.vmap4j.Func.gradThird;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacfwdBoth;
import static org.vmap4j.Func.jacfwdSecond;
import static org.vmap4j.Func.jacfwdWithAux;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.jacrevBoth;
import static org.vmap4j.Func.jacrevSecond;
import static org.vmap4j.Func.jacrevWithAux;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.valueAndGrad;
import static org.vmap4j.Func.vjpWithAux;
import static org.vmap4j.Func.vmap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.Fn4;
import org.vmap4j.InDims;
import org.vmap4j.OutDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.VjpAndAux;
import org.vmap4j.WithAux;

/**
 * Conformance of the API forms of issue 15 (three- and four-argument functions, Jacobians of
 * pytrees, has_aux, custom rules for pytree functions, max/min with indices) with PyTorch's
 * functorch 1.13: every case of {@code api_cases.json} (written by {@code
 * core/src/test/functorch/generate_fixtures_api.py}) is computed here with the public API, one Java
 * expression per case, and compared leaf by leaf in F64.
 */
class ApiConformanceTest {
  private static final JsonNode ROOT = load();

  private static JsonNode load() {
    try (InputStream in =
        ApiConformanceTest.class.getResourceAsStream("/org/vmap4j/functorch/api_cases.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- the functions of the script

  static final Fn3<Tensor, Tensor, Tensor, Tensor> F3_LSQ = (w, x, y) -> x.dot(w).sub(y).pow(2.0);
  static final Fn3<Tensor, Tensor, Tensor, Tensor> F3_TANH_SUM =
      (a, x, c) -> a.matmul(x).tanh().mul(c).sum();
  static final Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> F4_AFFINE =
      (w, b, x, t) -> w.matmul(x).add(b).tanh().sub(t);
  static final Fn4<Tensor, Tensor, Tensor, Tensor, Tensor> F4_LOSS =
      (w, b, x, t) -> w.matmul(x).add(b).tanh().sub(t).pow(2.0).sum();
  static final Fn3<Map<String, Tensor>, Tensor, Tensor, Tensor> LOGREG3 =
      (p, x, y) -> {
        Tensor z = x.dot(p.get("w")).add(p.get("b"));
        return z.neg().exp().log1p().add(y.neg().add(1.0).mul(z));
      };
  static final BiFunction<Map<String, Tensor>, Tensor, Tensor> MLP =
      (p, x) -> mlpWithHidden(p, x).value();

  static WithAux<Map<String, Tensor>> mlpWithHidden(Map<String, Tensor> p, Tensor x) {
    Tensor h = p.get("W1").matmul(x).add(p.get("b1")).tanh();
    return new WithAux<>(p.get("W2").matmul(h).add(p.get("b2")), Map.of("h", h));
  }

  static final Function<List<Tensor>, Tensor> PAIR_SIN =
      l -> l.get(0).mul(l.get(1).sum()).sin().add(l.get(0).mul(l.get(0)));

  static Tensor softplus(Tensor a) {
    return a.exp().log1p();
  }

  /** softplus(a) * b with a reverse rule of 0.5 times the true derivative. */
  static final Function<Map<String, Tensor>, Tensor> SOFTPLUS_TIMES_VJP =
      customVjpPytree(
          (Map<String, Tensor> p) -> softplus(p.get("a")).mul(p.get("b")),
          (p, y, g) ->
              Map.of(
                  "a", g.mul(p.get("b")).mul(p.get("a").sigmoid()).mul(0.5),
                  "b", g.mul(softplus(p.get("a"))).mul(0.5)));

  /** softplus(a) * b with a forward rule of 3 times the true derivative. */
  static final Function<Map<String, Tensor>, Tensor> SOFTPLUS_TIMES_JVP =
      customJvpPytree(
          (Map<String, Tensor> p) -> softplus(p.get("a")).mul(p.get("b")),
          (p, y, t) ->
              t.get("a")
                  .mul(p.get("a").sigmoid())
                  .mul(p.get("b"))
                  .add(softplus(p.get("a")).mul(t.get("b")))
                  .mul(3));

  /** (x0 * x1, x0 + x1) with a reverse rule of 2 times the true derivative. */
  static final Function<List<Tensor>, List<Tensor>> PROD_AND_SUM_VJP =
      customVjpPytree(
          (List<Tensor> l) -> List.of(l.get(0).mul(l.get(1)), l.get(0).add(l.get(1))),
          (x, y, g) ->
              List.of(
                  g.get(0).mul(x.get(1)).add(g.get(1)).mul(2),
                  g.get(0).mul(x.get(0)).add(g.get(1)).mul(2)));

  /** (value, pullback(ct), aux) of vjpWithAux of the MLP with its hidden layer as the aux. */
  static final Fn3<Map<String, Tensor>, Tensor, Tensor, List<Object>> VJP_AUX =
      (p, x, ct) -> {
        VjpAndAux<Map<String, Tensor>, Map<String, Tensor>> v =
            vjpWithAux((Map<String, Tensor> q) -> mlpWithHidden(q, x), p);
        return List.of(v.value(), v.pullback(ct), v.aux());
      };

  // ---------------------------------------------------------------- one expression per case

  static final Map<String, Function<List<Object>, Object>> CASES = new LinkedHashMap<>();

  private static void on(String name, Function<List<Object>, Object> f) {
    CASES.put(name, f);
  }

  private static Tensor t(List<Object> a, int i) {
    return (Tensor) a.get(i);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Tensor> m(List<Object> a, int i) {
    return (Map<String, Tensor>) a.get(i);
  }

  @SuppressWarnings("unchecked")
  private static List<Tensor> l(List<Object> a, int i) {
    return (List<Tensor>) a.get(i);
  }

  static {
    // 1. three and four arguments
    on(
        "vmap3_lsq_in_dims_none_0_0",
        a -> vmap(F3_LSQ, InDims.of(null, 0, 0)).apply(t(a, 0), t(a, 1), t(a, 2)));
    on(
        "vmap4_affine_in_dims_none_none_1_0_out_dims_1",
        a ->
            vmap(F4_AFFINE, InDims.of(null, null, 1, 0), OutDims.of(1))
                .apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on(
        "vmap_vmap3_lsq",
        a ->
            vmap(vmap(F3_LSQ, InDims.of(null, 0, 0)), InDims.of(null, 0, 0))
                .apply(t(a, 0), t(a, 1), t(a, 2)));
    on("grad3_tanh_sum_argnums_0", a -> grad(F3_TANH_SUM).apply(t(a, 0), t(a, 1), t(a, 2)));
    on("grad3_tanh_sum_argnums_1", a -> gradSecond(F3_TANH_SUM).apply(t(a, 0), t(a, 1), t(a, 2)));
    on("grad3_tanh_sum_argnums_2", a -> gradThird(F3_TANH_SUM).apply(t(a, 0), t(a, 1), t(a, 2)));
    on("grad3_tanh_sum_argnums_012", a -> gradAll(F3_TANH_SUM).apply(t(a, 0), t(a, 1), t(a, 2)));
    on("grad4_loss_argnums_1", a -> gradSecond(F4_LOSS).apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on("grad4_loss_argnums_3", a -> gradFourth(F4_LOSS).apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on("grad4_loss_argnums_0123", a -> gradAll(F4_LOSS).apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on("value_and_grad3_tanh_sum", a -> valueAndGrad(F3_TANH_SUM).apply(t(a, 0), t(a, 1), t(a, 2)));
    on(
        "value_and_grad4_loss",
        a -> valueAndGrad(F4_LOSS).apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on(
        "vmap_grad3_logreg_dict_per_sample",
        a -> vmap(grad(LOGREG3), InDims.of(null, 0, 0)).apply(m(a, 0), t(a, 1), t(a, 2)));
    on(
        "jit_vmap_grad3_logreg_dict_per_sample",
        a -> jit(vmap(grad(LOGREG3), InDims.of(null, 0, 0))).apply(m(a, 0), t(a, 1), t(a, 2)));
    on(
        "vmap_grad4_all_in_dims_none_none_0_0",
        a ->
            vmap(gradAll(F4_LOSS), InDims.of(null, null, 0, 0))
                .apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on(
        "jit_grad4_loss_argnums_2",
        a -> jit(gradThird(F4_LOSS)).apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on(
        "jit_vmap3_lsq",
        a -> jit(vmap(F3_LSQ, InDims.of(null, 0, 0))).apply(t(a, 0), t(a, 1), t(a, 2)));

    // 2. Jacobians of pytrees
    on(
        "jacrev_dict_params_closure",
        a -> jacrev((Map<String, Tensor> p) -> MLP.apply(p, t(a, 1))).apply(m(a, 0)));
    on(
        "jacfwd_dict_params_closure",
        a -> jacfwd((Map<String, Tensor> p) -> MLP.apply(p, t(a, 1))).apply(m(a, 0)));
    on("jacrev_tuple_arg", a -> jacrev(PAIR_SIN).apply(l(a, 0)));
    on("jacfwd_tuple_arg_chunk_2", a -> jacfwd(PAIR_SIN, 2).apply(l(a, 0)));
    on("jacrev_tuple_arg_chunk_1", a -> jacrev(PAIR_SIN, 1).apply(l(a, 0)));
    on("jacrev2_mlp_argnums_0", a -> jacrev(MLP).apply(m(a, 0), t(a, 1)));
    on("jacrev2_mlp_argnums_1", a -> jacrevSecond(MLP).apply(m(a, 0), t(a, 1)));
    on("jacrev2_mlp_argnums_01", a -> jacrevBoth(MLP).apply(m(a, 0), t(a, 1)));
    on("jacfwd2_mlp_argnums_0", a -> jacfwd(MLP).apply(m(a, 0), t(a, 1)));
    on("jacfwd2_mlp_argnums_1", a -> jacfwdSecond(MLP).apply(m(a, 0), t(a, 1)));
    on("jacfwd2_mlp_argnums_01", a -> jacfwdBoth(MLP).apply(m(a, 0), t(a, 1)));
    on(
        "vmap_jacrev2_mlp_in_dims_none_0",
        a -> vmap(jacrev(MLP), InDims.of(null, 0)).apply(m(a, 0), t(a, 1)));
    on(
        "jit_vmap_jacfwd2_mlp_both",
        a -> jit(vmap(jacfwdBoth(MLP), InDims.of(null, 0))).apply(m(a, 0), t(a, 1)));
    on(
        "jit_jacrev_dict_params_closure",
        a ->
            jit((Map<String, Tensor> p) ->
                    jacrev((Map<String, Tensor> q) -> MLP.apply(q, t(a, 1))).apply(p))
                .apply(m(a, 0)));

    // 3. has_aux
    on("vjp_has_aux_dict_params", a -> VJP_AUX.apply(m(a, 0), t(a, 1), t(a, 2)));
    on(
        "vmap_vjp_has_aux_in_dims_none_0_0",
        a -> vmap(VJP_AUX, InDims.of(null, 0, 0)).apply(m(a, 0), t(a, 1), t(a, 2)));
    on(
        "jacrev_has_aux_dict_params",
        a -> jacrevWithAux((Map<String, Tensor> p) -> mlpWithHidden(p, t(a, 1))).apply(m(a, 0)));
    on(
        "jacfwd_has_aux_dict_params",
        a -> jacfwdWithAux((Map<String, Tensor> p) -> mlpWithHidden(p, t(a, 1))).apply(m(a, 0)));
    on(
        "jacfwd_has_aux_wrt_x_chunk_3",
        a -> jacfwdWithAux((Tensor x) -> mlpWithHidden(m(a, 0), x), 3).apply(t(a, 1)));
    on(
        "vmap_jacrev_has_aux_in_dims_none_0",
        a ->
            vmap(
                    (Map<String, Tensor> p, Tensor x) ->
                        jacrevWithAux((Tensor v) -> mlpWithHidden(p, v)).apply(x),
                    InDims.of(null, 0))
                .apply(m(a, 0), t(a, 1)));
    on(
        "jit_jacfwd_has_aux_dict_params",
        a ->
            jit(jacfwdWithAux((Map<String, Tensor> p) -> mlpWithHidden(p, t(a, 1))))
                .apply(m(a, 0)));

    // 4. custom rules for pytree functions
    on(
        "grad_custom_vjp_pytree_dict_c_0_5",
        a -> grad((Map<String, Tensor> p) -> SOFTPLUS_TIMES_VJP.apply(p).sum()).apply(m(a, 0)));
    on(
        "vmap_grad_custom_vjp_pytree_dict_c_0_5",
        a ->
            vmap(grad((Map<String, Tensor> p) -> SOFTPLUS_TIMES_VJP.apply(p).sum()))
                .apply(m(a, 0)));
    on(
        "jit_grad_custom_vjp_pytree_tuple_c_2",
        a ->
            jit(grad(
                    (List<Tensor> x) -> {
                      List<Tensor> r = PROD_AND_SUM_VJP.apply(x);
                      return r.get(0).sum().add(r.get(1).square().sum());
                    }))
                .apply(l(a, 0)));
    on("jvp_custom_jvp_pytree_dict_c_3", a -> jvp(SOFTPLUS_TIMES_JVP, m(a, 0), m(a, 1)));
    on("jacfwd_custom_jvp_pytree_dict_c_3", a -> jacfwd(SOFTPLUS_TIMES_JVP).apply(m(a, 0)));
    on(
        "vmap_jacfwd_custom_jvp_pytree_dict_c_3",
        a -> vmap(jacfwd(SOFTPLUS_TIMES_JVP)).apply(m(a, 0)));

    // 5. max/min along a dimension with indices
    on("max_with_indices_dim1_ties", a -> t(a, 0).maxWithIndices(1));
    on("min_with_indices_dim0_keepdim", a -> t(a, 0).minWithIndices(0, true));
    on(
        "grad_max_with_indices_ties",
        a -> grad((Tensor x) -> x.maxWithIndices(1).values().square().sum()).apply(t(a, 0)));
    on(
        "grad_min_with_indices_ties",
        a -> grad((Tensor x) -> x.minWithIndices(1).values().sin().sum()).apply(t(a, 0)));
    on(
        "vmap_min_with_indices_in_dims_1",
        a -> vmap((Tensor x) -> x.minWithIndices(0), InDims.of(1)).apply(t(a, 0)));
    on(
        "vmap_grad_max_with_indices",
        a -> vmap(grad((Tensor x) -> x.maxWithIndices(0).values().exp().sum())).apply(t(a, 0)));
    on(
        "jit_jacrev_max_with_indices",
        a -> jit(jacrev((Tensor x) -> x.maxWithIndices(1).values())).apply(t(a, 0)));
    on(
        "jacfwd_min_with_indices_keepdim",
        a ->
            jacfwd((Tensor x) -> x.minWithIndices(1, true).values().mul(x.sum(1, true)))
                .apply(t(a, 0)));
  }

  static {
    // each remaining form under vmap and under jit
    on(
        "vmap_grad3_tanh_sum_argnums_1_in_dims_none_0_none",
        a ->
            vmap(gradSecond(F3_TANH_SUM), InDims.of(null, 0, null))
                .apply(t(a, 0), t(a, 1), t(a, 2)));
    on(
        "jit_grad3_tanh_sum_argnums_012",
        a -> jit(gradAll(F3_TANH_SUM)).apply(t(a, 0), t(a, 1), t(a, 2)));
    on(
        "jit_grad4_loss_argnums_3",
        a -> jit(gradFourth(F4_LOSS)).apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on(
        "vmap_value_and_grad4_in_dims_none_none_0_0",
        a ->
            vmap(valueAndGrad(F4_LOSS), InDims.of(null, null, 0, 0))
                .apply(t(a, 0), t(a, 1), t(a, 2), t(a, 3)));
    on(
        "jit_value_and_grad3_tanh_sum",
        a -> jit(valueAndGrad(F3_TANH_SUM)).apply(t(a, 0), t(a, 1), t(a, 2)));
    on(
        "vmap_jacrev2_mlp_argnums_1_in_dims_none_0",
        a -> vmap(jacrevSecond(MLP), InDims.of(null, 0)).apply(m(a, 0), t(a, 1)));
    on("jit_jacrev2_mlp_argnums_01", a -> jit(jacrevBoth(MLP)).apply(m(a, 0), t(a, 1)));
    on(
        "vmap_jacfwd2_mlp_argnums_0_in_dims_none_0",
        a -> vmap(jacfwd(MLP), InDims.of(null, 0)).apply(m(a, 0), t(a, 1)));
    on("jit_jacfwd2_mlp_argnums_1", a -> jit(jacfwdSecond(MLP)).apply(m(a, 0), t(a, 1)));
    on("vmap_jacfwd_tuple_arg_chunk_2", a -> vmap(jacfwd(PAIR_SIN, 2)).apply(l(a, 0)));
    on("jit_vjp_has_aux_dict_params", a -> jit(VJP_AUX).apply(m(a, 0), t(a, 1), t(a, 2)));
    on(
        "vmap_jacfwd_has_aux_in_dims_none_0",
        a ->
            vmap(
                    (Map<String, Tensor> p, Tensor x) ->
                        jacfwdWithAux((Tensor v) -> mlpWithHidden(p, v)).apply(x),
                    InDims.of(null, 0))
                .apply(m(a, 0), t(a, 1)));
    on(
        "jit_jacrev_has_aux_dict_params_chunk_1",
        a ->
            jit(jacrevWithAux((Map<String, Tensor> p) -> mlpWithHidden(p, t(a, 1)), 1))
                .apply(m(a, 0)));
    on(
        "jit_jvp_custom_jvp_pytree_dict_c_3",
        a ->
            jit((Map<String, Tensor> p, Map<String, Tensor> d) -> jvp(SOFTPLUS_TIMES_JVP, p, d))
                .apply(m(a, 0), m(a, 1)));
    on(
        "vmap_grad_custom_vjp_pytree_tuple_c_2",
        a ->
            vmap(grad(
                    (List<Tensor> x) -> {
                      List<Tensor> r = PROD_AND_SUM_VJP.apply(x);
                      return r.get(0).sum().add(r.get(1).square().sum());
                    }))
                .apply(l(a, 0)));
    on(
        "jit_max_with_indices_dim1_ties",
        a -> jit((Tensor x) -> x.maxWithIndices(1)).apply(t(a, 0)));
    on(
        "jit_vmap_min_with_indices_keepdim",
        a -> jit(vmap((Tensor x) -> x.minWithIndices(1, true))).apply(t(a, 0)));
    on(
        "vmap_jacfwd_min_with_indices_keepdim",
        a ->
            vmap(jacfwd((Tensor x) -> x.minWithIndices(1, true).values().mul(x.sum(1, true))))
                .apply(t(a, 0)));
  }

  // ---------------------------------------------------------------- running and comparing

  static Stream<String> caseNames() {
    List<String> names = new ArrayList<>();
    ROOT.get("cases").forEach(c -> names.add(c.get("name").asText()));
    return names.stream();
  }

  static JsonNode caseNamed(String name) {
    for (JsonNode c : ROOT.get("cases")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException(name);
  }

  @Test
  void everyFixtureHasAJavaFormAndEveryItemIsCovered() {
    List<String> names = caseNames().toList();
    assertThat(names).hasSizeGreaterThanOrEqualTo(25);
    assertThat(CASES.keySet()).containsExactlyInAnyOrderElementsOf(names);
    List<String> items = new ArrayList<>();
    ROOT.get("cases").forEach(c -> items.add(c.get("item").asText()));
    assertThat(items)
        .contains(
            "arity", "pytree jacobians", "has_aux", "custom rules", "reductions with indices");
    for (String prefix : List.of("jit_", "vmap_")) {
      for (String item : new java.util.TreeSet<>(items)) {
        assertThat(names)
            .as("a %s composition for %s", prefix, item)
            .anyMatch(n -> n.startsWith(prefix) && caseNamed(n).get("item").asText().equals(item));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void matchesFunctorch(String name) {
    JsonNode c = caseNamed(name);
    List<Object> inputs = new ArrayList<>();
    c.get("inputs").forEach(i -> inputs.add(value(i)));
    Object got = CASES.get(name).apply(inputs);
    List<JsonNode> expected = new ArrayList<>();
    leaves(c.get("output"), expected);
    List<Tensor> actual = Tree.leaves(got);
    assertThat(actual).as("%s: number of result leaves", name).hasSize(expected.size());
    for (int i = 0; i < actual.size(); i++) {
      JsonNode e = expected.get(i);
      Tensor a = actual.get(i);
      Tensor want = FunctorchConformanceTest.tensor(e);
      assertThat(a.shape()).as("%s leaf %d shape", name, i).isEqualTo(want.shape());
      DType dtype = e.has("dtype") ? DType.I64 : DType.F64;
      assertThat(a.dtype()).as("%s leaf %d dtype", name, i).isEqualTo(dtype);
      double[] g = a.toDoubleArray();
      double[] w = want.toDoubleArray();
      double scale = 1;
      for (double x : w) {
        scale = Math.max(scale, Math.abs(x));
      }
      for (int k = 0; k < g.length; k++) {
        double tol = 1e-9 * Math.abs(w[k]) + 1e-12 * scale;
        assertThat(Math.abs(g[k] - w[k]))
            .as(
                "%s (%s) leaf %d element %d: %s vs functorch %s",
                name, c.get("form").asText(), i, k, g[k], w[k])
            .isLessThanOrEqualTo(tol);
      }
    }
  }

  /** Inputs: tensors, tuples as Lists, dicts as (sorted) Maps. */
  static Object value(JsonNode v) {
    if (v.has("tuple")) {
      List<Object> out = new ArrayList<>();
      v.get("tuple").forEach(e -> out.add(value(e)));
      return out;
    }
    if (v.has("dict")) {
      Map<String, Object> out = new TreeMap<>();
      v.get("dict").fields().forEachRemaining(e -> out.put(e.getKey(), value(e.getValue())));
      return out;
    }
    return FunctorchConformanceTest.tensor(v);
  }

  /** The encoded tensors of an output pytree, depth-first (dict keys are stored sorted). */
  private static void leaves(JsonNode v, List<JsonNode> out) {
    if (v.has("tuple")) {
      v.get("tuple").forEach(e -> leaves(e, out));
    } else if (v.has("dict")) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      v.get("dict").fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
      sorted.values().forEach(e -> leaves(e, out));
    } else {
      out.add(v);
    }
  }
}
