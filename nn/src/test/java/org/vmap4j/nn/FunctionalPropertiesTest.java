package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.Func.jit;
import static org.vmap4j.Func.jvp;
import static org.vmap4j.Func.vmap;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.DType;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.VmapOptions;

/**
 * Properties of every {@link Functional} function on random per-example shapes, in F64: vmap over a
 * batch (each argument mapped at dimension 0, at its last dimension, or shared) equals a loop over
 * the examples; the JVP equals central finite differences; jit equals eager.
 */
class FunctionalPropertiesTest {
  /** A per-example function of several tensors, with a generator of per-example arguments. */
  record Case(String name, Function<Random, List<Tensor>> args, Function<List<Tensor>, Tensor> f) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Tensor normal(Random r, double scale, int... shape) {
    return Tensor.randomNormal(r.nextLong(), DType.F64, shape).mul(scale);
  }

  static Tensor classes(Random r, int n, int... shape) {
    return Tensor.randomUniform(r.nextLong(), DType.F64, shape).mul(n).astype(DType.I64);
  }

  static int size(Random r) {
    return 1 + r.nextInt(4);
  }

  static final List<Case> CASES = new ArrayList<>();

  static void add(
      String name, Function<Random, List<Tensor>> args, Function<List<Tensor>, Tensor> f) {
    CASES.add(new Case(name, args, f));
  }

  static {
    Function<Random, List<Tensor>> matrix = r -> List.of(normal(r, 3, size(r), size(r) + 1));
    add("relu", matrix, a -> Functional.relu(a.get(0)));
    add("gelu", matrix, a -> Functional.gelu(a.get(0)));
    add("silu", matrix, a -> Functional.silu(a.get(0)));
    add("softplus", matrix, a -> Functional.softplus(a.get(0)));
    add("softplus beta 2 threshold 3", matrix, a -> Functional.softplus(a.get(0), 2, 3));
    add("logSigmoid", matrix, a -> Functional.logSigmoid(a.get(0)));
    add(
        "linear",
        r -> {
          int in = size(r);
          int out = size(r);
          return List.of(normal(r, 1, size(r), in), normal(r, 1, out, in), normal(r, 1, out));
        },
        a -> Functional.linear(a.get(0), a.get(1), a.get(2)));
    add(
        "linear of a vector, no bias",
        r -> {
          int in = size(r);
          return List.of(normal(r, 1, in), normal(r, 1, size(r), in));
        },
        a -> Functional.linear(a.get(0), a.get(1), null));
    add(
        "embedding",
        r -> {
          int v = size(r) + 1;
          return List.of(classes(r, v, size(r)), normal(r, 1, v, size(r)));
        },
        a -> Functional.embedding(a.get(0), a.get(1)));
    add(
        "crossEntropy of one example",
        r -> {
          int c = size(r) + 1;
          return List.of(normal(r, 2, c), classes(r, c));
        },
        a -> Functional.crossEntropy(a.get(0), a.get(1)));
    add(
        "crossEntropy [N, C] with label smoothing",
        r -> {
          int c = size(r) + 1;
          int n = size(r);
          return List.of(normal(r, 2, n, c), classes(r, c, n));
        },
        a -> Functional.crossEntropy(a.get(0), a.get(1), Reduction.MEAN, 0.15));
    add(
        "crossEntropy with ignored targets (-100 where the mask is false)",
        r -> {
          int c = size(r) + 1;
          int n = size(r) + 2;
          Tensor keep = Tensor.iota(DType.I32, new int[] {n}, 0).ne(1); // position 1 ignored
          return List.of(normal(r, 2, n, c), classes(r, c, n), keep);
        },
        a -> {
          Tensor ignored = Tensor.full(DType.I64, -100, a.get(1).shape());
          Tensor target = Tensor.where(a.get(2), a.get(1), ignored);
          return Functional.crossEntropy(a.get(0), target, Reduction.MEAN, 0.1);
        });
    add(
        "crossEntropy with class probabilities",
        r -> {
          int c = size(r) + 1;
          return List.of(normal(r, 2, c), normal(r, 1, c).softmax(0));
        },
        a -> Functional.crossEntropy(a.get(0), a.get(1)));
    add(
        "nllLoss, sum",
        r -> {
          int c = size(r) + 1;
          int n = size(r);
          return List.of(normal(r, 2, n, c), classes(r, c, n));
        },
        a -> Functional.nllLoss(a.get(0), a.get(1), Reduction.SUM));
    add(
        "mseLoss",
        r -> {
          int n = size(r);
          return List.of(normal(r, 1, n), normal(r, 1, n));
        },
        a -> Functional.mseLoss(a.get(0), a.get(1)));
    add(
        "binaryCrossEntropyWithLogits, none",
        r -> {
          int n = size(r);
          return List.of(normal(r, 3, n), Tensor.randomUniform(r.nextLong(), DType.F64, n));
        },
        a -> Functional.binaryCrossEntropyWithLogits(a.get(0), a.get(1), Reduction.NONE));
    add(
        "layerNorm",
        r -> {
          int d = size(r) + 1;
          return List.of(normal(r, 2, size(r), d), normal(r, 1, d), normal(r, 1, d));
        },
        a ->
            Functional.layerNorm(
                a.get(0), new int[] {a.get(1).shape()[0]}, a.get(1), a.get(2), 1e-5));
    add(
        "groupNorm",
        r -> {
          int c = 2 * size(r);
          return List.of(normal(r, 2, 1, c, size(r) + 1), normal(r, 1, c), normal(r, 1, c));
        },
        a -> Functional.groupNorm(a.get(0), 2, a.get(1), a.get(2), 1e-5));
    add(
        "batchNorm, evaluation mode",
        r -> {
          int c = size(r);
          return List.of(
              normal(r, 2, 1, c, size(r)),
              normal(r, 1, c),
              normal(r, 1, c).abs().add(0.5),
              normal(r, 1, c),
              normal(r, 1, c));
        },
        a -> Functional.batchNorm(a.get(0), a.get(1), a.get(2), a.get(3), a.get(4), 1e-5));
    add(
        "scaledDotProductAttention with a mask",
        r -> {
          int l = size(r);
          int s = size(r) + 1;
          int e = size(r);
          Tensor mask = Tensor.randomUniform(r.nextLong(), DType.F64, l, s).gt(0.4);
          Tensor first = Tensor.iota(DType.I32, new int[] {l, s}, 1).eq(0); // each query attends
          Tensor anyMask = Tensor.where(first, 1.0, mask.astype(DType.F64)).gt(0.5);
          return List.of(normal(r, 1, l, e), normal(r, 1, s, e), normal(r, 1, s, size(r)), anyMask);
        },
        a -> Functional.scaledDotProductAttention(a.get(0), a.get(1), a.get(2), a.get(3)));
  }

  static Stream<Arguments> casesAndSeeds() {
    List<Arguments> out = new ArrayList<>();
    for (Case c : CASES) {
      for (long seed : new long[] {1, 2, 3}) {
        out.add(Arguments.of(c, seed));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @MethodSource("casesAndSeeds")
  void vmapEqualsALoopOverExamples(Case c, long seed) {
    Random r = new Random(seed);
    int batch = 1 + r.nextInt(3);
    List<List<Tensor>> examples = new ArrayList<>();
    Random shapes = new Random(r.nextLong());
    long shapeSeed = shapes.nextLong();
    for (int b = 0; b < batch; b++) {
      // the same shapes for every example: the generator's sizes come from one seed
      Random sizes = new Random(shapeSeed);
      List<Tensor> one = c.args().apply(sizes);
      List<Tensor> fresh = new ArrayList<>();
      Random values = new Random(r.nextLong());
      for (Tensor t : one) {
        fresh.add(resample(t, values));
      }
      examples.add(fresh);
    }
    int n = examples.get(0).size();
    List<Object> dims = new ArrayList<>();
    List<Tensor> batched = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int choice = r.nextInt(3);
      int rank = examples.get(0).get(i).ndim();
      if (choice == 0) {
        dims.add(null); // shared: every example sees example 0's value
        for (List<Tensor> e : examples) {
          e.set(i, examples.get(0).get(i));
        }
        batched.add(examples.get(0).get(i));
      } else {
        int d = choice == 1 ? 0 : rank;
        dims.add(d);
        Tensor[] parts = new Tensor[batch];
        for (int b = 0; b < batch; b++) {
          parts[b] = examples.get(b).get(i);
        }
        batched.add(Tensor.stack(d, parts));
      }
    }
    Tensor[] expected = new Tensor[batch];
    for (int b = 0; b < batch; b++) {
      expected[b] = c.f().apply(examples.get(b));
    }
    Tensor got =
        vmap(c.f(), VmapOptions.defaults().inDims(InDims.tree(dims)).axisSize(batch))
            .apply(batched);
    Fixtures.assertClose(got, Tensor.stack(0, expected), 1e-12, c.name() + " in_dims " + dims);
  }

  /** A tensor like t with fresh values of the same kind (indices stay in range). */
  static Tensor resample(Tensor t, Random r) {
    if (t.dtype() == DType.F64) {
      double scale = Math.max(1e-3, t.abs().max().item());
      boolean positive = t.min().item() > 0;
      Tensor fresh = Tensor.randomNormal(r.nextLong(), DType.F64, t.shape()).mul(scale / 2);
      if (positive) {
        // variances and probabilities keep their sign (probabilities renormalized below)
        fresh = fresh.abs().add(0.1);
        if (Math.abs(t.sum().item() - 1) < 1e-9) {
          fresh = fresh.div(fresh.sum());
        }
      }
      return fresh;
    }
    if (t.dtype() == DType.I64) {
      long bound = Math.max(1, (long) t.max().item() + 1);
      long[] v = new long[t.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = r.nextInt((int) bound);
      }
      return t.ndim() == 0 ? Tensor.of(v, 1).reshape() : Tensor.of(v, t.shape());
    }
    return t; // masks keep their pattern
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @MethodSource("casesAndSeeds")
  void jvpEqualsCentralFiniteDifferencesAndJitEqualsEager(Case c, long seed) {
    Random r = new Random(seed);
    List<Tensor> args = c.args().apply(r);
    List<Integer> floating = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).dtype() == DType.F64) {
        floating.add(i);
      }
    }
    Function<List<Tensor>, Tensor> overFloats =
        xs -> {
          List<Tensor> all = new ArrayList<>(args);
          for (int k = 0; k < floating.size(); k++) {
            all.set(floating.get(k), xs.get(k));
          }
          return c.f().apply(all);
        };
    List<Tensor> x = new ArrayList<>();
    List<Tensor> dir = new ArrayList<>();
    for (int i : floating) {
      x.add(args.get(i));
      dir.add(Tensor.randomNormal(r.nextLong(), DType.F64, args.get(i).shape()));
    }
    Tensor tangent = jvp(overFloats, x, dir).tangent();
    double h = 1e-6;
    Tensor plus = overFloats.apply(step(x, dir, h));
    Tensor minus = overFloats.apply(step(x, dir, -h));
    Fixtures.assertClose(tangent, plus.sub(minus).div(2 * h), 1e-6, c.name() + " jvp");
    Fixtures.assertClose(jit(c.f()).apply(args), c.f().apply(args), 1e-13, c.name() + " jit");
  }

  static List<Tensor> step(List<Tensor> x, List<Tensor> dir, double h) {
    List<Tensor> out = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      out.add(x.get(i).add(dir.get(i).mul(h)));
    }
    return out;
  }

  @org.junit.jupiter.api.Test
  void everyCaseHasAtLeastOneFloatingArgument() {
    for (Case c : CASES) {
      assertThat(c.args().apply(new Random(0)).stream().anyMatch(t -> t.dtype() == DType.F64))
          .as(c.name())
          .isTrue();
    }
  }
}
