package org.vmap4j.nn;

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
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * Conformance with PyTorch 1.13 + functorch in F64: every case of {@code conv_cases.json}, written
 * by {@code nn/src/test/python/generate_conv_fixtures.py} (see its docstring for the format). The
 * functional cases compare the result and the gradients of {@code sum(y * u)}; the CNN case the
 * logits, losses and per-sample gradients {@code vmap(grad(loss))} of every parameter, eagerly and
 * under {@code jit}.
 */
class ConvFixturesTest {
  private static final JsonNode ROOT = load();

  private static JsonNode load() {
    try (InputStream in =
        ConvFixturesTest.class.getResourceAsStream("/org/vmap4j/nn/conv_cases.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static Stream<String> functionalCases() {
    List<String> names = new ArrayList<>();
    ROOT.get("cases")
        .forEach(
            c -> {
              if (c.get("kind").asText().equals("functional")) {
                names.add(c.get("name").asText());
              }
            });
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

  /** {@code |actual - expected| <= 1e-9 |expected| + 1e-12 max(1, max |expected|)}. */
  static void assertMatches(Tensor actual, Tensor expected, String what) {
    assertThat(actual.shape()).as(what + " shape").containsExactly(expected.shape());
    double[] a = actual.toDoubleArray();
    double[] e = expected.toDoubleArray();
    double scale = 1;
    for (double v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      assertThat(Math.abs(a[i] - e[i]))
          .as("%s element %d: %s vs torch %s", what, i, a[i], e[i])
          .isLessThanOrEqualTo(1e-9 * Math.abs(e[i]) + 1e-12 * scale);
    }
  }

  /** An int or a list of ints from the kwargs; null when absent. */
  static int[] ints(JsonNode kwargs, String key) {
    JsonNode v = kwargs.get(key);
    if (v == null) {
      return null;
    }
    if (v.isInt()) {
      return new int[] {v.asInt()};
    }
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i).asInt();
    }
    return out;
  }

  /** The case's call, written with Functional, over its tensor inputs in order. */
  static Function<List<Tensor>, Tensor> call(JsonNode c) {
    String fn = c.get("function").asText();
    JsonNode kw = c.get("kwargs");
    List<String> present = new ArrayList<>();
    c.get("inputs").fieldNames().forEachRemaining(present::add);
    return in -> {
      Map<String, Tensor> t = new TreeMap<>();
      for (int i = 0; i < present.size(); i++) {
        t.put(present.get(i), in.get(i));
      }
      Tensor x = t.get("input");
      switch (fn) {
        case "conv1d", "conv2d", "conv3d" -> {
          int groups = kw.has("groups") ? kw.get("groups").asInt() : 1;
          int[] stride = ints(kw, "stride");
          int[] dilation = ints(kw, "dilation");
          Tensor w = t.get("weight");
          Tensor b = t.get("bias");
          if (kw.has("padding") && kw.get("padding").isTextual()) {
            String mode = kw.get("padding").asText();
            return switch (fn) {
              case "conv1d" -> Functional.conv1d(x, w, b, stride, mode, dilation, groups);
              case "conv2d" -> Functional.conv2d(x, w, b, stride, mode, dilation, groups);
              default -> Functional.conv3d(x, w, b, stride, mode, dilation, groups);
            };
          }
          int[] padding = ints(kw, "padding");
          return switch (fn) {
            case "conv1d" -> Functional.conv1d(x, w, b, stride, padding, dilation, groups);
            case "conv2d" -> Functional.conv2d(x, w, b, stride, padding, dilation, groups);
            default -> Functional.conv3d(x, w, b, stride, padding, dilation, groups);
          };
        }
        case "max_pool2d" -> {
          if (kw.has("dilation") || kw.has("ceil_mode")) {
            return Functional.maxPool2d(
                x,
                ints(kw, "kernel_size"),
                ints(kw, "stride"),
                ints(kw, "padding"),
                ints(kw, "dilation"),
                kw.path("ceil_mode").asBoolean(false));
          }
          return Functional.maxPool2d(
              x, ints(kw, "kernel_size"), ints(kw, "stride"), ints(kw, "padding"));
        }
        case "avg_pool2d" -> {
          if (kw.has("ceil_mode") || kw.has("count_include_pad")) {
            return Functional.avgPool2d(
                x,
                ints(kw, "kernel_size"),
                ints(kw, "stride"),
                ints(kw, "padding"),
                kw.path("ceil_mode").asBoolean(false),
                kw.path("count_include_pad").asBoolean(true));
          }
          return Functional.avgPool2d(
              x, ints(kw, "kernel_size"), ints(kw, "stride"), ints(kw, "padding"));
        }
        case "adaptive_avg_pool2d" -> {
          return Functional.adaptiveAvgPool2d(x, ints(kw, "output_size"));
        }
        default -> throw new IllegalArgumentException(fn);
      }
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("functionalCases")
  void functionalMatchesTorch(String name) {
    JsonNode c = caseNamed(name);
    List<String> names = new ArrayList<>();
    List<Tensor> inputs = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> it = c.get("inputs").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      names.add(e.getKey());
      inputs.add(tensor(e.getValue()));
    }
    Function<List<Tensor>, Tensor> f = call(c);
    JsonNode out = c.get("outputs");
    assertMatches(f.apply(inputs), tensor(out.get("y")), name + " y");
    Tensor u = tensor(c.get("cotangent"));
    List<Tensor> grads = Func.vjp(f, inputs).pullback(u);
    for (int i = 0; i < names.size(); i++) {
      assertMatches(
          grads.get(i), tensor(out.get("grad_" + names.get(i))), name + " grad " + names.get(i));
    }
    // and the same under jit
    assertMatches(Func.jit(f).apply(inputs), tensor(out.get("y")), name + " jit y");
  }

  // ---------------------------------------------------------------- the digits CNN

  /** The CNN of the fixture script, per example: x [1, 8, 8] -> logits [10]. */
  static Tensor logits(Map<String, Tensor> p, Tensor x) {
    Tensor h =
        Functional.conv2d(
            x, p.get("conv1.weight"), p.get("conv1.bias"), null, new int[] {1}, null, 1);
    h = Functional.maxPool2d(h.relu(), new int[] {2});
    h =
        Functional.conv2d(
            h, p.get("conv2.weight"), p.get("conv2.bias"), null, new int[] {1}, null, 1);
    h = Functional.maxPool2d(h.relu(), new int[] {2});
    return p.get("fc.weight").matmul(h.reshape(-1)).add(p.get("fc.bias"));
  }

  /** Cross-entropy against a one-hot label: {@code -(y * log_softmax(logits)).sum()}. */
  static Tensor loss(Map<String, Tensor> p, List<Tensor> example) {
    return example.get(1).mul(logits(p, example.get(0)).logSoftmax(0)).sum().neg();
  }

  @Test
  void perSampleGradientsOfTheDigitsCnnMatchFunctorch() {
    JsonNode c = caseNamed("cnn_digits_per_sample_grads");
    Map<String, Tensor> params = new TreeMap<>();
    c.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), tensor(e.getValue())));
    Tensor x = tensor(c.get("inputs").get("x"));
    JsonNode labels = c.get("inputs").get("labels");
    double[] oneHot = new double[labels.size() * 10];
    for (int i = 0; i < labels.size(); i++) {
      oneHot[i * 10 + labels.get(i).asInt()] = 1;
    }
    Tensor y = Tensor.of(oneHot, labels.size(), 10);
    JsonNode out = c.get("outputs");

    BiFunction<Map<String, Tensor>, Tensor, Tensor> logitsFn = ConvFixturesTest::logits;
    assertMatches(
        Func.vmap(logitsFn, InDims.of(null, 0)).apply(params, x),
        tensor(out.get("logits")),
        "logits");
    BiFunction<Map<String, Tensor>, List<Tensor>, Tensor> lossFn = ConvFixturesTest::loss;
    assertMatches(
        Func.vmap(lossFn, InDims.of(null, 0)).apply(params, List.of(x, y)),
        tensor(out.get("losses")),
        "losses");

    BiFunction<Map<String, Tensor>, List<Tensor>, Map<String, Tensor>> perSample =
        Func.vmap(Func.grad(lossFn), InDims.of(null, 0));
    Map<String, Tensor> eager = perSample.apply(params, List.of(x, y));
    Map<String, Tensor> jitted = Func.jit(perSample).apply(params, List.of(x, y));
    JsonNode want = out.get("per_sample_grads");
    assertThat(eager.keySet()).containsExactlyElementsOf(params.keySet());
    for (String k : params.keySet()) {
      assertMatches(eager.get(k), tensor(want.get(k)), "per-sample grad " + k);
      assertMatches(jitted.get(k), tensor(want.get(k)), "jit per-sample grad " + k);
    }
  }
}
