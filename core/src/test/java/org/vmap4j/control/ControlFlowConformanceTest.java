package org.vmap4j.control;

import static org.vmap4j.Func.cond;
import static org.vmap4j.Func.grad;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.scan;
import static org.vmap4j.Func.vjp;
import static org.vmap4j.Func.vmap;
import static org.vmap4j.Func.whileLoop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanResult;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;
import org.vmap4j.Vjp;
import org.vmap4j.testing.TensorAssertions;

/**
 * cond, whileLoop and scan against PyTorch 1.13 + functorch references computed on plain Python
 * loops and ifs ({@code core/src/test/control/generate_control_fixtures.py}, F64), to 1e-9.
 */
class ControlFlowConformanceTest {
  private static final double TOL = 1e-9;
  private static final JsonNode CASES = load();

  private static JsonNode load() {
    try (InputStream in =
        ControlFlowConformanceTest.class.getResourceAsStream(
            "/org/vmap4j/control/control_fixtures.json")) {
      return new ObjectMapper().readTree(in).get("cases");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Tensor get(String testCase, String name) {
    JsonNode t = CASES.get(testCase).get(name);
    if (t == null) {
      throw new IllegalArgumentException("fixture " + testCase + " has no " + name);
    }
    int[] shape = new int[t.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = t.get("shape").get(i).asInt();
    }
    double[] data = new double[t.get("data").size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = t.get("data").get(i).asDouble();
    }
    return Tensor.of(data, shape);
  }

  /** {@code |got - want| <= TOL * max(1, |want|)}; a NaN or an infinity fails. */
  static void assertClose(String what, Tensor got, Tensor want) {
    TensorAssertions.assertClose(
        what, got, want, TensorAssertions.Tolerance.scaled(TOL).finiteOnly());
  }

  // ------------------------------------------------------------------------- cond

  static Tensor branchTrue(Tensor a) {
    return a.sin().mul(a).add(1.0);
  }

  static Tensor branchFalse(Tensor a) {
    return a.cos().sub(a.mul(a));
  }

  static Tensor condFn(Tensor a) {
    return cond(
        a.sum().gt(0),
        ControlFlowConformanceTest::branchTrue,
        ControlFlowConformanceTest::branchFalse,
        a);
  }

  @Test
  void condValueJvpAndVjpOnBothBranches() {
    for (String c : List.of("cond_pos", "cond_neg")) {
      Tensor x = get(c, "x");
      assertClose(c + " value", condFn(x), get(c, "y"));
      assertClose(
          c + " jvp",
          jvp(ControlFlowConformanceTest::condFn, x, get(c, "v")).tangent(),
          get(c, "jvp"));
      Vjp<Tensor, Tensor> v = vjp(ControlFlowConformanceTest::condFn, x);
      assertClose(c + " vjp", v.pullback(get(c, "u")), get(c, "vjp"));
    }
  }

  @Test
  void vmapOfCondWithABatchedPredicateMatchesThePerExampleLoop() {
    String c = "cond_vmap_batched_predicate";
    Tensor x = get(c, "X");
    assertClose(c + " value", vmap(ControlFlowConformanceTest::condFn).apply(x), get(c, "Y"));
    Tensor perExampleGrads = vmap(grad((Tensor a) -> condFn(a).sum().pow(2.0))).apply(x);
    assertClose(c + " per-example grads", perExampleGrads, get(c, "G"));
  }

  @Test
  void vmapOfCondWithAnUnbatchedPredicate() {
    String c = "cond_vmap_unbatched_predicate";
    Tensor p = get(c, "p");
    Tensor y =
        vmap(
                (Tensor a, Tensor q) ->
                    cond(
                        q.sum().gt(0),
                        (List<Tensor> o) -> branchTrue(o.get(0)).mul(o.get(1)),
                        (List<Tensor> o) -> branchFalse(o.get(0)).add(o.get(1)),
                        List.of(a, q)),
                InDims.of(0, null))
            .apply(get(c, "X"), p);
    assertClose(c, y, get(c, "Y"));
  }

  // ------------------------------------------------------------------------- whileLoop

  static Tensor newtonSqrt(Tensor a) {
    List<Tensor> out =
        whileLoop(
            (List<Tensor> s) ->
                Tensor.where(
                    s.get(1).lt(60),
                    s.get(0).mul(s.get(0)).sub(a).abs().max().gt(1e-12),
                    Tensor.of(new boolean[] {false}).reshape()),
            (List<Tensor> s) ->
                List.of(
                    s.get(0).add(a.div(s.get(0))).mul(0.5),
                    s.get(1).add(Tensor.scalar(DType.I32, 1))),
            List.of(a.mul(0.0).add(1.0), Tensor.scalar(DType.I32, 0)));
    return out.get(0);
  }

  static Tensor grow(Tensor x, Tensor c) {
    return whileLoop((Tensor s) -> s.sum().lt(50.0), (Tensor s) -> s.mul(c).add(s.sin()), x);
  }

  @Test
  void whileLoopValueAndForwardMode() {
    String n = "while_newton";
    Tensor a = get(n, "a");
    assertClose(n + " value", newtonSqrt(a), get(n, "y"));
    assertClose(
        n + " jvp",
        jvp(ControlFlowConformanceTest::newtonSqrt, a, get(n, "v")).tangent(),
        get(n, "jvp"));
    String g = "while_grow";
    Tensor c = get(g, "c");
    assertClose(g + " value", grow(get(g, "x"), c), get(g, "y"));
    assertClose(
        g + " jvp",
        jvp((Tensor x) -> grow(x, c), get(g, "x"), get(g, "v")).tangent(),
        get(g, "jvp"));
  }

  @Test
  void vmapOfWhileLoopWithABatchedPredicateFreezesFinishedExamples() {
    String w = "while_vmap";
    Tensor c = get(w, "c");
    assertClose(w + " value", vmap((Tensor x) -> grow(x, c)).apply(get(w, "X")), get(w, "Y"));
    Tensor tangents =
        vmap((Tensor x, Tensor t) -> jvp((Tensor q) -> grow(q, c), x, t).tangent())
            .apply(get(w, "X"), get(w, "V"));
    assertClose(w + " per-example jvp", tangents, get(w, "T"));
  }

  @Test
  void vmapOfWhileLoopWithAnUnbatchedPredicate() {
    String w = "while_vmap_unbatched_predicate";
    Tensor y =
        vmap((Tensor s) ->
                whileLoop(
                        (List<Tensor> st) -> st.get(1).lt(7),
                        (List<Tensor> st) ->
                            List.of(
                                st.get(0).sin().mul(s).add(0.1),
                                st.get(1).add(Tensor.scalar(DType.I32, 1))),
                        List.of(s, Tensor.scalar(DType.I32, 0)))
                    .get(0))
            .apply(get(w, "S"));
    assertClose(w, y, get(w, "Y"));
  }

  // ------------------------------------------------------------------------- scan

  static ScanResult<Tensor, Tensor> rnn(Tensor h, Tensor w, Tensor u, Tensor xs, boolean reverse) {
    return scan(
        (Tensor carry, Tensor x) -> {
          Tensor next = w.matmul(x).add(u.matmul(carry)).tanh();
          return new ScanStep<>(next, next.mul(next).sum());
        },
        h,
        xs,
        ScanOptions.defaults().reverse(reverse));
  }

  @Test
  void scanValueJvpAndVjpForwardAndReverse() {
    for (String c : List.of("scan", "scan_rev")) {
      boolean reverse = c.equals("scan_rev");
      Tensor u = get(c, "U");
      Tensor xs = get(c, "XS");
      ScanResult<Tensor, Tensor> r = rnn(get(c, "h0"), get(c, "W"), u, xs, reverse);
      assertClose(c + " final carry", r.carry(), get(c, "hT"));
      assertClose(c + " ys", r.ys(), get(c, "ys"));
      java.util.function.Function<List<Tensor>, List<Tensor>> f =
          hw -> {
            ScanResult<Tensor, Tensor> s = rnn(hw.get(0), hw.get(1), u, xs, reverse);
            return List.of(s.carry(), s.ys());
          };
      List<Tensor> t =
          jvp(f, List.of(get(c, "h0"), get(c, "W")), List.of(get(c, "vh"), get(c, "vw"))).tangent();
      assertClose(c + " jvp carry", t.get(0), get(c, "jvp_h"));
      assertClose(c + " jvp ys", t.get(1), get(c, "jvp_ys"));
      List<Tensor> g =
          vjp(f, List.of(get(c, "h0"), get(c, "W"))).pullback(List.of(get(c, "uh"), get(c, "uy")));
      assertClose(c + " vjp h0", g.get(0), get(c, "vjp_h0"));
      assertClose(c + " vjp W (captured by the body)", g.get(1), get(c, "vjp_W"));
    }
  }

  @Test
  void vmapOfScanWithInDimsOnCarryAndXs() {
    String c = "scan_vmap";
    Tensor w = get(c, "W");
    Tensor u = get(c, "U");
    List<Tensor> out =
        vmap(
                (Tensor h, Tensor xs) -> {
                  ScanResult<Tensor, Tensor> r = rnn(h, w, u, xs, false);
                  return List.of(r.carry(), r.ys());
                },
                InDims.of(0, 1))
            .apply(get(c, "HB"), get(c, "XB"));
    assertClose(c + " carry", out.get(0), get(c, "hT"));
    assertClose(c + " ys", out.get(1), get(c, "ys"));
    Tensor perExample =
        vmap(
                (Tensor h, Tensor xs) ->
                    grad((Tensor ww) -> rnn(h, ww, u, xs, false).ys().sum()).apply(w),
                InDims.of(0, 1))
            .apply(get(c, "HB"), get(c, "XB"));
    assertClose(c + " per-example grad of W", perExample, get(c, "gW"));
  }

  // ------------------------------------------------------------------------- LSTM

  @Test
  void perSampleGradientsOfAnLstmClassifierMatchFunctorch() {
    String c = "lstm";
    Lstm p =
        new Lstm(
            get(c, "w_ih"),
            get(c, "w_hh"),
            get(c, "b_ih"),
            get(c, "b_hh"),
            get(c, "w_out"),
            get(c, "b_out"));
    Tensor seqs = get(c, "seqs");
    Tensor labels = get(c, "labels");
    assertClose(
        c + " losses",
        vmap((Tensor s, Tensor l) -> Lstm.loss(p, s, l)).apply(seqs, labels),
        get(c, "losses"));
    Lstm g =
        vmap(
                grad((Lstm q, List<Tensor> ex) -> Lstm.loss(q, ex.get(0), ex.get(1))),
                InDims.of(null, 0))
            .apply(p, List.of(seqs, labels));
    assertClose(c + " grad w_ih", g.wIh(), get(c, "grad_w_ih"));
    assertClose(c + " grad w_hh", g.wHh(), get(c, "grad_w_hh"));
    assertClose(c + " grad b_ih", g.bIh(), get(c, "grad_b_ih"));
    assertClose(c + " grad b_hh", g.bHh(), get(c, "grad_b_hh"));
    assertClose(c + " grad w_out", g.wOut(), get(c, "grad_w_out"));
    assertClose(c + " grad b_out", g.bOut(), get(c, "grad_b_out"));
  }

  @Test
  void perSampleGradientsOfAGruClassifierMatchFunctorch() {
    String c = "gru";
    Gru p =
        new Gru(
            get(c, "w_ih"),
            get(c, "w_hh"),
            get(c, "b_ih"),
            get(c, "b_hh"),
            get(c, "w_out"),
            get(c, "b_out"));
    Tensor seqs = get(c, "seqs");
    Tensor labels = get(c, "labels");
    assertClose(
        c + " losses",
        vmap((Tensor s, Tensor l) -> Gru.loss(p, s, l)).apply(seqs, labels),
        get(c, "losses"));
    Gru g =
        vmap(
                grad((Gru q, List<Tensor> ex) -> Gru.loss(q, ex.get(0), ex.get(1))),
                InDims.of(null, 0))
            .apply(p, List.of(seqs, labels));
    assertClose(c + " grad w_ih", g.wIh(), get(c, "grad_w_ih"));
    assertClose(c + " grad w_hh", g.wHh(), get(c, "grad_w_hh"));
    assertClose(c + " grad b_ih", g.bIh(), get(c, "grad_b_ih"));
    assertClose(c + " grad b_hh", g.bHh(), get(c, "grad_b_hh"));
    assertClose(c + " grad w_out", g.wOut(), get(c, "grad_w_out"));
    assertClose(c + " grad b_out", g.bOut(), get(c, "grad_b_out"));
  }
}
