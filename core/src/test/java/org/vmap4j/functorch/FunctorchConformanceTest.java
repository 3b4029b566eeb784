package org.vmap4j.functorch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;

/**
 * Conformance with PyTorch's functorch 1.13: every case of {@code cases.json} (written by {@code
 * core/src/test/functorch/generate_fixtures.py}; see the README beside it) is rebuilt with the
 * vmap4j transforms and compared leaf by leaf in F64.
 */
class FunctorchConformanceTest {
  private static final JsonNode ROOT = load();

  private static JsonNode load() {
    try (InputStream in =
        FunctorchConformanceTest.class.getResourceAsStream("/org/vmap4j/functorch/cases.json")) {
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

  static JsonNode caseNamed(String name) {
    for (JsonNode c : ROOT.get("cases")) {
      if (c.get("name").asText().equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException(name);
  }

  static Object value(JsonNode v) {
    if (v.has("tuple")) {
      List<Object> out = new ArrayList<>();
      v.get("tuple").forEach(e -> out.add(value(e)));
      return out;
    }
    if (v.has("dict")) {
      Map<String, Object> out = new TreeMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = v.get("dict").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        out.put(e.getKey(), value(e.getValue()));
      }
      return out;
    }
    return tensor(v);
  }

  static Tensor tensor(JsonNode v) {
    int[] shape = new int[v.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = v.get("shape").get(i).asInt();
    }
    double[] data = new double[v.get("data").size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = v.get("data").get(i).asDouble();
    }
    return shape.length == 0 ? Tensor.scalar(data[0]) : Tensor.of(data, shape);
  }

  @Test
  void fixturesCoverTheTransformsAndTheirCompositions() {
    assertThat(ROOT.get("cases").size()).isGreaterThanOrEqualTo(40);
    String all = ROOT.get("cases").toString();
    for (String op :
        List.of("vmap", "grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "pullback")) {
      assertThat(all).contains("\"op\":\"" + op + "\"");
    }
  }

  /**
   * Every case's transformed function, traced to a program, survives serialization (same printed
   * form) and the read-back program still gives functorch's numbers.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void serializedProgramRoundTrips(String name) {
    JsonNode c = caseNamed(name);
    SpecInterpreter.Fn leaf = Catalogue.FUNCTIONS.get(c.get("function").asText())::apply;
    SpecInterpreter.Fn f = SpecInterpreter.build(c.get("spec"), leaf);
    List<Object> args = new ArrayList<>();
    c.get("inputs").forEach(i -> args.add(value(i)));
    org.vmap4j.transforms.Staging.Traced traced =
        org.vmap4j.transforms.Staging.trace(a -> f.apply(List.of(a)), args.toArray(), "trace");
    org.vmap4j.ir.Program p = traced.program();
    org.vmap4j.ir.Program back =
        org.vmap4j.ir.ProgramSerializer.fromBytes(org.vmap4j.ir.ProgramSerializer.toBytes(p));
    assertThat(back.toString()).isEqualTo(p.toString());
    List<Tensor> leaves = new ArrayList<>();
    args.forEach(a -> leaves.addAll(Tree.leaves(a)));
    compare(name, c, back.evaluate(leaves));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void matchesFunctorch(String name) {
    JsonNode c = caseNamed(name);
    SpecInterpreter.Fn leaf = Catalogue.FUNCTIONS.get(c.get("function").asText())::apply;
    assertThat(leaf).as("catalogue function %s", c.get("function").asText()).isNotNull();
    SpecInterpreter.Fn f = SpecInterpreter.build(c.get("spec"), leaf);
    List<Object> args = new ArrayList<>();
    c.get("inputs").forEach(i -> args.add(value(i)));
    compare(name, c, Tree.flatten(f.apply(args)).leaves());
  }

  private static void compare(String name, JsonNode c, List<Tensor> got) {
    JsonNode expected = c.get("outputs");
    assertThat(got)
        .as("%s: number of result leaves", c.get("transform").asText())
        .hasSize(expected.size());
    for (int i = 0; i < got.size(); i++) {
      Tensor want = tensor(expected.get(i));
      Tensor g = got.get(i);
      assertThat(g.shape()).as("%s leaf %d shape", name, i).isEqualTo(want.shape());
      double[] a = g.toDoubleArray();
      double[] e = want.toDoubleArray();
      double scale = 1;
      for (double x : e) {
        scale = Math.max(scale, Math.abs(x));
      }
      for (int k = 0; k < a.length; k++) {
        double tol = 1e-9 * Math.abs(e[k]) + 1e-12 * scale;
        assertThat(Math.abs(a[k] - e[k]))
            .as(
                "%s (%s) leaf %d element %d: %s vs functorch %s",
                name, c.get("transform").asText(), i, k, a[k], e[k])
            .isLessThanOrEqualTo(tol);
      }
    }
  }
}
