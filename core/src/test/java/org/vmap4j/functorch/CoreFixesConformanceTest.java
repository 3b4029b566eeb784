package org.vmap4j.functorch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/**
 * Conformance with PyTorch 1.13's functorch where derivatives meet 0 * inf or NaN: pow at a zero
 * base, NaN inside max/min, integer inputs refused. Cases come from {@code
 * core/src/test/functorch/generate_fixtures_core_fixes.py} ({@code core_fixes_cases.json}); each is
 * run eagerly and under {@code jit}, in F64 to 1e-9, NaN matching NaN and infinities exactly.
 */
class CoreFixesConformanceTest {
  private static final JsonNode ROOT = load();

  private static JsonNode load() {
    try (InputStream in =
        CoreFixesConformanceTest.class.getResourceAsStream(
            "/org/vmap4j/functorch/core_fixes_cases.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<String> caseNames() {
    List<String> names = new ArrayList<>();
    ROOT.get("cases").forEach(c -> names.add(c.get("name").asText()));
    return names.stream();
  }

  private static JsonNode caseNamed(String name) {
    for (JsonNode c : ROOT.get("cases")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException(name);
  }

  private static double number(JsonNode v) {
    return v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
  }

  private static Tensor tensor(JsonNode v) {
    int[] shape = new int[v.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = v.get("shape").get(i).asInt();
    }
    int n = v.get("data").size();
    if (v.get("dtype").asText().startsWith("int")) {
      long[] data = new long[n];
      for (int i = 0; i < n; i++) {
        data[i] = v.get("data").get(i).asLong();
      }
      return Tensor.of(data, shape);
    }
    double[] data = new double[n];
    for (int i = 0; i < n; i++) {
      data[i] = number(v.get("data").get(i));
    }
    return shape.length == 0 ? Tensor.scalar(data[0]) : Tensor.of(data, shape);
  }

  private static Function<List<Object>, Object> function(JsonNode c) {
    SpecInterpreter.Fn leaf = CoreFixesCatalogue.FUNCTIONS.get(c.get("function").asText())::apply;
    return SpecInterpreter.build(c.get("spec"), leaf);
  }

  private static List<Object> inputs(JsonNode c) {
    List<Object> args = new ArrayList<>();
    c.get("inputs").forEach(i -> args.add(tensor(i)));
    return args;
  }

  @Test
  void fixturesCoverPowNanExtremaAndIntegerInputsUnderTheTransforms() {
    assertThat(ROOT.get("cases").size()).isGreaterThanOrEqualTo(15);
    String all = ROOT.get("cases").toString();
    for (String op : List.of("vmap", "grad", "jacrev", "jacfwd", "hessian", "jvp", "pullback")) {
      assertThat(all).contains("\"op\":\"" + op + "\"");
    }
    assertThat(all).contains("\"error\":true", "NaN", "-Infinity");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void matchesFunctorch(String name) {
    JsonNode c = caseNamed(name);
    Function<List<Object>, Object> f = function(c);
    List<Object> args = inputs(c);
    if (c.has("error")) {
      assertThatThrownBy(() -> f.apply(args))
          .as("%s: torch refused (%s)", name, c.get("torch_error").asText())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("cannot differentiate with respect to argument 0")
          .hasMessageContaining("astype(DType.F64)");
      return;
    }
    compare(name, c, Tree.flatten(f.apply(args)).leaves());
  }

  /** The same transformed function compiled whole: jit of each composition. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void matchesFunctorchUnderJit(String name) {
    JsonNode c = caseNamed(name);
    Function<List<Object>, Object> f = Func.jit(function(c));
    List<Object> args = inputs(c);
    if (c.has("error")) {
      assertThatThrownBy(() -> f.apply(args)).isInstanceOf(IllegalArgumentException.class);
      return;
    }
    compare(name + " (jit)", c, Tree.flatten(f.apply(args)).leaves());
  }

  private static void compare(String name, JsonNode c, List<Tensor> got) {
    JsonNode expected = c.get("outputs");
    assertThat(got).as("%s: number of result leaves", name).hasSize(expected.size());
    for (int i = 0; i < got.size(); i++) {
      Tensor want = tensor(expected.get(i));
      assertThat(got.get(i).shape()).as("%s leaf %d shape", name, i).isEqualTo(want.shape());
      double[] a = got.get(i).toDoubleArray();
      double[] e = want.toDoubleArray();
      for (int k = 0; k < a.length; k++) {
        String what =
            String.format(
                "%s (%s) leaf %d element %d: %s vs functorch %s",
                name, c.get("transform").asText(), i, k, a[k], e[k]);
        if (Double.isNaN(e[k]) || Double.isInfinite(e[k])) {
          assertThat(Double.valueOf(a[k])).as(what).isEqualTo(Double.valueOf(e[k]));
        } else {
          assertThat(Math.abs(a[k] - e[k]))
              .as(what)
              .isLessThanOrEqualTo(1e-9 * Math.max(1, Math.abs(e[k])));
        }
      }
    }
  }
}
