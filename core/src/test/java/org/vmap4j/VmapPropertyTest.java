package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.interpreter.Interpreters.bind1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Pad;
import org.vmap4j.prim.Primitives;
import org.vmap4j.prim.ReduceWindow;
import org.vmap4j.prim.ScatterAdd;
import org.vmap4j.prim.SelectAndScatter;

/**
 * For every primitive: vmap(f) on a batch equals stacking f applied to each example, for random
 * per-example values, dtypes, in_dims (including unmapped arguments and negative dims), batch
 * sizes, under nesting and with chunking. The cases are per-example functions; each names the
 * primitives it exercises, and a test checks that together they cover the whole primitive set.
 */
class VmapPropertyTest {
  /** A per-example function of several tensors, with a generator of per-example arguments. */
  record Case(
      String name,
      Set<String> primitives,
      java.util.function.BiFunction<Random, DType, Tensor[]> args,
      Function<Tensor[], Tensor> f) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<Case> CASES = new ArrayList<>();
  static final Set<String> COVERED = new TreeSet<>();

  static void add(
      String name,
      String prims,
      java.util.function.BiFunction<Random, DType, Tensor[]> args,
      Function<Tensor[], Tensor> f) {
    CASES.add(new Case(name, Set.of(prims.split(" ")), args, f));
  }

  static Tensor rnd(Random r, DType t, int... shape) {
    return Tensor.randomNormal(r.nextLong(), t, shape);
  }

  static {
    for (String op :
        List.of(
            "neg",
            "abs",
            "sign",
            "exp",
            "log",
            "log1p",
            "expm1",
            "sin",
            "cos",
            "tanh",
            "logistic",
            "sqrt",
            "rsqrt",
            "erf")) {
      add(
          op,
          op,
          (r, t) -> new Tensor[] {rnd(r, t, 2, 3).abs().add(0.1)},
          a ->
              switch (op) {
                case "neg" -> a[0].neg();
                case "abs" -> a[0].sub(1).abs();
                case "sign" -> a[0].sub(1).sign();
                case "exp" -> a[0].exp();
                case "log" -> a[0].log();
                case "log1p" -> a[0].log1p();
                case "expm1" -> a[0].expm1();
                case "sin" -> a[0].sin();
                case "cos" -> a[0].cos();
                case "tanh" -> a[0].tanh();
                case "logistic" -> a[0].sigmoid();
                case "sqrt" -> a[0].sqrt();
                case "erf" -> a[0].sub(1).erf();
                default -> a[0].rsqrt();
              });
    }
    add(
        "binary ops with broadcasting",
        "add sub mul div pow max min broadcast_in_dim",
        (r, t) -> {
          return new Tensor[] {rnd(r, t, 3, 4), rnd(r, t, 4), rnd(r, t, 3, 1)};
        },
        a ->
            a[0].add(a[1])
                .mul(a[2])
                .sub(a[1].div(a[2].abs().add(1)))
                .maximum(a[1])
                .minimum(a[2].add(2))
                .add(a[0].abs().pow(a[2].abs())));
    add(
        "comparisons and where",
        "lt le gt ge eq ne select",
        (r, t) -> new Tensor[] {rnd(r, t, 5), rnd(r, DType.F64, 5)},
        a -> {
          Tensor b = a[1].astype(a[0].dtype());
          Tensor s = Tensor.where(a[0].lt(b), a[0], b).add(Tensor.where(a[0].ge(0), 1.0, b));
          Tensor c = a[0].le(b).astype(a[0].dtype()).add(a[0].gt(b).astype(a[0].dtype()));
          return s.add(c)
              .add(a[0].eq(a[0]).astype(a[0].dtype()))
              .add(a[0].ne(b).astype(a[0].dtype()));
        });
    add(
        "convert",
        "convert",
        (r, t) -> new Tensor[] {rnd(r, DType.F64, 4).mul(5)},
        a -> a[0].astype(DType.I32).astype(DType.F32).add(a[0].astype(DType.F32)));
    add(
        "reductions",
        "reduce_sum reduce_max reduce_min",
        (r, t) -> new Tensor[] {rnd(r, t, 3, 4, 2)},
        a -> a[0].sum(1).add(a[0].max(2).sum(1).unsqueeze(1).mul(0.5)).sub(a[0].min(0).sum(0)));
    add(
        "argmax",
        "argmax",
        (r, t) -> new Tensor[] {rnd(r, t, 3, 5)},
        a -> a[0].argmax(1).add(a[0].argmax(0).sum()));
    add(
        "softmax family",
        "reduce_max exp reduce_sum log",
        (r, t) -> new Tensor[] {rnd(r, DType.F64, 2, 5)},
        a -> a[0].softmax(1).add(a[0].logSoftmax(0)).add(a[0].logSumExp(1, true)));
    add(
        "matmul and dot",
        "dot_general",
        (r, t) -> {
          return new Tensor[] {rnd(r, t, 3, 4), rnd(r, t, 4, 2), rnd(r, t, 4)};
        },
        a ->
            a[0].matmul(a[1])
                .sum(1)
                .add(a[0].matmul(a[2]))
                .add(a[2].dot(a[2]))
                .add(a[2].matmul(a[1]).sum()));
    add(
        "batched matmul",
        "dot_general",
        (r, t) -> {
          return new Tensor[] {rnd(r, t, 2, 3, 4), rnd(r, t, 2, 4, 2)};
        },
        a -> a[0].matmul(a[1]));
    add(
        "reshape and transpose",
        "reshape transpose",
        (r, t) -> new Tensor[] {rnd(r, t, 2, 3, 4)},
        a -> a[0].permute(2, 0, 1).reshape(4, 6).transpose().reshape(-1).unsqueeze(0));
    add(
        "slice",
        "slice",
        (r, t) -> new Tensor[] {rnd(r, t, 6, 5)},
        a ->
            a[0].slice(0, 1, 6, 2)
                .slice(1, -3, 5)
                .add(a[0].index(1, 2).slice(0, 0, 3).unsqueeze(1)));
    add(
        "pad",
        "pad",
        (r, t) -> new Tensor[] {rnd(r, t, 2, 3)},
        a ->
            bind1(
                Pad.PAD,
                Pad.params(new int[] {1, 0}, new int[] {0, 2}, new int[] {1, 1}, 0.5),
                a[0]));
    add(
        "concat and stack",
        "concatenate",
        (r, t) -> {
          return new Tensor[] {rnd(r, t, 2, 3), rnd(r, t, 1, 3)};
        },
        a ->
            Tensor.concat(0, a[0], a[1], a[0])
                .add(Tensor.stack(1, a[1].squeeze(0), a[1].squeeze(0)).sum(1)));
    add(
        "index with a tensor",
        "gather",
        (r, t) -> new Tensor[] {rnd(r, t, 5, 3), Tensor.of(r.longs(4, 0, 5).toArray(), 2, 2)},
        a -> a[0].index(0, a[1]));
    add(
        "index along an inner dimension",
        "gather",
        (r, t) -> new Tensor[] {rnd(r, t, 2, 5, 3), Tensor.of(r.longs(4, 0, 5).toArray(), 4)},
        a -> a[0].index(1, a[1]));
    add(
        "torch gather",
        "gather",
        (r, t) -> new Tensor[] {rnd(r, t, 3, 4), Tensor.of(r.longs(6, 0, 4).toArray(), 3, 2)},
        a -> a[0].gather(1, a[1]));
    add(
        "scatter_add",
        "scatter_add",
        (r, t) -> {
          return new Tensor[] {
            rnd(r, t, 4, 2), Tensor.of(r.longs(3, 0, 4).toArray(), 3), rnd(r, t, 3, 2)
          };
        },
        a -> bind1(ScatterAdd.SCATTER_ADD, Gather.params(0, 0), a[0], a[1], a[2]));
    add(
        "iota inside",
        "iota",
        (r, t) -> new Tensor[] {rnd(r, DType.F64, 4)},
        a -> a[0].add(Tensor.arange(4).astype(DType.F64)).mul(Tensor.eye(4)));
    add(
        "conv strided, padded, dilated both sides",
        "conv_general_dilated",
        (r, t) -> new Tensor[] {rnd(r, t, 2, 2, 5, 4), rnd(r, t, 3, 2, 2, 3)},
        a ->
            bind1(
                ConvGeneralDilated.CONV_GENERAL_DILATED,
                ConvGeneralDilated.params(
                    new int[] {2, 1},
                    new int[] {1, -1},
                    new int[] {0, 2},
                    new int[] {1, 2},
                    new int[] {2, 1},
                    1,
                    1),
                a[0],
                a[1]));
    add(
        "conv feature groups",
        "conv_general_dilated",
        (r, t) -> new Tensor[] {rnd(r, t, 1, 4, 6), rnd(r, t, 6, 2, 3)},
        a ->
            bind1(
                ConvGeneralDilated.CONV_GENERAL_DILATED,
                ConvGeneralDilated.params(
                    new int[] {2},
                    new int[] {1},
                    new int[] {1},
                    new int[] {1},
                    new int[] {1},
                    2,
                    1),
                a[0],
                a[1]));
    add(
        "conv batch groups",
        "conv_general_dilated",
        (r, t) -> new Tensor[] {rnd(r, t, 4, 3, 5), rnd(r, t, 4, 3, 2)},
        a ->
            bind1(
                ConvGeneralDilated.CONV_GENERAL_DILATED,
                ConvGeneralDilated.params(
                    new int[] {1},
                    new int[] {0},
                    new int[] {1},
                    new int[] {2},
                    new int[] {1},
                    1,
                    2),
                a[0],
                a[1]));
    add(
        "reduce_window sum, max and min",
        "reduce_window_sum reduce_window_max reduce_window_min",
        (r, t) -> new Tensor[] {rnd(r, t, 2, 5, 4)},
        a -> {
          Params w =
              ReduceWindow.params(
                  new int[] {1, 2, 3},
                  new int[] {1, 2, 1},
                  new int[] {0, 1, 1},
                  new int[] {0, 0, 1});
          return bind1(ReduceWindow.REDUCE_WINDOW_SUM, w, a[0])
              .add(bind1(ReduceWindow.REDUCE_WINDOW_MAX, w, a[0]).mul(2.0))
              .add(bind1(ReduceWindow.REDUCE_WINDOW_MIN, w, a[0]).mul(3.0));
        });
    add(
        "select_and_scatter_add max and min",
        "select_and_scatter_add_max select_and_scatter_add_min",
        (r, t) -> new Tensor[] {rnd(r, t, 2, 5, 4), rnd(r, t, 2, 3, 4)},
        a -> {
          Params w =
              ReduceWindow.params(
                  new int[] {1, 2, 3},
                  new int[] {1, 2, 1},
                  new int[] {0, 1, 1},
                  new int[] {0, 0, 1});
          return bind1(SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX, w, a[0], a[1])
              .add(bind1(SelectAndScatter.SELECT_AND_SCATTER_ADD_MIN, w, a[0], a[1]).mul(3.0));
        });
    add(
        "cond on a data predicate",
        "cond",
        (r, t) -> new Tensor[] {rnd(r, t, 3), rnd(r, t, 3)},
        a ->
            Func.cond(
                a[0].sum().gt(a[1].sum()),
                (List<Tensor> l) -> l.get(0).sin().mul(l.get(1)),
                (List<Tensor> l) -> l.get(1).exp().sub(l.get(0)),
                List.of(a[0], a[1])));
    add(
        "while with a trip count in the data",
        "while",
        (r, t) -> new Tensor[] {rnd(r, t, 2), Tensor.scalar(DType.I32, r.nextInt(5))},
        a ->
            Func.whileLoop(
                    (List<Tensor> s) -> s.get(1).lt(a[1]),
                    (List<Tensor> s) ->
                        List.of(
                            s.get(0).cos().add(s.get(0).mul(0.5)),
                            s.get(1).add(Tensor.scalar(DType.I32, 1))),
                    List.of(a[0], Tensor.scalar(DType.I32, 0)))
                .get(0));
    add(
        "scan over xs with a captured weight",
        "scan",
        (r, t) -> new Tensor[] {rnd(r, t, 2), rnd(r, t, 4, 2), rnd(r, t, 2)},
        a ->
            Func.scan(
                    (Tensor c, Tensor x) ->
                        new ScanStep<>(c.mul(x).add(a[2]).tanh(), c.sum().add(x.sum())),
                    a[0],
                    a[1])
                .ys());
  }

  @Provide
  Arbitrary<Case> cases() {
    return Arbitraries.of(CASES);
  }

  /** A batch of {@code size} examples of argument {@code i}, stacked at {@code dim}. */
  static Tensor stackAt(List<Tensor[]> examples, int i, int dim) {
    Tensor[] xs = new Tensor[examples.size()];
    for (int b = 0; b < xs.length; b++) {
      xs[b] = examples.get(b)[i];
    }
    return Tensor.stack(dim, xs);
  }

  /** Random in_dims: null (unmapped) or a position, sometimes negative. */
  static Integer[] randomInDims(Random r, Tensor[] example) {
    Integer[] dims = new Integer[example.length];
    boolean any = false;
    for (int i = 0; i < dims.length; i++) {
      if (r.nextInt(4) == 0) {
        continue;
      }
      int rank = example[i].ndim() + 1;
      int d = r.nextInt(rank);
      dims[i] = r.nextBoolean() ? d : d - rank;
      any = true;
    }
    if (!any) {
      dims[0] = 0;
    }
    return dims;
  }

  static Tensor[] batchArgs(List<Tensor[]> examples, Integer[] dims) {
    Tensor[] batched = new Tensor[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] == null) {
        batched[i] = examples.get(0)[i];
      } else {
        int rank = examples.get(0)[i].ndim() + 1;
        batched[i] = stackAt(examples, i, dims[i] < 0 ? dims[i] + rank : dims[i]);
      }
    }
    return batched;
  }

  /** Examples where unmapped arguments are shared by all (the function sees one value). */
  static List<Tensor[]> examples(Case c, Random r, DType dtype, int size, Integer[] dims) {
    List<Tensor[]> out = new ArrayList<>();
    Tensor[] first = null;
    for (int b = 0; b < size; b++) {
      Tensor[] e = c.args().apply(new Random(r.nextLong()), dtype);
      if (first == null) {
        first = e;
      }
      if (dims != null) {
        for (int i = 0; i < e.length; i++) {
          if (dims[i] == null) {
            e[i] = first[i];
          }
        }
      }
      out.add(e);
    }
    return out;
  }

  static Function<Object[], Tensor> vmapped(Case c, Integer[] inDims, int outDim, int chunk) {
    VmapOptions o = VmapOptions.defaults().inDims(inDims).outDims(outDim).chunkSize(chunk);
    Function<List<Tensor>, Tensor> g =
        Func.vmap(
            (List<Tensor> l) -> c.f().apply(l.toArray(new Tensor[0])),
            o.inDims(InDims.tree((Object) Arrays.asList((Object[]) inDims))));
    return args -> g.apply(Arrays.asList(Arrays.copyOf(args, args.length, Tensor[].class)));
  }

  static void assertSame(Tensor got, Tensor want, String what) {
    assertThat(got.shape()).as(what + " shape").isEqualTo(want.shape());
    assertThat(got.dtype()).as(what + " dtype").isEqualTo(want.dtype());
    double tol = want.dtype() == DType.F32 ? 1e-5 : 1e-12;
    assertThat(got.allClose(want, tol, tol)).as(what + ": %s vs %s", got, want).isTrue();
  }

  @Property(tries = 400)
  void vmapEqualsStackingPerExampleResults(
      @ForAll("cases") Case c,
      @ForAll @IntRange(min = 1, max = 4) int size,
      @ForAll @IntRange(min = 0, max = 3) int chunk,
      @ForAll long seed) {
    Random r = new Random(seed);
    DType dtype = new Random(seed).nextBoolean() ? DType.F32 : DType.F64;
    Tensor[] probe = c.args().apply(new Random(seed), dtype);
    Integer[] dims = randomInDims(r, probe);
    List<Tensor[]> ex = examples(c, r, dtype, size, dims);
    Tensor[] perExample = new Tensor[size];
    for (int b = 0; b < size; b++) {
      perExample[b] = c.f().apply(ex.get(b));
    }
    int outRank = perExample[0].ndim() + 1;
    int outDim = r.nextInt(outRank) - (r.nextBoolean() ? outRank : 0);
    Tensor want = Tensor.stack(outDim < 0 ? outDim + outRank : outDim, perExample);
    Tensor got = vmapped(c, dims, outDim, chunk).apply(batchArgs(ex, dims));
    assertSame(
        got,
        want,
        c + " in_dims " + Arrays.toString(dims) + " out_dim " + outDim + " chunk " + chunk);
    COVERED.addAll(c.primitives());
  }

  @Property(tries = 150)
  void nestedVmapWithDifferentDimsPerLevel(
      @ForAll("cases") Case c,
      @ForAll @IntRange(min = 1, max = 3) int outer,
      @ForAll @IntRange(min = 1, max = 3) int inner,
      @ForAll long seed) {
    Random r = new Random(seed);
    DType dtype = new Random(seed).nextBoolean() ? DType.F32 : DType.F64;
    Tensor[] probe = c.args().apply(new Random(seed), dtype);
    Integer[] innerDims = randomInDims(r, probe);
    // per outer example: a batch of inner examples, batched at innerDims
    List<List<Tensor[]>> grid = new ArrayList<>();
    Tensor[] shared = c.args().apply(new Random(r.nextLong()), dtype);
    for (int o = 0; o < outer; o++) {
      List<Tensor[]> row = examples(c, r, dtype, inner, null);
      for (Tensor[] e : row) {
        for (int i = 0; i < e.length; i++) {
          if (innerDims[i] == null) {
            e[i] = shared[i];
          }
        }
      }
      grid.add(row);
    }
    Tensor[] innerBatched = batchArgs(grid.get(0), innerDims);
    Integer[] outerDims = randomInDims(r, innerBatched);
    for (int i = 0; i < outerDims.length; i++) {
      if (innerDims[i] == null) {
        outerDims[i] = null; // shared by every example at both levels
      }
    }
    if (Arrays.stream(outerDims).allMatch(d -> d == null)) {
      return;
    }
    // an argument unmapped at the outer level is the same in every outer example
    for (int o = 1; o < outer; o++) {
      for (int j = 0; j < inner; j++) {
        for (int a = 0; a < outerDims.length; a++) {
          if (outerDims[a] == null) {
            grid.get(o).get(j)[a] = grid.get(0).get(j)[a];
          }
        }
      }
    }
    List<Tensor[]> outerExamples = new ArrayList<>();
    for (List<Tensor[]> row : grid) {
      outerExamples.add(batchArgs(row, innerDims));
    }
    Tensor[] args = batchArgs(outerExamples, outerDims);
    Function<Object[], Tensor> innerFn = vmapped(c, innerDims, 0, 0);
    Function<List<Tensor>, Tensor> both =
        Func.vmap(
            (List<Tensor> l) -> innerFn.apply(l.toArray()),
            VmapOptions.defaults()
                .inDims(InDims.tree((Object) Arrays.asList((Object[]) outerDims))));
    Tensor got = both.apply(Arrays.asList(args));
    Tensor[] rows = new Tensor[outer];
    for (int o = 0; o < outer; o++) {
      Tensor[] col = new Tensor[inner];
      for (int i = 0; i < inner; i++) {
        col[i] = c.f().apply(grid.get(o).get(i));
      }
      rows[o] = Tensor.stack(0, col);
    }
    assertSame(
        got,
        Tensor.stack(0, rows),
        c + " inner " + Arrays.toString(innerDims) + " outer " + Arrays.toString(outerDims));
  }

  @Test
  void theCasesCoverEveryPrimitiveWithOperands() {
    Set<String> all = new TreeSet<>();
    for (Primitive p : Primitives.all()) {
      all.add(p.displayName());
    }
    Set<String> named = new TreeSet<>();
    CASES.forEach(c -> named.addAll(c.primitives()));
    // random_uniform has no operands; vmap handles it through its randomness mode (VmapTest)
    all.remove("random_uniform");
    assertThat(named).containsAll(all);
  }

  /** jqwik's own after-container hook: runs once the properties of this class have run. */
  @net.jqwik.api.lifecycle.AfterContainer
  static void everyCaseRan() {
    Set<String> named = new TreeSet<>();
    CASES.forEach(c -> named.addAll(c.primitives()));
    assertThat(COVERED).isEqualTo(named);
  }
}
