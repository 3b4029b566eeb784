package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.vmap;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * {@link Functional#lstm}, {@link Functional#gru} and the {@link Lstm}, {@link Gru} layers against
 * torch.nn.LSTM / torch.nn.GRU (PyTorch 1.13, F64, 1e-9; fixtures by {@code
 * nn/src/test/python/generate_model_fixtures.py}): the module's weights load by their state-dict
 * names; outputs and final states for one sequence with and without an initial state and for a
 * time-first batch; the gradient of a weighted sum of the outputs and final states with respect to
 * every parameter and the initial states; per-sample gradients {@code vmap(grad)} of a classifier
 * (sequence 20, hidden 32, linear on the last hidden state, cross-entropy) against functorch's.
 * Each eagerly and under jit.
 */
class RecurrentConformanceTest {
  static final double TOL = 1e-9;
  static final int I = 5;
  static final int H = 32;

  record LstmClassifier(Lstm.Params rnn, Linear.Params fc) {}

  record GruClassifier(Gru.Params rnn, Linear.Params fc) {}

  record LstmInputs(Lstm.Params rnn, Tensor h0, Tensor c0) {}

  record GruInputs(Gru.Params rnn, Tensor h0) {}

  /** The entries of {@code fixture} under {@code prefix}, without it. */
  static Map<String, Tensor> under(Map<String, Tensor> fixture, String prefix) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    fixture.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }

  static void compareByName(Map<String, Tensor> actual, Map<String, Tensor> expected, String what) {
    assertThat(actual.keySet()).as(what).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (String n : expected.keySet()) {
      Fixtures.assertClose(actual.get(n), expected.get(n), TOL, what + n);
    }
  }

  // ---------------------------------------------------------------- LSTM

  static final Map<String, Tensor> LSTM = Fixtures.load("rnn_lstm.safetensors");

  static Lstm.Params lstmParams() {
    return StateDict.load(new Lstm(I, H).init(0, DType.F64), under(LSTM, "param."));
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void lstmOutputsAndFinalStates(boolean jitted) {
    Lstm layer = new Lstm(I, H);
    Lstm.Params p = lstmParams();
    Fn3<Tensor, Tensor, Tensor, Lstm.Result> run = (x, h0, c0) -> layer.run(p, x, h0, c0);
    if (jitted) {
      run = jit(run);
    }
    String[][] cases = {
      {"nostate", "x1", null, null}, {"state", "x1", "h1", "c1"}, {"batched", "xb", "hb", "cb"}
    };
    for (String[] c : cases) {
      Lstm.Result r =
          c[2] == null
              ? jitOrNot(jitted, (Tensor x) -> layer.run(p, x, null, null)).apply(LSTM.get(c[1]))
              : run.apply(LSTM.get(c[1]), LSTM.get(c[2]), LSTM.get(c[3]));
      Fixtures.assertClose(r.output(), LSTM.get(c[0] + ".output"), TOL, c[0] + ".output");
      Fixtures.assertClose(r.h(), LSTM.get(c[0] + ".h"), TOL, c[0] + ".h");
      Fixtures.assertClose(r.c(), LSTM.get(c[0] + ".c"), TOL, c[0] + ".c");
    }
    assertThat(layer.apply(p, LSTM.get("x1")).shape()).containsExactly(20, H);
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void lstmGradientsOfParametersAndInitialStates(boolean jitted) {
    Tensor x = LSTM.get("xb");
    Function<LstmInputs, LstmInputs> g =
        grad(
            (LstmInputs in) -> {
              Lstm.Result r = new Lstm(I, H).run(in.rnn(), x, in.h0(), in.c0());
              return r.output()
                  .mul(LSTM.get("u"))
                  .sum()
                  .add(r.h().mul(LSTM.get("v")).sum())
                  .add(r.c().mul(LSTM.get("w")).sum());
            });
    if (jitted) {
      g = jit(g);
    }
    LstmInputs d = g.apply(new LstmInputs(lstmParams(), LSTM.get("hb"), LSTM.get("cb")));
    Map<String, Tensor> actual = new LinkedHashMap<>(StateDict.of(d.rnn()));
    actual.put("h0", d.h0());
    actual.put("c0", d.c0());
    compareByName(actual, under(LSTM, "grad."), "grad.");
  }

  static Tensor lstmLoss(LstmClassifier p, Tensor seq, Tensor label) {
    Tensor h = new Lstm(I, H).run(p.rnn(), seq, null, null).h().squeeze(0);
    return Functional.crossEntropy(Functional.linear(h, p.fc().weight(), p.fc().bias()), label);
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void lstmClassifierPerSampleGradients(boolean jitted) {
    LstmClassifier template =
        new LstmClassifier(new Lstm(I, H).init(0, DType.F64), new Linear(H, 4).init(1, DType.F64));
    Map<String, Tensor> named = new LinkedHashMap<>();
    under(LSTM, "cls.param.").forEach((k, v) -> named.put(k.startsWith("fc.") ? k : "rnn." + k, v));
    LstmClassifier p = StateDict.load(template, named);
    Fn3<LstmClassifier, Tensor, Tensor, LstmClassifier> perSample =
        vmap(grad(RecurrentConformanceTest::lstmLoss), InDims.of(null, 0, 0));
    if (jitted) {
      perSample = jit(perSample);
    }
    LstmClassifier g = perSample.apply(p, LSTM.get("cls.seqs"), LSTM.get("cls.labels"));
    Map<String, Tensor> actual = new LinkedHashMap<>();
    StateDict.of(g).forEach((k, v) -> actual.put(k.replaceFirst("^rnn\\.", ""), v));
    assertThat(actual.get("weight_hh_l0").shape()).containsExactly(6, 4 * H, H);
    compareByName(actual, under(LSTM, "cls.per_sample_grad."), "per_sample_grad.");
  }

  // ---------------------------------------------------------------- GRU

  static final Map<String, Tensor> GRU = Fixtures.load("rnn_gru.safetensors");

  static Gru.Params gruParams() {
    return StateDict.load(new Gru(I, H).init(0, DType.F64), under(GRU, "param."));
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void gruOutputsAndFinalState(boolean jitted) {
    Gru layer = new Gru(I, H);
    Gru.Params p = gruParams();
    java.util.function.BiFunction<Tensor, Tensor, Gru.Result> run = (x, h0) -> layer.run(p, x, h0);
    if (jitted) {
      run = jit(run);
    }
    String[][] cases = {{"nostate", "x1", null}, {"state", "x1", "h1"}, {"batched", "xb", "hb"}};
    for (String[] c : cases) {
      Gru.Result r =
          c[2] == null
              ? jitOrNot(jitted, (Tensor x) -> layer.run(p, x, null)).apply(GRU.get(c[1]))
              : run.apply(GRU.get(c[1]), GRU.get(c[2]));
      Fixtures.assertClose(r.output(), GRU.get(c[0] + ".output"), TOL, c[0] + ".output");
      Fixtures.assertClose(r.h(), GRU.get(c[0] + ".h"), TOL, c[0] + ".h");
    }
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void gruGradientsOfParametersAndInitialState(boolean jitted) {
    Tensor x = GRU.get("xb");
    Function<GruInputs, GruInputs> g =
        grad(
            (GruInputs in) -> {
              Gru.Result r = new Gru(I, H).run(in.rnn(), x, in.h0());
              return r.output().mul(GRU.get("u")).sum().add(r.h().mul(GRU.get("v")).sum());
            });
    if (jitted) {
      g = jit(g);
    }
    GruInputs d = g.apply(new GruInputs(gruParams(), GRU.get("hb")));
    Map<String, Tensor> actual = new LinkedHashMap<>(StateDict.of(d.rnn()));
    actual.put("h0", d.h0());
    compareByName(actual, under(GRU, "grad."), "grad.");
  }

  static Tensor gruLoss(GruClassifier p, Tensor seq, Tensor label) {
    Tensor h = new Gru(I, H).run(p.rnn(), seq, null).h().squeeze(0);
    return Functional.crossEntropy(Functional.linear(h, p.fc().weight(), p.fc().bias()), label);
  }

  @ParameterizedTest(name = "jit = {0}")
  @ValueSource(booleans = {false, true})
  void gruClassifierPerSampleGradients(boolean jitted) {
    GruClassifier template =
        new GruClassifier(new Gru(I, H).init(0, DType.F64), new Linear(H, 4).init(1, DType.F64));
    Map<String, Tensor> named = new LinkedHashMap<>();
    under(GRU, "cls.param.").forEach((k, v) -> named.put(k.startsWith("fc.") ? k : "rnn." + k, v));
    GruClassifier p = StateDict.load(template, named);
    Fn3<GruClassifier, Tensor, Tensor, GruClassifier> perSample =
        vmap(grad(RecurrentConformanceTest::gruLoss), InDims.of(null, 0, 0));
    if (jitted) {
      perSample = jit(perSample);
    }
    GruClassifier g = perSample.apply(p, GRU.get("cls.seqs"), GRU.get("cls.labels"));
    Map<String, Tensor> actual = new LinkedHashMap<>();
    StateDict.of(g).forEach((k, v) -> actual.put(k.replaceFirst("^rnn\\.", ""), v));
    compareByName(actual, under(GRU, "cls.per_sample_grad."), "per_sample_grad.");
  }

  // ---------------------------------------------------------------- names and errors

  @Test
  void stateDictNamesAreTorchs() {
    assertThat(StateDict.names(new Lstm(3, 2).init(0, DType.F64)))
        .containsExactly("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0");
    assertThat(StateDict.of(new Gru(3, 2).init(0, DType.F64)).get("weight_ih_l0").shape())
        .containsExactly(6, 3);
  }

  @Test
  void badShapesNameTheArgumentAndTheExpectedShape() {
    Lstm.Params p = new Lstm(3, 2).init(0, DType.F64);
    Tensor seq = Tensor.zeros(DType.F64, 7, 4);
    assertThatThrownBy(() -> new Lstm(3, 2).apply(p, seq))
        .hasMessageContaining("lstm: weightIh must have shape [8, 4]")
        .hasMessageContaining("found [8, 3]");
    Tensor ok = Tensor.zeros(DType.F64, 7, 3);
    assertThatThrownBy(() -> new Lstm(3, 2).run(p, ok, Tensor.zeros(DType.F64, 2), null))
        .hasMessageContaining(
            "lstm: h0 (one layer, as PyTorch's) must have shape [1, 2], found [2]");
    assertThatThrownBy(
            () -> new Gru(3, 2).apply(new Gru(3, 2).init(0, DType.F64), Tensor.zeros(DType.F64, 3)))
        .hasMessageContaining("gru: input must be [T, I] (one sequence) or [T, N, I]");
  }

  private static <R> Function<Tensor, R> jitOrNot(boolean jitted, Function<Tensor, R> f) {
    return jitted ? jit(f) : f;
  }
}
