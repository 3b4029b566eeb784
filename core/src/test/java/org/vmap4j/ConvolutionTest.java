package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.interpreter.Interpreters.bind1;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.vmap4j.cpu.BufferPool;
import org.vmap4j.cpu.Convolution;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.prim.ConvGeneralDilated;
import org.vmap4j.prim.ReduceWindow;
import org.vmap4j.prim.SelectAndScatter;
import org.vmap4j.testing.TensorAssertions;

/**
 * conv_general_dilated and reduce_window against plain direct loops written here from the
 * definitions, over random geometries (strides, both dilations, negative and positive padding,
 * feature and batch groups); their derivatives against finite differences and the transpose
 * identity; vmap against a loop over examples with the batch on the lhs, the rhs or both; jit and
 * serialization.
 */
class ConvolutionTest {
  /** One random convolution: shapes and parameters. */
  record Geometry(int[] lhs, int[] rhs, Params params) {
    @Override
    public String toString() {
      return Arrays.toString(lhs) + " * " + Arrays.toString(rhs) + " " + params;
    }
  }

  static Geometry randomGeometry(Random r) {
    while (true) {
      int dims = 1 + r.nextInt(r.nextInt(4) == 0 ? 3 : 2);
      int groups = 1;
      int batchGroups = 1;
      switch (r.nextInt(3)) {
        case 0 -> groups = 1 + r.nextInt(3);
        case 1 -> batchGroups = 1 + r.nextInt(3);
        default -> {}
      }
      int groupChannels = 1 + r.nextInt(2);
      int n = batchGroups * (1 + r.nextInt(2));
      int outChannels = groups * batchGroups * (1 + r.nextInt(2));
      int[] lhs = new int[dims + 2];
      int[] rhs = new int[dims + 2];
      lhs[0] = n;
      lhs[1] = groups * groupChannels;
      rhs[0] = outChannels;
      rhs[1] = groupChannels;
      int[] strides = new int[dims];
      int[] low = new int[dims];
      int[] high = new int[dims];
      int[] lhsDil = new int[dims];
      int[] rhsDil = new int[dims];
      boolean empty = false;
      for (int d = 0; d < dims; d++) {
        lhs[d + 2] = 1 + r.nextInt(dims == 3 ? 3 : 6);
        rhs[d + 2] = 1 + r.nextInt(3);
        strides[d] = 1 + r.nextInt(3);
        low[d] = r.nextInt(4) - 1;
        high[d] = r.nextInt(4) - 1;
        lhsDil[d] = 1 + r.nextInt(2);
        rhsDil[d] = 1 + r.nextInt(2);
        int span =
            (lhs[d + 2] - 1) * lhsDil[d]
                + 1
                + low[d]
                + high[d]
                - ((rhs[d + 2] - 1) * rhsDil[d] + 1);
        empty |= span < 0;
      }
      if (!empty) {
        return new Geometry(
            lhs,
            rhs,
            ConvGeneralDilated.params(strides, low, high, lhsDil, rhsDil, groups, batchGroups));
      }
    }
  }

  static Tensor conv(Tensor x, Tensor w, Params p) {
    return bind1(ConvGeneralDilated.CONV_GENERAL_DILATED, p, x, w);
  }

  /** The definition, one output element at a time. */
  static double[] directConv(double[] x, int[] xs, double[] w, int[] ws, Params p, int[] out) {
    int[] strides = p.ints("window_strides");
    int[] low = p.ints("padding_low");
    int[] lhsDil = p.ints("lhs_dilation");
    int[] rhsDil = p.ints("rhs_dilation");
    int groups = p.integer("feature_group_count");
    int batchGroups = p.integer("batch_group_count");
    int dims = xs.length - 2;
    int perGroup = ws[0] / (groups * batchGroups);
    int[] window = Arrays.copyOfRange(ws, 2, ws.length);
    double[] y = new double[Reference.size(out)];
    Reference.forEachIndex(
        out,
        o -> {
          int group = o[1] / perGroup;
          int example = batchGroups > 1 ? group * out[0] + o[0] : o[0];
          int firstChannel = groups > 1 ? group * ws[1] : 0;
          double s = 0;
          for (int c = 0; c < ws[1]; c++) {
            double[] acc = {0};
            int cc = c;
            Reference.forEachIndex(
                window,
                k -> {
                  int[] xi = new int[xs.length];
                  xi[0] = example;
                  xi[1] = firstChannel + cc;
                  for (int d = 0; d < dims; d++) {
                    int q = o[d + 2] * strides[d] + k[d] * rhsDil[d] - low[d];
                    if (q < 0 || q % lhsDil[d] != 0 || q / lhsDil[d] >= xs[d + 2]) {
                      return;
                    }
                    xi[d + 2] = q / lhsDil[d];
                  }
                  int[] wi = new int[ws.length];
                  wi[0] = o[1];
                  wi[1] = cc;
                  System.arraycopy(k, 0, wi, 2, dims);
                  acc[0] += x[Reference.flat(xs, xi)] * w[Reference.flat(ws, wi)];
                });
            s += acc[0];
          }
          y[Reference.flat(out, o)] = s;
        });
    return y;
  }

  /** {@code |got - want| <= tol * (1 + |want|)}; a NaN or an infinity fails. */
  static void assertClose(Tensor got, double[] want, int[] shape, double tol, String what) {
    assertThat(got.shape()).as(what).containsExactly(shape);
    TensorAssertions.assertClose(
        what,
        got.toDoubleArray(),
        want,
        TensorAssertions.Tolerance.allClose(tol, tol).finiteOnly());
  }

  static void assertClose(Tensor got, Tensor want, double tol, String what) {
    assertClose(got, want.toDoubleArray(), want.shape(), tol, what);
  }

  @Property(tries = 300)
  void eagerEqualsTheDirectLoop(@ForAll long seed, @ForAll boolean f64) {
    Random r = new Random(seed);
    Geometry g = randomGeometry(r);
    double[] x = Reference.randomData(r.nextLong(), Reference.size(g.lhs()));
    double[] w = Reference.randomData(r.nextLong(), Reference.size(g.rhs()));
    DType t = f64 ? DType.F64 : DType.F32;
    // a transposed (strided) view of the lhs on purpose: the kernel must not assume a layout
    Tensor got =
        conv(Reference.nonContiguous(x, g.lhs(), t), Reference.tensor(w, g.rhs(), t), g.params());
    double[] want = directConv(x, g.lhs(), w, g.rhs(), g.params(), got.shape());
    double[] magnitude = magnitudes(x, g.lhs(), w, g.rhs(), g.params(), got.shape());
    assertCloseToConv(got, want, magnitude, taps(g.rhs()), got.shape(), g.toString());
  }

  /**
   * The two layouts of the CPU kernel, each forced, over the same random geometries (the primitive
   * picks one by shape, so each alone would be tested only on the shapes that pick it).
   */
  @Property(tries = 200)
  void bothKernelLayoutsEqualTheDirectLoop(@ForAll long seed, @ForAll boolean f64) {
    Random r = new Random(seed);
    Geometry g = randomGeometry(r);
    double[] x = Reference.randomData(r.nextLong(), Reference.size(g.lhs()));
    double[] w = Reference.randomData(r.nextLong(), Reference.size(g.rhs()));
    DType t = f64 ? DType.F64 : DType.F32;
    CpuTensor lhs = (CpuTensor) Reference.nonContiguous(x, g.lhs(), t);
    CpuTensor rhs = (CpuTensor) Reference.tensor(w, g.rhs(), t);
    TensorType out =
        ConvGeneralDilated.CONV_GENERAL_DILATED.inferType(
            new TensorType[] {lhs.type(), rhs.type()}, g.params());
    Params p = g.params();
    Convolution.Geometry geometry =
        new Convolution.Geometry(
            p.ints("window_strides"),
            p.ints("padding_low"),
            p.ints("lhs_dilation"),
            p.ints("rhs_dilation"),
            p.integer("feature_group_count"),
            p.integer("batch_group_count"));
    double[] want = directConv(x, g.lhs(), w, g.rhs(), p, out.shape());
    double[] magnitude = magnitudes(x, g.lhs(), w, g.rhs(), p, out.shape());
    for (Convolution.Layout layout : Convolution.Layout.values()) {
      Tensor got = Convolution.evaluate(lhs, rhs, geometry, out, layout);
      assertCloseToConv(got, want, magnitude, taps(g.rhs()), out.shape(), layout + " " + g);
    }
  }

  /**
   * The direct layout (F32, 2-D, stride 1, no lhs dilation, one group), forced and as chosen by
   * shape, on random sizes, paddings (unequal sides, a padding high that crops the input's last
   * rows or columns) and rhs dilations, so that result rows are of every length against the vector
   * width and the sweep's rounding to whole vectors is exercised.
   */
  @Property(tries = 200)
  void directLayoutEqualsTheDirectLoop(@ForAll long seed) {
    Random r = new Random(seed);
    int[] xs = {1 + r.nextInt(3), 1 + r.nextInt(5), 1 + r.nextInt(12), 1 + r.nextInt(40)};
    int[] dilation = {1 + r.nextInt(2), 1 + r.nextInt(3)};
    int[] ws = {1 + r.nextInt(10), xs[1], 1 + r.nextInt(3), 1 + r.nextInt(4)};
    int[] low = {r.nextInt(3), r.nextInt(3)};
    int[] high = new int[2];
    for (int d = 0; d < 2; d++) {
      int extent = (ws[d + 2] - 1) * dilation[d] + 1;
      // at least one result position; a negative high crops, but never below the window's extent
      high[d] = Math.max(extent - xs[d + 2] - low[d], r.nextInt(4) - 1);
    }
    Params p =
        ConvGeneralDilated.params(new int[] {1, 1}, low, high, new int[] {1, 1}, dilation, 1, 1);
    double[] x = Reference.randomData(r.nextLong(), Reference.size(xs));
    double[] w = Reference.randomData(r.nextLong(), Reference.size(ws));
    CpuTensor lhs = (CpuTensor) Reference.nonContiguous(x, xs, DType.F32);
    CpuTensor rhs = (CpuTensor) Reference.tensor(w, ws, DType.F32);
    TensorType out =
        ConvGeneralDilated.CONV_GENERAL_DILATED.inferType(
            new TensorType[] {lhs.type(), rhs.type()}, p);
    Convolution.Geometry geometry =
        new Convolution.Geometry(new int[] {1, 1}, low, new int[] {1, 1}, dilation, 1, 1);
    double[] want = directConv(x, xs, w, ws, p, out.shape());
    double[] magnitude = magnitudes(x, xs, w, ws, p, out.shape());
    String what = Arrays.toString(xs) + " " + Arrays.toString(ws) + " " + p;
    Tensor forced =
        intoRecycledNaNs(
            () -> Convolution.evaluate(lhs, rhs, geometry, out, Convolution.Layout.DIRECT),
            out.size());
    assertCloseToConv(forced, want, magnitude, taps(ws), out.shape(), "direct " + what);
    assertCloseToConv(conv(lhs, rhs, p), want, magnitude, taps(ws), out.shape(), "chosen " + what);
  }

  /**
   * The window-dot layout (F32, 2-D, stride 1, no dilation; feature or batch groups), forced and as
   * chosen by shape, on filter-gradient-like shapes: windows nearly as large as the padded input,
   * rows up to 45 long (whole vectors and a scalar tail), up to 9 filters per group (the 4-filter
   * tile and leftovers) and up to 7 result columns (the 3-column tile and leftovers).
   */
  @Property(tries = 150)
  void windowDotsLayoutEqualsTheDirectLoop(@ForAll long seed) {
    Random r = new Random(seed);
    int groups = 1;
    int batchGroups = 1;
    switch (r.nextInt(3)) {
      case 0 -> groups = 1 + r.nextInt(4);
      case 1 -> batchGroups = 1 + r.nextInt(3);
      default -> {}
    }
    int groupChannels = 1 + r.nextInt(2);
    int[] xs = {
      batchGroups * (1 + r.nextInt(2)), groups * groupChannels, 1 + r.nextInt(10), 1 + r.nextInt(45)
    };
    int[] low = {r.nextInt(3), r.nextInt(3)};
    int[] outSize = {1 + r.nextInt(4), 1 + r.nextInt(7)};
    int[] ws = new int[4];
    ws[0] = groups * batchGroups * (1 + r.nextInt(9));
    ws[1] = groupChannels;
    int[] high = new int[2];
    for (int d = 0; d < 2; d++) {
      // the window fills the padded input but for outSize - 1 positions; a high below zero crops
      int padded = xs[d + 2] + low[d] + r.nextInt(4) - 1;
      ws[d + 2] = Math.max(1, padded - outSize[d] + 1);
      high[d] = ws[d + 2] + outSize[d] - 1 - xs[d + 2] - low[d];
    }
    Params p =
        ConvGeneralDilated.params(
            new int[] {1, 1}, low, high, new int[] {1, 1}, new int[] {1, 1}, groups, batchGroups);
    double[] x = Reference.randomData(r.nextLong(), Reference.size(xs));
    double[] w = Reference.randomData(r.nextLong(), Reference.size(ws));
    CpuTensor lhs = (CpuTensor) Reference.nonContiguous(x, xs, DType.F32);
    CpuTensor rhs = (CpuTensor) Reference.tensor(w, ws, DType.F32);
    TensorType out =
        ConvGeneralDilated.CONV_GENERAL_DILATED.inferType(
            new TensorType[] {lhs.type(), rhs.type()}, p);
    Convolution.Geometry geometry =
        new Convolution.Geometry(
            new int[] {1, 1}, low, new int[] {1, 1}, new int[] {1, 1}, groups, batchGroups);
    double[] want = directConv(x, xs, w, ws, p, out.shape());
    // Windows here are as large as the image (up to 2 x 10 x 47 taps), so a result near zero can
    // be the cancellation of hundreds of F32 products
    double[] magnitude = magnitudes(x, xs, w, ws, p, out.shape());
    String what = Arrays.toString(xs) + " " + Arrays.toString(ws) + " " + p;
    Tensor forced =
        intoRecycledNaNs(
            () -> Convolution.evaluate(lhs, rhs, geometry, out, Convolution.Layout.WINDOW_DOTS),
            out.size());
    assertCloseToConv(forced, want, magnitude, taps(ws), out.shape(), "window dots " + what);
    assertCloseToConv(conv(lhs, rhs, p), want, magnitude, taps(ws), out.shape(), "chosen " + what);
  }

  /**
   * {@code conv} run in a buffer pool whose free F32 arrays of the result's size are full of NaN:
   * the direct and window-dot layouts take their result array without zero-filling it, so any
   * element they did not write would show as NaN.
   */
  static Tensor intoRecycledNaNs(java.util.function.Supplier<CpuTensor> conv, int size) {
    BufferPool pool = new BufferPool();
    for (int k = 0; k < 3; k++) {
      float[] garbage =
          pool.using(() -> (float[]) Storage.allocate(DType.F32, size), a -> List.of(a));
      Arrays.fill(garbage, Float.NaN);
      pool.giveBack(garbage);
    }
    return pool.using(conv, r -> List.of(r.data()));
  }

  /** The direct loop over |x| and |w|: each result's sum of its products' magnitudes. */
  static double[] magnitudes(double[] x, int[] xs, double[] w, int[] ws, Params p, int[] out) {
    return directConv(absolute(x), xs, absolute(w), ws, p, out);
  }

  /** The products in one result element's sum: a group's channels times the window. */
  static int taps(int[] ws) {
    int taps = 1;
    for (int d = 1; d < ws.length; d++) {
      taps *= ws[d];
    }
    return taps;
  }

  /**
   * A convolution against the direct loop: F64 within {@code 1e-12 (1 + |want|)}; F32 within {@code
   * 1e-5 (1 + |want|)} plus the rounding of its sums of {@code taps} products, which cancel (a
   * bound relative to the result alone left too little room where they do:
   * TensorAssertions.assertCloseToF32Sums).
   */
  static void assertCloseToConv(
      Tensor got, double[] want, double[] magnitude, int taps, int[] shape, String what) {
    if (got.dtype() == DType.F64) {
      assertClose(got, want, shape, 1e-12, what);
      return;
    }
    assertThat(got.shape()).as(what).containsExactly(shape);
    TensorAssertions.assertCloseToF32Sums(what, got.toDoubleArray(), want, magnitude, taps, 1e-5);
  }

  private static double[] absolute(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = Math.abs(v[i]);
    }
    return out;
  }

  /**
   * Windows long enough for the vector tiles and their scalar tails (rows of 37 and 41 taps, 5
   * filters: a 4 x 3 tile plus leftover rows and columns), where the random geometries above have
   * windows of at most 3.
   */
  @Test
  void patchLayoutHandlesLongRowsAndLeftoverTiles() {
    for (DType t : new DType[] {DType.F32, DType.F64}) {
      int[] xs = {2, 3, 9, 44};
      int[] ws = {5, 3, 6, 41};
      Params p =
          ConvGeneralDilated.params(
              new int[] {1, 1},
              new int[] {1, 2},
              new int[] {1, 0},
              new int[] {1, 1},
              new int[] {1, 1},
              1,
              1);
      double[] x = Reference.randomData(11, Reference.size(xs));
      double[] w = Reference.randomData(12, Reference.size(ws));
      Tensor got = conv(Reference.tensor(x, xs, t), Reference.tensor(w, ws, t), p);
      assertThat(got.shape()).containsExactly(2, 5, 6, 6);
      assertThat(Convolution.chosenLayout(new int[] {6, 41}, new int[] {6, 6}))
          .isEqualTo(Convolution.Layout.PATCHES);
      double[] want = directConv(x, xs, w, ws, p, got.shape());
      assertClose(got, want, got.shape(), t == DType.F64 ? 1e-12 : 1e-4, "long rows " + t);
    }
  }

  @Test
  void resultShapesFollowTheSizeFormula() {
    // torch: H_out = floor((H + 2p - d(k-1) - 1) / s) + 1 = floor((7 + 2 - 4 - 1) / 2) + 1 = 3
    Tensor y =
        conv(
            Tensor.zeros(DType.F64, 2, 4, 7, 7),
            Tensor.zeros(DType.F64, 6, 2, 3, 3),
            ConvGeneralDilated.params(
                new int[] {2, 2},
                new int[] {1, 1},
                new int[] {1, 1},
                new int[] {1, 1},
                new int[] {2, 2},
                2,
                1));
    assertThat(y.shape()).containsExactly(2, 6, 3, 3);
  }

  @Test
  void wrongChannelCountsNameTheShapes() {
    assertThatThrownBy(
            () ->
                conv(
                    Tensor.zeros(DType.F64, 1, 4, 5),
                    Tensor.zeros(DType.F64, 2, 3, 2),
                    ConvGeneralDilated.params(
                        new int[] {1},
                        new int[] {0},
                        new int[] {0},
                        new int[] {1},
                        new int[] {1},
                        2,
                        1)))
        .hasMessageContaining("f64[1,4,5]")
        .hasMessageContaining("must have 2 input channels")
        .hasMessageContaining("f64[2,3,2]");
  }

  static double inner(Tensor a, Tensor b) {
    return a.mul(b).sum().item();
  }

  @Property(tries = 150)
  void jvpIsFiniteDifferencesAndVjpItsTranspose(@ForAll long seed) {
    Random r = new Random(seed);
    Geometry g = randomGeometry(r);
    Tensor x = Tensor.randomNormal(r.nextLong(), DType.F64, g.lhs());
    Tensor w = Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs());
    Tensor dx = Tensor.randomNormal(r.nextLong(), DType.F64, g.lhs());
    Tensor dw = Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs());
    Function<List<Tensor>, Tensor> f = l -> conv(l.get(0), l.get(1), g.params());
    Tensor tangent = Func.jvp(f, List.of(x, w), List.of(dx, dw)).tangent();
    double h = 1e-3;
    // bilinear: the central difference has no truncation error
    Tensor fd =
        f.apply(List.of(x.add(dx.mul(h)), w.add(dw.mul(h))))
            .sub(f.apply(List.of(x.sub(dx.mul(h)), w.sub(dw.mul(h)))))
            .div(2 * h);
    assertClose(tangent, fd, 1e-8, "jvp " + g);
    Tensor u = Tensor.randomNormal(r.nextLong(), DType.F64, tangent.shape());
    List<Tensor> pulled = Func.vjp(f, List.of(x, w)).pullback(u);
    assertThat(pulled.get(0).shape()).containsExactly(g.lhs());
    assertThat(pulled.get(1).shape()).containsExactly(g.rhs());
    double y = inner(f.apply(List.of(x, w)), u);
    // linear in each operand: <conv(x, w), u> = <x, d/dx> = <w, d/dw>
    assertThat(inner(x, pulled.get(0))).as("lhs " + g).isCloseTo(y, within(y));
    assertThat(inner(w, pulled.get(1))).as("rhs " + g).isCloseTo(y, within(y));
    assertThat(inner(dx, pulled.get(0)) + inner(dw, pulled.get(1)))
        .as("<J v, u> = <v, J^T u> " + g)
        .isCloseTo(inner(tangent, u), within(inner(tangent, u)));
  }

  static org.assertj.core.data.Offset<Double> within(double scale) {
    return org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(scale)));
  }

  /** A batch of examples stacked at {@code dim}, or the first one when unmapped. */
  static Tensor stacked(List<Tensor> examples, Integer dim) {
    return dim == null ? examples.get(0) : Tensor.stack(dim, examples.toArray(new Tensor[0]));
  }

  @Property(tries = 150)
  void vmapEqualsALoopOverExamples(@ForAll long seed) {
    Random r = new Random(seed);
    Geometry g = randomGeometry(r);
    int size = 1 + r.nextInt(3);
    Integer lhsDim = r.nextInt(3) == 0 ? null : r.nextInt(g.lhs().length + 1);
    Integer rhsDim = lhsDim != null && r.nextInt(3) == 0 ? null : r.nextInt(g.rhs().length + 1);
    List<Tensor> xs = new ArrayList<>();
    List<Tensor> ws = new ArrayList<>();
    Tensor[] want = new Tensor[size];
    for (int b = 0; b < size; b++) {
      xs.add(Tensor.randomNormal(r.nextLong(), DType.F64, g.lhs()));
      ws.add(Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs()));
    }
    for (int b = 0; b < size; b++) {
      Tensor x = lhsDim == null ? xs.get(0) : xs.get(b);
      Tensor w = rhsDim == null ? ws.get(0) : ws.get(b);
      want[b] = conv(x, w, g.params());
    }
    BiFunction<Tensor, Tensor, Tensor> f = (x, w) -> conv(x, w, g.params());
    Tensor got =
        Func.vmap(f, InDims.of(lhsDim, rhsDim)).apply(stacked(xs, lhsDim), stacked(ws, rhsDim));
    assertClose(got, Tensor.stack(0, want), 1e-12, g + " in_dims " + lhsDim + ", " + rhsDim);
  }

  @Property(tries = 60)
  void perExampleGradientsThroughAConvolutionEqualALoop(@ForAll long seed) {
    // the filter gradient of a batched lhs is a batched batch-grouped (or feature-grouped) conv
    Random r = new Random(seed);
    Geometry g = randomGeometry(r);
    int size = 1 + r.nextInt(3);
    Tensor w = Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs());
    Tensor xs =
        Tensor.randomNormal(
            r.nextLong(),
            DType.F64,
            org.vmap4j.interpreter.Shapes.concat(new int[] {size}, g.lhs()));
    BiFunction<Tensor, Tensor, Tensor> loss = (wt, x) -> conv(x, wt, g.params()).tanh().sum();
    Tensor got = Func.vmap(Func.grad(loss), InDims.of(null, 0)).apply(w, xs);
    Tensor[] want = new Tensor[size];
    for (int b = 0; b < size; b++) {
      want[b] = Func.grad(loss).apply(w, xs.index(0, b));
    }
    assertClose(got, Tensor.stack(0, want), 1e-12, g.toString());
    // and the gradient itself against central differences along a random direction
    Tensor x0 = xs.index(0, 0);
    Tensor v = Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs());
    double h = 1e-5;
    double fd =
        (loss.apply(w.add(v.mul(h)), x0).item() - loss.apply(w.sub(v.mul(h)), x0).item()) / (2 * h);
    assertThat(inner(want[0], v)).isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void secondDerivativesAreConvolutionsToo() {
    Random r = new Random(5);
    Geometry g =
        new Geometry(
            new int[] {2, 4, 5, 5},
            new int[] {4, 2, 3, 2},
            ConvGeneralDilated.params(
                new int[] {2, 1},
                new int[] {1, 0},
                new int[] {0, 1},
                new int[] {1, 1},
                new int[] {1, 2},
                2,
                1));
    Tensor x = Tensor.randomNormal(r.nextLong(), DType.F64, g.lhs());
    Tensor w = Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs());
    Tensor v = Tensor.randomNormal(r.nextLong(), DType.F64, g.rhs());
    Function<Tensor, Tensor> gradW = Func.grad((Tensor wt) -> conv(x, wt, g.params()).tanh().sum());
    // Hessian-vector product by forward over reverse, against differences of the gradient
    Tensor hv = Func.jvp(gradW, w, v).tangent();
    double h = 1e-5;
    Tensor fd = gradW.apply(w.add(v.mul(h))).sub(gradW.apply(w.sub(v.mul(h)))).div(2 * h);
    assertClose(hv, fd, 1e-6, "hvp");
  }

  @Test
  void runsInsideJittedProgramsAndSurvivesSerialization() {
    Random r = new Random(9);
    Params p =
        ConvGeneralDilated.params(
            new int[] {1, 2},
            new int[] {1, 0},
            new int[] {1, 1},
            new int[] {1, 1},
            new int[] {1, 1},
            1,
            1);
    // a dilated window, so that the optional parameter is serialized too
    Params pool =
        ReduceWindow.params(
            new int[] {1, 1, 2, 2},
            new int[] {1, 1, 2, 2},
            new int[4],
            new int[4],
            new int[] {1, 1, 2, 1});
    BiFunction<Tensor, Tensor, Tensor> f =
        (x, w) -> bind1(ReduceWindow.REDUCE_WINDOW_MAX, pool, conv(x, w, p).tanh()).mul(2.0).sum();
    Tensor x = Tensor.randomNormal(r.nextLong(), DType.F64, 3, 2, 6, 7);
    Tensor w = Tensor.randomNormal(r.nextLong(), DType.F64, 4, 2, 3, 3);
    assertClose(Func.jit(f).apply(x, w), f.apply(x, w), 1e-12, "jit");
    BiFunction<Tensor, Tensor, Tensor> gw = Func.gradSecond(f);
    assertClose(Func.jit(gw).apply(x, w), gw.apply(x, w), 1e-12, "jit(grad)");
    Program program = Func.trace(gw, x, w);
    assertThat(program.toString())
        .contains("conv_general_dilated")
        .contains("reduce_window_max")
        .contains("select_and_scatter_add_max")
        .contains("window_dilation=(1,1,2,1)");
    Program back = ProgramSerializer.fromBytes(ProgramSerializer.toBytes(program));
    assertThat(back.toString()).isEqualTo(program.toString());
    assertClose(back.evaluate(List.of(x, w)).get(0), gw.apply(x, w), 1e-12, "deserialized");
  }

  // ---------------------------------------------------------------- reduce_window

  record Window(int[] shape, Params params) {
    @Override
    public String toString() {
      return Arrays.toString(shape) + " " + params;
    }
  }

  static Window randomWindow(Random r) {
    int rank = 1 + r.nextInt(4);
    int[] shape = new int[rank];
    int[] window = new int[rank];
    int[] strides = new int[rank];
    int[] low = new int[rank];
    int[] high = new int[rank];
    int[] dilation = new int[rank];
    for (int d = 0; d < rank; d++) {
      shape[d] = 1 + r.nextInt(5);
      window[d] = 1 + r.nextInt(Math.min(3, shape[d]));
      strides[d] = 1 + r.nextInt(3);
      dilation[d] = r.nextInt(3) == 0 ? 2 : 1;
      // padding below the window size, so every window sees an element (as torch requires); a
      // dilated window gets no low padding, so that its first tap is always inside
      low[d] = r.nextInt(window[d] + 1) - 1;
      high[d] = r.nextInt(window[d] + 1) - 1;
      if (dilation[d] > 1) {
        low[d] = Math.min(low[d], 0);
      }
      int extent = (window[d] - 1) * dilation[d] + 1;
      if (shape[d] + low[d] + high[d] < extent) {
        low[d] = 0;
        high[d] = 0;
        dilation[d] = 1;
      }
    }
    return new Window(shape, ReduceWindow.params(window, strides, low, high, dilation));
  }

  /** The window dilation of {@code p}: ones unless given. */
  static int[] windowDilation(Params p) {
    if (p.asMap().containsKey("window_dilation")) {
      return p.ints("window_dilation");
    }
    int[] ones = new int[p.ints("window_dimensions").length];
    Arrays.fill(ones, 1);
    return ones;
  }

  static double[] directWindow(double[] x, int[] xs, Params p, String op, int[] out) {
    int[] window = p.ints("window_dimensions");
    int[] strides = p.ints("window_strides");
    int[] low = p.ints("padding_low");
    int[] dilation = windowDilation(p);
    double[] y = new double[Reference.size(out)];
    Reference.forEachIndex(
        out,
        o -> {
          double[] acc = {
            op.equals("sum")
                ? 0
                : op.equals("max") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY
          };
          Reference.forEachIndex(
              window,
              k -> {
                int[] i = new int[xs.length];
                for (int d = 0; d < xs.length; d++) {
                  i[d] = o[d] * strides[d] + k[d] * dilation[d] - low[d];
                  if (i[d] < 0 || i[d] >= xs[d]) {
                    return;
                  }
                }
                double v = x[Reference.flat(xs, i)];
                acc[0] =
                    op.equals("sum")
                        ? acc[0] + v
                        : op.equals("max") ? Math.max(acc[0], v) : Math.min(acc[0], v);
              });
          y[Reference.flat(out, o)] = acc[0];
        });
    return y;
  }

  static ReduceWindow windowOp(String op) {
    return switch (op) {
      case "sum" -> ReduceWindow.REDUCE_WINDOW_SUM;
      case "max" -> ReduceWindow.REDUCE_WINDOW_MAX;
      default -> ReduceWindow.REDUCE_WINDOW_MIN;
    };
  }

  @Property(tries = 300)
  void reduceWindowEqualsTheDirectLoop(@ForAll long seed, @ForAll boolean f64) {
    Random r = new Random(seed);
    Window g = randomWindow(r);
    double[] x = Reference.randomData(r.nextLong(), Reference.size(g.shape()));
    DType t = f64 ? DType.F64 : DType.F32;
    for (String op : List.of("sum", "max", "min")) {
      Tensor got = bind1(windowOp(op), g.params(), Reference.nonContiguous(x, g.shape(), t));
      double[] want = directWindow(x, g.shape(), g.params(), op, got.shape());
      assertClose(got, want, got.shape(), f64 ? 1e-12 : 1e-5, op + " " + g);
    }
  }

  @Property(tries = 150)
  void reduceWindowDerivativesAndVmap(@ForAll long seed) {
    Random r = new Random(seed);
    Window g = randomWindow(r);
    for (String op : List.of("sum", "max", "min")) {
      Function<Tensor, Tensor> f = x -> bind1(windowOp(op), g.params(), x);
      // distinct values, so that no window has a tie and differences stay on one side of a kink
      Tensor x = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
      Tensor v = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
      Tensor tangent = Func.jvp(f, x, v).tangent();
      double h = 1e-7;
      Tensor fd = f.apply(x.add(v.mul(h))).sub(f.apply(x.sub(v.mul(h)))).div(2 * h);
      assertClose(tangent, fd, 1e-6, op + " jvp " + g);
      Tensor u = Tensor.randomNormal(r.nextLong(), DType.F64, tangent.shape());
      Tensor pulled = Func.vjp(f, x).pullback(u);
      assertThat(inner(pulled, v))
          .as(op + " transpose " + g)
          .isCloseTo(inner(tangent, u), within(inner(tangent, u)));
      int size = 1 + r.nextInt(3);
      int dim = r.nextInt(g.shape().length + 1);
      Tensor[] examples = new Tensor[size];
      Tensor[] want = new Tensor[size];
      for (int b = 0; b < size; b++) {
        examples[b] = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
        want[b] = f.apply(examples[b]);
      }
      Tensor got = Func.vmap(f, InDims.of(dim)).apply(Tensor.stack(dim, examples));
      assertClose(got, Tensor.stack(0, want), 1e-12, op + " vmap " + g);
      Tensor gotGrads =
          Func.vmap(Func.grad((Tensor e) -> f.apply(e).square().sum()), InDims.of(dim))
              .apply(Tensor.stack(dim, examples));
      for (int b = 0; b < size; b++) {
        Tensor one = Func.grad((Tensor e) -> f.apply(e).square().sum()).apply(examples[b]);
        assertClose(gotGrads.index(0, b), one, 1e-12, op + " vmap(grad) " + g);
      }
    }
  }

  /** The definition: each window's source value added at its first max (min) of x, row-major. */
  static double[] directSelectAndScatter(
      double[] x, int[] xs, double[] source, int[] sourceShape, Params p, boolean max) {
    int[] window = p.ints("window_dimensions");
    int[] strides = p.ints("window_strides");
    int[] low = p.ints("padding_low");
    int[] dilation = windowDilation(p);
    double[] y = new double[x.length];
    Reference.forEachIndex(
        sourceShape,
        o -> {
          int[] chosen = {-1};
          Reference.forEachIndex(
              window,
              k -> {
                int[] i = new int[xs.length];
                for (int d = 0; d < xs.length; d++) {
                  i[d] = o[d] * strides[d] + k[d] * dilation[d] - low[d];
                  if (i[d] < 0 || i[d] >= xs[d]) {
                    return;
                  }
                }
                int at = Reference.flat(xs, i);
                if (chosen[0] < 0 || (max ? x[at] > x[chosen[0]] : x[at] < x[chosen[0]])) {
                  chosen[0] = at;
                }
              });
          if (chosen[0] >= 0) {
            y[chosen[0]] += source[Reference.flat(sourceShape, o)];
          }
        });
    return y;
  }

  /**
   * select_and_scatter_add against the definition, on small integers so that windows tie often (the
   * first extreme must win), with a strided view as operand.
   */
  @Property(tries = 300)
  void selectAndScatterEqualsTheDirectLoop(@ForAll long seed, @ForAll boolean f64) {
    Random r = new Random(seed);
    Window g = randomWindow(r);
    double[] x = new double[Reference.size(g.shape())];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextInt(4);
    }
    DType t = f64 ? DType.F64 : DType.F32;
    for (boolean max : new boolean[] {true, false}) {
      ReduceWindow pool = max ? ReduceWindow.REDUCE_WINDOW_MAX : ReduceWindow.REDUCE_WINDOW_MIN;
      int[] pooled = bind1(pool, g.params(), Reference.tensor(x, g.shape(), t)).shape();
      double[] source = Reference.randomData(r.nextLong(), Reference.size(pooled));
      SelectAndScatter op =
          max
              ? SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX
              : SelectAndScatter.SELECT_AND_SCATTER_ADD_MIN;
      Tensor got =
          bind1(
              op,
              g.params(),
              Reference.nonContiguous(x, g.shape(), t),
              Reference.tensor(source, pooled, t));
      double[] want = directSelectAndScatter(x, g.shape(), source, pooled, g.params(), max);
      assertClose(got, want, g.shape(), f64 ? 1e-12 : 1e-5, op + " " + g);
    }
  }

  /**
   * select_and_scatter_add's own rules: linear in the source (JVP exact), its VJP in the source the
   * transpose (inner products agree), zero in the operand; vmap with either or both operands
   * batched equals a loop; second derivatives of max pooling (a Hessian-vector product, which
   * differentiates the VJP) equal finite differences of the gradient.
   */
  @Property(tries = 100)
  void selectAndScatterRulesAndSecondDerivatives(@ForAll long seed) {
    Random r = new Random(seed);
    Window g = randomWindow(r);
    Tensor x = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
    int[] pooled = bind1(ReduceWindow.REDUCE_WINDOW_MAX, g.params(), x).shape();
    SelectAndScatter op = SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX;
    Tensor s = Tensor.randomNormal(r.nextLong(), DType.F64, pooled);
    Tensor ds = Tensor.randomNormal(r.nextLong(), DType.F64, pooled);
    Function<Tensor, Tensor> inSource = src -> bind1(op, g.params(), x, src);
    Tensor tangent = Func.jvp(inSource, s, ds).tangent();
    assertClose(tangent, inSource.apply(s.add(ds)).sub(inSource.apply(s)), 1e-12, "jvp " + g);
    Tensor u = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
    Tensor pulled = Func.vjp(inSource, s).pullback(u);
    assertThat(inner(pulled, ds))
        .as("transpose " + g)
        .isCloseTo(inner(tangent, u), within(1e-9 * (1 + Math.abs(inner(tangent, u)))));
    Tensor inOperand = Func.grad((Tensor e) -> bind1(op, g.params(), e, s).mul(u).sum()).apply(x);
    assertThat(inOperand.abs().max().item()).isZero();

    int size = 1 + r.nextInt(3);
    Tensor[] xs = new Tensor[size];
    Tensor[] ss = new Tensor[size];
    for (int b = 0; b < size; b++) {
      xs[b] = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
      ss[b] = Tensor.randomNormal(r.nextLong(), DType.F64, pooled);
    }
    java.util.function.BiFunction<Tensor, Tensor, Tensor> both =
        (a, b) -> bind1(op, g.params(), a, b);
    Tensor batchedBoth = Func.vmap(both).apply(Tensor.stack(0, xs), Tensor.stack(0, ss));
    Tensor batchedX = Func.vmap(both, InDims.of(0, null)).apply(Tensor.stack(0, xs), ss[0]);
    Tensor batchedS = Func.vmap(both, InDims.of(null, 0)).apply(xs[0], Tensor.stack(0, ss));
    for (int b = 0; b < size; b++) {
      assertClose(batchedBoth.index(0, b), both.apply(xs[b], ss[b]), 1e-12, "vmap both " + g);
      assertClose(batchedX.index(0, b), both.apply(xs[b], ss[0]), 1e-12, "vmap x " + g);
      assertClose(batchedS.index(0, b), both.apply(xs[0], ss[b]), 1e-12, "vmap source " + g);
    }

    Function<Tensor, Tensor> gradient =
        Func.grad(
            (Tensor e) -> bind1(ReduceWindow.REDUCE_WINDOW_MAX, g.params(), e).square().sum());
    Tensor v = Tensor.randomNormal(r.nextLong(), DType.F64, g.shape());
    Tensor hvp = Func.jvp(gradient, x, v).tangent();
    double h = 1e-6;
    Tensor fd = gradient.apply(x.add(v.mul(h))).sub(gradient.apply(x.sub(v.mul(h)))).div(2 * h);
    assertClose(hvp, fd, 1e-5, "hessian-vector " + g);
  }

  @Test
  void selectAndScatterRefusesASourceOfTheWrongShape() {
    Params p = ReduceWindow.params(new int[] {2}, new int[] {2}, new int[] {0}, new int[] {0});
    assertThatThrownBy(
            () ->
                bind1(
                    SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX,
                    p,
                    Tensor.zeros(DType.F64, 6),
                    Tensor.zeros(DType.F64, 4)))
        .hasMessageContaining("select_and_scatter_add_max")
        .hasMessageContaining("f64[3]")
        .hasMessageContaining("f64[4]");
  }

  @Test
  void maxRoutesTiesToTheFirstMaximumOfEachWindow() {
    Params p = ReduceWindow.params(new int[] {2}, new int[] {1}, new int[] {0}, new int[] {1});
    // windows [0,1], [1,2], [2,3], [3,pad]: all ties; the first element of each window wins
    Tensor x = Tensor.of(new double[] {3, 3, 3, 3});
    Tensor g = Func.grad((Tensor t) -> bind1(ReduceWindow.REDUCE_WINDOW_MAX, p, t).sum()).apply(x);
    assertThat(g.toDoubleArray()).containsExactly(1, 1, 1, 1);
    Tensor y = Tensor.of(new double[] {1, 5, 5, 2});
    Tensor gy = Func.grad((Tensor t) -> bind1(ReduceWindow.REDUCE_WINDOW_MAX, p, t).sum()).apply(y);
    // windows [1,5] -> index 1, [5,5] -> index 1 (first), [5,2] -> index 2, [2] -> index 3
    assertThat(gy.toDoubleArray()).containsExactly(0, 2, 1, 1);
  }

  /**
   * The unpadded F32 kernel of select_and_scatter_add chooses without branches; its rule must stay
   * the general one: the first extremum under a strict comparison (so -0.0 and 0.0 tie and the
   * first is chosen), a NaN chosen over any number and the first NaN over a later one. Checked
   * against the general kernel (F64 keeps it) and against the values the rule gives by hand.
   */
  @Test
  void unpaddedFloatScatterKeepsTheRuleForZerosAndNaNs() {
    float nan = Float.NaN;
    float[] x = {-0.0f, 0.0f, 1, nan, nan, nan, 2, 0.5f, 5, 5, 0.0f, -0.0f};
    float[] source = {10, 20, 30, 40, 50, 60};
    Tensor xs = Tensor.of(x, 12);
    Tensor ss = Tensor.of(source, 6);
    Params unpadded =
        ReduceWindow.params(new int[] {2}, new int[] {2}, new int[] {0}, new int[] {0});
    for (SelectAndScatter op :
        List.of(
            SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX,
            SelectAndScatter.SELECT_AND_SCATTER_ADD_MIN)) {
      float[] got = bind1(op, unpadded, xs, ss).toFloatArray();
      double[] general =
          bind1(op, unpadded, xs.astype(DType.F64), ss.astype(DType.F64)).toDoubleArray();
      for (int i = 0; i < got.length; i++) {
        assertThat((double) got[i])
            .as(op + " against the general kernel, at " + i)
            .isEqualTo(general[i]);
      }
    }
    float[] max =
        bind1(SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX, unpadded, xs, ss).toFloatArray();
    // windows: [-0, 0] tie -> 0; [1, NaN] -> 3; [NaN, NaN] -> 4; [2, 0.5] -> 6; [5, 5] -> 8;
    // [0, -0] tie -> 10
    assertThat(max).containsExactly(10, 0, 0, 20, 30, 0, 40, 0, 50, 0, 60, 0);
    float[] min =
        bind1(SelectAndScatter.SELECT_AND_SCATTER_ADD_MIN, unpadded, xs, ss).toFloatArray();
    assertThat(min).containsExactly(10, 0, 0, 20, 30, 0, 0, 40, 50, 0, 60, 0);
  }

  /**
   * F32 2x2 pooling at stride 2 whose windows tile the input (the CNN's max pooling) has its own
   * vector kernel; on widths that are whole vectors, vectors plus leftover windows, and narrower,
   * with ties, zeros of both signs and NaNs, it must keep the general rule exactly: checked against
   * the F64 general kernel (which has no such path), and against the definition where no NaN is
   * present. A strided view as operand.
   */
  @Property(tries = 120)
  void twoByTwoPoolingScatterKeepsTheGeneralRule(@ForAll long seed) {
    Random r = new Random(seed);
    int[] shape = {
      1 + r.nextInt(2), 1 + r.nextInt(3), 2 * (1 + r.nextInt(3)), 2 * (1 + r.nextInt(40))
    };
    boolean nans = r.nextBoolean();
    double[] x = new double[Reference.size(shape)];
    for (int i = 0; i < x.length; i++) {
      int pick = r.nextInt(20);
      x[i] = pick == 0 ? -0.0 : pick == 1 && nans ? Double.NaN : r.nextInt(4);
    }
    Params p =
        ReduceWindow.params(new int[] {1, 1, 2, 2}, new int[] {1, 1, 2, 2}, new int[4], new int[4]);
    int[] pooled = {shape[0], shape[1], shape[2] / 2, shape[3] / 2};
    double[] source = Reference.randomData(r.nextLong(), Reference.size(pooled));
    for (SelectAndScatter op :
        List.of(
            SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX,
            SelectAndScatter.SELECT_AND_SCATTER_ADD_MIN)) {
      float[] got =
          bind1(
                  op,
                  p,
                  Reference.nonContiguous(x, shape, DType.F32),
                  Reference.tensor(source, pooled, DType.F32))
              .toFloatArray();
      double[] general =
          bind1(
                  op,
                  p,
                  Reference.tensor(x, shape, DType.F64),
                  Reference.tensor(source, pooled, DType.F32).astype(DType.F64))
              .toDoubleArray();
      String what = op + " " + Arrays.toString(shape) + (nans ? " with NaNs" : "");
      for (int i = 0; i < got.length; i++) {
        assertThat((double) got[i]).as(what + " at " + i).isEqualTo(general[i]);
      }
      if (!nans) {
        double[] want =
            directSelectAndScatter(
                x,
                shape,
                Reference.tensor(source, pooled, DType.F32).astype(DType.F64).toDoubleArray(),
                pooled,
                p,
                op == SelectAndScatter.SELECT_AND_SCATTER_ADD_MAX);
        assertClose(Tensor.of(got, shape), want, shape, 0, what + " definition");
      }
    }
  }

  /**
   * F32 2x2 pooling at stride 2 whose windows tile the input has its own vector kernel for the
   * forward pass too; on widths that are whole pairs of vectors, pairs plus leftover windows, and
   * narrower, with zeros of both signs, NaNs and infinities, its sums, maxima and minima must be
   * exactly the general loop's: checked against the direct loop over the same values in F64 (on
   * small integers and halves every F32 sum here is exact, so the F64 value is the F32 one) and
   * against the F64 kernel, which has no such path. A strided view as operand.
   */
  @Property(tries = 120)
  void twoByTwoPoolingReduceKeepsTheGeneralLoop(@ForAll long seed) {
    Random r = new Random(seed);
    int[] shape = {
      1 + r.nextInt(2), 1 + r.nextInt(3), 2 * (1 + r.nextInt(3)), 2 * (1 + r.nextInt(72))
    };
    boolean specials = r.nextBoolean();
    double[] x = new double[Reference.size(shape)];
    for (int i = 0; i < x.length; i++) {
      int pick = r.nextInt(24);
      x[i] =
          pick == 0
              ? -0.0
              : pick == 1 && specials
                  ? Double.NaN
                  : pick == 2 && specials
                      ? (r.nextBoolean() ? 1 : -1) * Double.POSITIVE_INFINITY
                      : (r.nextInt(17) - 8) / 2.0;
    }
    Params p =
        ReduceWindow.params(new int[] {1, 1, 2, 2}, new int[] {1, 1, 2, 2}, new int[4], new int[4]);
    int[] pooled = {shape[0], shape[1], shape[2] / 2, shape[3] / 2};
    for (String op : List.of("sum", "max", "min")) {
      float[] got =
          bind1(windowOp(op), p, Reference.nonContiguous(x, shape, DType.F32)).toFloatArray();
      double[] general =
          bind1(windowOp(op), p, Reference.tensor(x, shape, DType.F64)).toDoubleArray();
      double[] direct = directWindow(x, shape, p, op, pooled);
      String what =
          op + " " + Arrays.toString(shape) + (specials ? " with NaNs and infinities" : "");
      for (int i = 0; i < got.length; i++) {
        // Double.compare: NaN equals NaN, and -0.0 differs from 0.0
        assertThat(Double.compare(got[i], general[i]))
            .as("%s at %d: %s against the F64 kernel's %s", what, i, got[i], general[i])
            .isZero();
        assertThat(Double.compare(got[i], direct[i]))
            .as("%s at %d: %s against the direct loop's %s", what, i, got[i], direct[i])
            .isZero();
      }
    }
  }
}
