package org.vmap4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmap4j.testing.TreeValues.dot;
import static org.vmap4j.testing.TreeValues.flat;

import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.PerSampleGrads;
import org.vmap4j.Tensor;

/**
 * Per-sample gradient reductions of issue 17's models (a transformer block over an embedding, a
 * CNN) and of random small embedding and convolution programs: the compiled route (the compiler's
 * rewrites where they fire, the formed gradients where they do not) equals the materialized route
 * ({@code vmap(grad)} then the reduction, eagerly) and a loop of per-example {@code grad} calls,
 * F64 to 1e-9; the program text says which layers were rewritten.
 */
class PerSampleModelsTest {
  record Block(
      Embedding.Params embedding, TransformerEncoderLayer.Params encoder, Linear.Params fc) {}

  record Cnn(
      Conv2d.Params conv1,
      GroupNorm.Params norm1,
      Conv2d.Params conv2,
      GroupNorm.Params norm2,
      Linear.Params fc) {}

  static final Embedding EMBEDDING = new Embedding(40, 16);
  static final TransformerEncoderLayer ENCODER = new TransformerEncoderLayer(16, 2, 32);
  static final Linear BLOCK_FC = new Linear(16, 5);

  /** One example: token indices {@code [T]}, label in [0, 5). */
  static Tensor blockLoss(Block p, Tensor tokens, Tensor label) {
    Tensor h = ENCODER.apply(p.encoder(), EMBEDDING.apply(p.embedding(), tokens));
    return Functional.crossEntropy(BLOCK_FC.apply(p.fc(), h.mean(0)), label);
  }

  static final Conv2d CONV1 = new Conv2d(3, 4, 3, 1);
  static final Conv2d CONV2 = new Conv2d(4, 6, 3, 1);
  static final GroupNorm NORM1 = new GroupNorm(2, 4);
  static final GroupNorm NORM2 = new GroupNorm(2, 6);
  static final Linear CNN_FC = new Linear(6 * 2 * 2, 5);

  /** The CNN of the benchmarks (issue 17) on {@code [3, 8, 8]} images. */
  static Tensor cnnLoss(Cnn p, Tensor image, Tensor label) {
    Tensor h = CONV1.apply(p.conv1(), image);
    h = NORM1.apply(p.norm1(), h.unsqueeze(0)).squeeze(0);
    h = Functional.maxPool2d(Functional.relu(h), new int[] {2});
    h = CONV2.apply(p.conv2(), h);
    h = NORM2.apply(p.norm2(), h.unsqueeze(0)).squeeze(0);
    h = Functional.maxPool2d(Functional.relu(h), new int[] {2});
    return Functional.crossEntropy(CNN_FC.apply(p.fc(), h.reshape(-1)), label);
  }

  @Test
  void transformerBlockOverAnEmbeddingMatchesTheLoop() {
    int b = 4;
    int t = 6;
    Block p =
        new Block(
            EMBEDDING.init(1, DType.F64), ENCODER.init(2, DType.F64), BLOCK_FC.init(3, DType.F64));
    Tensor tokens = tokens(b, t, EMBEDDING.numEmbeddings(), 5);
    Tensor labels = Tensor.of(new long[] {0, 3, 1, 4}, b);
    PerSampleGrads<Block, PerSampleGrads.LabeledBatch<Tensor, Tensor>> ps =
        PerSampleGrads.of(PerSampleModelsTest::blockLoss);
    var batch = new PerSampleGrads.LabeledBatch<>(tokens, labels);
    String text = ps.explain(p, batch);
    // in_proj (q, k and v in one product), out_proj, linear1, linear2 over the sequence (T = 6,
    // e.g. 6·(16+48) < 16·48), the classifier (T = 1), and the embedding (6²·17 < 40·16).
    assertEquals(6, count(section(text, "squaredNorms", "clippedSum"), "rewrite=ghost_norm"), text);
    assertEquals(6, count(section(text, "clippedSum", "dot "), "rewrite=ghost_clipped_sum"), text);
    assertEquals(6, count(section(text, "dot ", "project "), "rewrite=per_sample_dot"), text);
    assertEquals(6, count(section(text, "project ", null), "rewrite=rank_one_projection"), text);
    assertNoPerSampleTable(text);
    assertTrue(text.contains("dot (6 of 6 weight leaves per_sample_dot,"), text);
    assertTrue(text.contains("no per-sample weight gradient formed"), text);

    BiFunction<Block, Integer, Object> gradOf =
        (q, i) ->
            Func.grad(PerSampleModelsTest::blockLoss)
                .apply(q, tokens.index(0, i), labels.index(0, i));
    Block reference =
        new Block(
            EMBEDDING.init(7, DType.F64), ENCODER.init(8, DType.F64), BLOCK_FC.init(9, DType.F64));
    checkAgainstLoop(ps, p, batch, b, gradOf, reference);
  }

  /**
   * The CNN on {@code [3, 8, 8]} images: its convolutions have 64 and 16 output positions, too many
   * for the norms' patch Gram ({@code 64·(27+4) ≥ 27·4}, {@code 16·(36+6) ≥ 36·6}), so their filter
   * gradients are formed for the norms and the clipped sum; the dot is computed from each layer's
   * convolution of its input with the reference, and the projection (k=4 in explain) of the second
   * from its patches ({@code 16·4·(36+6) < 16·36·6 + 4·36·6}), not of the first.
   */
  @Test
  void cnnMatchesTheLoopAndItsConvolutionsFallBack() {
    int b = 3;
    Cnn p =
        new Cnn(
            CONV1.init(1, DType.F64),
            NORM1.init(2, DType.F64),
            CONV2.init(3, DType.F64),
            NORM2.init(4, DType.F64),
            CNN_FC.init(5, DType.F64));
    Tensor images = Tensor.randomNormal(6, DType.F64, b, 3, 8, 8);
    Tensor labels = Tensor.of(new long[] {2, 0, 4}, b);
    PerSampleGrads<Cnn, PerSampleGrads.LabeledBatch<Tensor, Tensor>> ps =
        PerSampleGrads.of(PerSampleModelsTest::cnnLoss);
    var batch = new PerSampleGrads.LabeledBatch<>(images, labels);
    String text = ps.explain(p, batch);
    // The norms: only the classifier is rewritten; the filter gradients [B, O, C, 3, 3] are formed.
    assertEquals(1, count(section(text, "squaredNorms", "clippedSum"), "rewrite=ghost_norm"), text);
    // ... and the clipped sum forms them too for the norms, so it sums them as they are.
    assertEquals(1, count(section(text, "clippedSum", "dot "), "rewrite=ghost_clipped_sum"), text);
    assertTrue(section(text, "squaredNorms", "clippedSum").contains("f64[3,6,4,3,3]"), text);
    assertTrue(
        text.startsWith(
            "squaredNorms (1 of 3 weight leaves ghost_norm, 2 per-sample weight gradients formed"
                + " as written: the fall-back)"),
        text);
    assertTrue(
        text.contains(
            "clippedSum (1 of 3 weight leaves ghost_norm, 1 of 3 weight leaves ghost_clipped_sum,"
                + " 2 per-sample weight gradients formed as written: the fall-back)"),
        text);

    assertTrue(
        text.contains("dot (3 of 3 weight leaves per_sample_dot, no per-sample weight gradient"),
        text);
    assertTrue(
        text.contains(
            "project (2 of 3 weight leaves rank_one_projection, 1 per-sample weight gradients"
                + " formed as written: the fall-back)"),
        text);
    BiFunction<Cnn, Integer, Object> gradOf =
        (q, i) ->
            Func.grad(PerSampleModelsTest::cnnLoss)
                .apply(q, images.index(0, i), labels.index(0, i));
    Cnn reference =
        new Cnn(
            CONV1.init(11, DType.F64),
            NORM1.init(12, DType.F64),
            CONV2.init(13, DType.F64),
            NORM2.init(14, DType.F64),
            CNN_FC.init(15, DType.F64));
    checkAgainstLoop(ps, p, batch, b, gradOf, reference);
  }

  record Table(Tensor weight, Tensor scale) {}

  /**
   * Random embedding programs: table sizes, widths and sequence lengths on both sides of the norm's
   * cost rule ({@code T²·(D+1) < V·D}), with repeated indices (the Gram's equal-index terms).
   */
  @Test
  void randomEmbeddingProgramsMatchTheLoop() {
    Random random = new Random(19);
    for (int trial = 0; trial < 6; trial++) {
      int v = 3 + random.nextInt(40);
      int d = 1 + random.nextInt(6);
      int t = 1 + random.nextInt(7);
      int b = trial == 0 ? 1 : 2 + random.nextInt(3); // B = 1 once: not rewritten
      Table p =
          new Table(
              Tensor.randomNormal(100 + trial, DType.F64, v, d),
              Tensor.randomNormal(200 + trial, DType.F64, d));
      Tensor tokens = tokens(b, t, Math.min(v, 1 + random.nextInt(v)), 300 + trial);
      BiFunction<Table, Tensor, Tensor> loss =
          (q, x) -> Functional.embedding(x, q.weight()).mul(q.scale()).tanh().square().sum();
      PerSampleGrads<Table, Tensor> ps = PerSampleGrads.of(loss);
      String text = ps.explain(p, tokens);
      boolean gramCheaper = (long) t * t * (d + 1) < (long) v * d;
      String what = "trial " + trial + " V=" + v + " D=" + d + " T=" + t + " B=" + b;
      assertEquals(
          gramCheaper,
          section(text, "squaredNorms", "clippedSum").contains("rewrite=ghost_norm"),
          what + "\n" + text);
      assertTrue(
          section(text, "clippedSum", "dot ")
              .contains("scatter_add[axis=0 batch_dims=0 rewrite=ghost_clipped_sum]"),
          what + "\n" + text);
      assertTrue(section(text, "dot ", "project ").contains("rewrite=per_sample_dot"), what + text);
      assertTrue(section(text, "project ", null).contains("rewrite=rank_one_projection"), what);
      BiFunction<Table, Integer, Object> gradOf =
          (q, i) -> Func.grad(loss).apply(q, tokens.index(0, i));
      Table reference =
          new Table(
              Tensor.randomNormal(400 + trial, DType.F64, v, d),
              Tensor.randomNormal(500 + trial, DType.F64, d));
      checkAgainstLoop(ps, p, tokens, b, gradOf, reference);
    }
  }

  /**
   * Random tied embeddings: one {@code [V, D]} matrix is the input lookup and the output projection
   * ({@code logits = h Wᵀ}, per token or of the mean over the sequence), so each per-sample
   * gradient is a row scatter plus a sum of outer products. The norms add both closed forms and
   * twice their cross term when both cost rules hold (else the gradient is formed); the clipped
   * sum's batch sum and the dot are the sums of the two terms' forms, and so is the projection when
   * the outer products' rule holds.
   */
  @Test
  void randomTiedEmbeddingProgramsMatchTheLoop() {
    Random random = new Random(31);
    int[] normRewrites = new int[2];
    int[] crossTermsOverSequences = new int[3]; // rewritten norms with T > 1, per form
    int[] projectionRewrites = new int[2];
    for (int trial = 0; trial < 9; trial++) {
      int v = 3 + random.nextInt(40);
      int d = 1 + random.nextInt(6);
      int t = 1 + random.nextInt(7);
      int b = 2 + random.nextInt(3);
      // per token as h Wᵀ ([T, V]) or as W hᵀ ([V, T]: the other order of the outer products'
      // factors), or the logits of the sequence's mean (no time axis)
      int form = trial % 3;
      boolean perToken = form != 2;
      if (trial == 3 || trial == 4) { // per token, both orders, on the rewritten side: T > 1
        v = 30 + random.nextInt(10);
        d = 4 + random.nextInt(3);
        t = 2 + random.nextInt(2); // 3·(30+4) < 30·4, 3²·5 < 30·4
      }
      Table p =
          new Table(
              Tensor.randomNormal(1100 + trial, DType.F64, v, d),
              Tensor.randomNormal(1200 + trial, DType.F64, d));
      Tensor tokens = tokens(b, t, Math.min(v, 1 + random.nextInt(v)), 1300 + trial);
      BiFunction<Table, Tensor, Tensor> loss =
          form == 0
              ? (q, x) ->
                  Functional.embedding(x, q.weight())
                      .mul(q.scale())
                      .tanh()
                      .matmul(q.weight().transpose())
                      .logSumExp(1)
                      .sum()
              : form == 1
                  ? (q, x) ->
                      q.weight()
                          .matmul(
                              Functional.embedding(x, q.weight()).mul(q.scale()).tanh().transpose())
                          .logSumExp(0)
                          .sum()
                  : (q, x) ->
                      Functional.embedding(x, q.weight())
                          .mul(q.scale())
                          .tanh()
                          .mean(0)
                          .matmul(q.weight().transpose())
                          .logSumExp(0);
      PerSampleGrads<Table, Tensor> ps = PerSampleGrads.of(loss);
      String text = ps.explain(p, tokens);
      // the projection's Gram rule (always without a time axis, as for T = 1), the lookup's
      boolean projectionGram = !perToken || t == 1 || (long) t * (v + d) < (long) v * d;
      boolean lookupGram = (long) t * t * (d + 1) < (long) v * d;
      boolean gram = projectionGram && lookupGram;
      normRewrites[gram ? 1 : 0]++;
      if (gram && t > 1) {
        crossTermsOverSequences[form]++;
      }
      String what = "trial " + trial + " V=" + v + " D=" + d + " T=" + t + " B=" + b;
      assertEquals(
          gram ? 1 : 0,
          count(section(text, "squaredNorms", "clippedSum"), "rewrite=ghost_norm"),
          what + "\n" + text);
      assertEquals(
          1,
          count(section(text, "clippedSum", "dot "), "rewrite=ghost_clipped_sum"),
          what + "\n" + text);
      assertTrue(
          text.contains("dot (1 of 1 weight leaves per_sample_dot, no per-sample weight gradient"),
          what + "\n" + text);
      // the projection: the outer products' rule (T = 1 pooled), the lookup's always cheaper
      boolean projects = (long) (perToken ? t : 1) * (v + d) < (long) v * d;
      projectionRewrites[projects ? 1 : 0]++;
      assertEquals(
          projects ? 1 : 0,
          count(section(text, "project ", null), "rewrite=rank_one_projection"),
          what + "\n" + text);
      if (gram) {
        assertTrue(
            text.startsWith(
                "squaredNorms (1 of 1 weight leaves ghost_norm, no per-sample weight gradient"),
            what + "\n" + text);
      }
      BiFunction<Table, Integer, Object> gradOf =
          (q, i) -> Func.grad(loss).apply(q, tokens.index(0, i));
      Table reference =
          new Table(
              Tensor.randomNormal(1400 + trial, DType.F64, v, d),
              Tensor.randomNormal(1500 + trial, DType.F64, d));
      checkAgainstLoop(ps, p, tokens, b, gradOf, reference);
    }
    assertTrue(normRewrites[0] > 0 && normRewrites[1] > 0, java.util.Arrays.toString(normRewrites));
    assertTrue(
        crossTermsOverSequences[0] > 0 && crossTermsOverSequences[1] > 0,
        java.util.Arrays.toString(crossTermsOverSequences));
    assertTrue(
        projectionRewrites[0] > 0 && projectionRewrites[1] > 0,
        java.util.Arrays.toString(projectionRewrites));
  }

  record Filter(Tensor weight, Tensor bias) {}

  /**
   * A convolution layer of {@code k.length} spatial dimensions over a batch of {@code batch}
   * examples, {@code size} each: {@code conv1d}, {@code conv2d} or {@code conv3d} with these
   * arguments ({@code same}: padding "same").
   */
  record ConvLayer(
      int trial,
      int batch,
      int groups,
      int cin,
      int cout,
      int[] k,
      int[] stride,
      int[] padding,
      int[] dilation,
      boolean same,
      int[] size) {
    Tensor apply(Tensor x, Filter q) {
      Tensor w = q.weight();
      Tensor b = q.bias();
      return switch (k.length) {
        case 1 ->
            same
                ? Functional.conv1d(x, w, b, stride, "same", dilation, groups)
                : Functional.conv1d(x, w, b, stride, padding, dilation, groups);
        case 2 ->
            same
                ? Functional.conv2d(x, w, b, stride, "same", dilation, groups)
                : Functional.conv2d(x, w, b, stride, padding, dilation, groups);
        default ->
            same
                ? Functional.conv3d(x, w, b, stride, "same", dilation, groups)
                : Functional.conv3d(x, w, b, stride, padding, dilation, groups);
      };
    }

    /** {@code T}: the output positions, computed here from PyTorch's size formula. */
    long positions() {
      long t = 1;
      for (int d = 0; d < k.length; d++) {
        int span = size[d] + (same ? 0 : 2 * padding[d] - dilation[d] * (k[d] - 1));
        t *= same ? size[d] : (span - 1) / stride[d] + 1;
      }
      return t;
    }

    /** {@code CK}: the length of one group's unfolded patch, {@code (C/G)·k...}. */
    long patchLength() {
      long n = cin / groups;
      for (int kd : k) {
        n *= kd;
      }
      return n;
    }

    int[] weightShape() {
      int[] shape = new int[k.length + 2];
      shape[0] = cout;
      shape[1] = cin / groups;
      System.arraycopy(k, 0, shape, 2, k.length);
      return shape;
    }

    int[] inputShape() {
      int[] shape = new int[size.length + 2];
      shape[0] = batch;
      shape[1] = cin;
      System.arraycopy(size, 0, shape, 2, size.length);
      return shape;
    }

    @Override
    public String toString() {
      return "trial "
          + trial
          + " conv"
          + k.length
          + "d T="
          + positions()
          + " CK="
          + patchLength()
          + " O="
          + cout
          + " groups="
          + groups
          + " B="
          + batch;
    }
  }

  /** How many covered layers were rewritten ([1]) or formed ([0]) by each cost rule. */
  static final class RuleCounts {
    final int[] norms = new int[2];
    final int[] groupedNorms = new int[2];
    final int[] projections = new int[2];
    final int[] groupedProjections = new int[2];

    void assertBothSidesSeen(String what) {
      String counts =
          what
              + " norms "
              + java.util.Arrays.toString(norms)
              + " grouped "
              + java.util.Arrays.toString(groupedNorms)
              + " projections "
              + java.util.Arrays.toString(projections)
              + " grouped "
              + java.util.Arrays.toString(groupedProjections);
      assertTrue(norms[0] > 0 && norms[1] > 0, counts);
      assertTrue(projections[0] > 0 && projections[1] > 0, counts);
      // a grouped layer's rewritten norms (so also its clipped sum) and projection
      assertTrue(groupedNorms[1] > 0 && groupedProjections[1] > 0, counts);
    }
  }

  /**
   * Random 2-d convolutions (strides, padding, dilation per dimension, "same" padding, non-square
   * images and windows, groups): the dot is computed from the layer's convolution of the input, the
   * norms from the patches (per group) when the cost rule says so (else the filter gradients are
   * formed), the projection by its cost rule and the clipped sum's batch sum when the norms were
   * rewritten. All must equal the loop of {@code grad}.
   */
  @Test
  void randomConvolutionProgramsMatchTheLoop() {
    Random random = new Random(23);
    RuleCounts counts = new RuleCounts();
    for (int trial = 0; trial < 12; trial++) {
      int groups = trial % 4 == 3 || trial == 10 ? 2 : 1;
      boolean depthwise = trial == 11;
      int cin = groups * (1 + random.nextInt(3)) + (trial == 2 ? 1 : 0);
      int cout = groups * (1 + random.nextInt(6));
      int[] k = {1 + random.nextInt(3), 1 + random.nextInt(3)};
      int[] stride = {1 + random.nextInt(2), 1 + random.nextInt(2)};
      int[] padding = {random.nextInt(2), random.nextInt(2)};
      int[] dilation = {1 + random.nextInt(2), 1 + random.nextInt(2)};
      boolean same = trial == 5 || trial == 9; // asymmetric padding for an even window
      if (same) {
        stride = new int[] {1, 1};
      }
      int[] size = {4 + random.nextInt(4), 4 + random.nextInt(4)};
      if (trial % 3 == 1) {
        // few output positions, wide layers: the side of the cost rules where the patches win
        cin = groups * (3 + random.nextInt(2));
        cout = groups * (6 + random.nextInt(3));
        k = new int[] {3, 2 + random.nextInt(2)};
        stride = new int[] {2, 2};
        dilation = new int[] {1, 1};
        size = new int[] {4 + random.nextInt(2), 5};
        if (trial == 10) { // grouped, 2x2 positions: 4·(36+8) < 36·8 per group
          k = new int[] {3, 3};
          padding = new int[] {0, 0};
          size = new int[] {5, 5};
        }
      }
      int b = trial == 0 ? 1 : 2 + random.nextInt(3); // B = 1 once: not rewritten
      if (depthwise) { // one channel per group, two filters each, few positions
        groups = 4;
        cin = 4;
        cout = 8;
        k = new int[] {3, 3};
        stride = new int[] {2, 2};
        padding = new int[] {0, 0};
        size = new int[] {5, 5};
      }
      checkConvolution(
          new ConvLayer(trial, b, groups, cin, cout, k, stride, padding, dilation, same, size),
          counts);
    }
    counts.assertBothSidesSeen("conv2d");
  }

  /**
   * The same properties for 1-d and 3-d convolutions (sequences and volumes): the pattern, the
   * patches and every rewrite are written once over the spatial rank.
   */
  @Test
  void randomOneAndThreeDimensionalConvolutionsMatchTheLoop() {
    Random random = new Random(29);
    for (int dims : new int[] {1, 3}) {
      RuleCounts counts = new RuleCounts();
      for (int trial = 0; trial < 8; trial++) {
        int groups = trial % 4 == 3 || trial == 4 ? 2 : 1;
        int cin = groups * (1 + random.nextInt(3));
        int cout = groups * (2 + random.nextInt(5));
        int[] k = new int[dims];
        int[] stride = new int[dims];
        int[] padding = new int[dims];
        int[] dilation = new int[dims];
        int[] size = new int[dims];
        for (int d = 0; d < dims; d++) {
          k[d] = 1 + random.nextInt(dims == 1 ? 4 : 2);
          stride[d] = 1 + random.nextInt(2);
          padding[d] = random.nextInt(2);
          dilation[d] = 1 + random.nextInt(2);
          size[d] = (dims == 1 ? 6 : 3) + random.nextInt(4);
        }
        boolean same = trial == 5;
        if (same) {
          java.util.Arrays.fill(stride, 1);
        }
        if (trial % 3 == 1) { // few output positions, wide layers: the patches win
          cin = groups * (3 + random.nextInt(2));
          cout = groups * (6 + random.nextInt(3));
          for (int d = 0; d < dims; d++) {
            k[d] = d == 2 ? 2 : 3;
            stride[d] = 2;
            padding[d] = 0;
            dilation[d] = 1;
            size[d] = dims == 3 && d != 1 ? 4 : 4 + random.nextInt(2); // 3-d: T <= 4
          }
        }
        int b = 2 + random.nextInt(2);
        if (trial == 7) { // depthwise: one channel per group
          groups = 4;
          cin = 4;
          cout = 8;
        }
        checkConvolution(
            new ConvLayer(trial, b, groups, cin, cout, k, stride, padding, dilation, same, size),
            counts);
      }
      counts.assertBothSidesSeen("conv" + dims + "d");
    }
  }

  /**
   * One layer's per-sample reductions: the program text against the cost rules, a weighted batch
   * sum alone, and every reduction of both routes against the loop of {@code grad}.
   */
  private static void checkConvolution(ConvLayer layer, RuleCounts counts) {
    int b = layer.batch();
    int trial = layer.trial();
    Filter p =
        new Filter(
            Tensor.randomNormal(600 + trial, DType.F64, layer.weightShape()),
            Tensor.randomNormal(700 + trial, DType.F64, layer.cout()));
    Tensor images = Tensor.randomNormal(800 + trial, DType.F64, layer.inputShape());
    BiFunction<Filter, Tensor, Tensor> loss = (q, x) -> layer.apply(x, q).tanh().square().sum();
    PerSampleGrads<Filter, Tensor> ps = PerSampleGrads.of(loss);
    String text = ps.explain(p, images);
    long t = layer.positions();
    long ck = layer.patchLength(); // per group
    long cout = layer.cout();
    long o = cout / layer.groups();
    int groups = layer.groups();
    // (with a unit batch or filter axis the simplifier stages another form, left as written)
    boolean covered = b > 1 && cout > 1;
    boolean gram = covered && t * (ck + o) < ck * o;
    // k = 4 rows; a grouped layer convolves each group with all k rows of Q: G·CK + O per row
    boolean projects = covered && t * 4 * (groups * ck + cout) < t * ck * cout + 4 * ck * cout;
    String what = layer.toString();
    if (covered) {
      counts.norms[gram ? 1 : 0]++;
      counts.groupedNorms[gram && groups > 1 ? 1 : 0]++;
      counts.projections[projects ? 1 : 0]++;
      counts.groupedProjections[projects && groups > 1 ? 1 : 0]++;
    }
    assertEquals(
        gram,
        section(text, "squaredNorms", "clippedSum").contains("rewrite=ghost_norm"),
        what + "\n" + text);
    // the clipped sum's batch sum is rewritten once the norms no longer form the gradient
    assertEquals(
        gram,
        section(text, "clippedSum", "dot ").contains("rewrite=ghost_clipped_sum"),
        what + "\n" + text);
    assertEquals(
        covered, section(text, "dot ", "project ").contains("rewrite=per_sample_dot"), what);
    assertEquals(
        projects,
        section(text, "project ", null).contains("rewrite=rank_one_projection"),
        what + "\n" + text);
    // a weighted batch sum alone is one batch filter gradient (grouped: batch groups)
    BiFunction<Filter, Tensor, Filter> perExample = Func.vmap(Func.grad(loss), InDims.of(null, 0));
    // per-example weights computed from the batch, so that they are a value of the program
    BiFunction<Filter, Tensor, Filter> weightedSum =
        (q, x) -> {
          Filter g = perExample.apply(q, x);
          Tensor w = x.reshape(b, -1).mean(1).tanh();
          int[] unitsAfterBatch = new int[g.weight().ndim()];
          java.util.Arrays.fill(unitsAfterBatch, 1);
          unitsAfterBatch[0] = b;
          return new Filter(
              g.weight().mul(w.reshape(unitsAfterBatch)).sum(0),
              g.bias().mul(w.reshape(b, 1)).sum(0));
        };
    double[] weights = images.reshape(b, -1).mean(1).tanh().toDoubleArray();
    boolean rewritten =
        PerSampleGrads.optimizedProgram(weightedSum, p, images)
            .contains("rewrite=ghost_clipped_sum");
    assertEquals(covered, rewritten, what);
    double[] expected = new double[flat(p).length];
    for (int i = 0; i < b; i++) {
      double[] g = flat(Func.grad(loss).apply(p, images.index(0, i)));
      double w = weights[i];
      for (int j = 0; j < g.length; j++) {
        expected[j] += w * g[j];
      }
    }
    assertClose(expected, flat(Func.jit(weightedSum).apply(p, images)), "weighted sum " + what);
    BiFunction<Filter, Integer, Object> gradOf =
        (q, i) -> Func.grad(loss).apply(q, images.index(0, i));
    Filter reference =
        new Filter(
            Tensor.randomNormal(900 + trial, DType.F64, layer.weightShape()),
            Tensor.randomNormal(1000 + trial, DType.F64, layer.cout()));
    checkAgainstLoop(ps, p, images, b, gradOf, reference);
  }

  // ------------------------------------------------------------------------------- checking

  /**
   * Squared norms, clipped sum and dot of both routes against the loop's per-example gradients; the
   * projection of the compiled route against the materialized one.
   */
  private static <P, X> void checkAgainstLoop(
      PerSampleGrads<P, X> ps,
      P params,
      X batch,
      int b,
      BiFunction<P, Integer, Object> gradOf,
      P reference) {
    double[][] g = new double[b][];
    double[] sq = new double[b];
    for (int i = 0; i < b; i++) {
      g[i] = flat(gradOf.apply(params, i));
      sq[i] = dot(g[i], g[i]);
    }
    double maxNorm = 0.6 * Math.sqrt(sq[0]);
    double[] clipped = new double[g[0].length];
    for (int i = 0; i < b; i++) {
      double c = Math.min(1, maxNorm / (Math.sqrt(sq[i]) + 1e-6));
      for (int j = 0; j < clipped.length; j++) {
        clipped[j] += c * g[i][j];
      }
    }
    double[] r = flat(reference);
    double[] dots = new double[b];
    for (int i = 0; i < b; i++) {
      dots[i] = dot(g[i], r);
    }
    for (PerSampleGrads<P, X> route : List.of(ps, ps.materialized())) {
      String name = route.isCompiled() ? "compiled" : "materialized";
      assertClose(sq, route.squaredNorms(params, batch).toDoubleArray(), name + " squared norms");
      assertClose(clipped, flat(route.clippedSum(params, batch, maxNorm)), name + " clipped sum");
      assertClose(dots, route.dot(params, batch, reference).toDoubleArray(), name + " dot");
    }
    assertClose(
        ps.materialized().project(params, batch, 5, 3L).toDoubleArray(),
        ps.project(params, batch, 5, 3L).toDoubleArray(),
        "compiled projection");
  }

  /** Indices in {@code [0, distinct)} with repeats, {@code [b, t]}. */
  private static Tensor tokens(int b, int t, int distinct, long seed) {
    Random random = new Random(seed);
    long[] idx = new long[b * t];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = random.nextInt(distinct);
    }
    return Tensor.of(idx, b, t);
  }

  /** No {@code [B, V, D]} per-sample embedding gradient ({@code [4, 40, 16]}) in any program. */
  private static void assertNoPerSampleTable(String text) {
    assertFalse(text.contains("f64[4,40,16] = scatter_add"), text);
  }

  private static String section(String text, String from, String to) {
    int start = text.indexOf(from);
    int end = to == null ? text.length() : text.indexOf(to, start + from.length());
    return text.substring(start, end);
  }

  private static int count(String text, String what) {
    return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }

  private static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          expected[i], actual[i], 1e-9 * Math.max(1, Math.abs(expected[i])), what + " " + i);
    }
  }
}
