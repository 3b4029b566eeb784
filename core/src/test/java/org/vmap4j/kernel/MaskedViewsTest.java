package org.vmap4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.vmap4j.kernel.ViewKernelsTest.copyKernel;
import static org.vmap4j.kernel.ViewKernelsTest.flat;
import static org.vmap4j.kernel.ViewKernelsTest.forEachIndex;
import static org.vmap4j.kernel.ViewKernelsTest.size;
import static org.vmap4j.kernel.ViewKernelsTest.transposedView;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.Pad;

/**
 * The primitives stated through masked views (pad, concatenate), rendered by the CPU through their
 * own descriptions, against plain loops over multi-indices written here.
 */
class MaskedViewsTest {
  private final Random random = new Random(20261207);

  /**
   * pad with low, high and interior padding (zero and non-zero), size-0 and size-1 extents and an
   * operand that is a transposed (non-contiguous) view: each output element is x at (o - low) /
   * (interior + 1) when that divides exactly and lies inside x, else the padding value.
   */
  @Test
  void padMatchesAPlainLoop() {
    for (int trial = 0; trial < 200; trial++) {
      int rank = 1 + random.nextInt(3);
      int[] xs = new int[rank];
      int[] low = new int[rank];
      int[] high = new int[rank];
      int[] interior = new int[rank];
      for (int d = 0; d < rank; d++) {
        xs[d] = random.nextInt(4);
        low[d] = random.nextInt(3);
        high[d] = random.nextInt(3);
        interior[d] = random.nextInt(3);
      }
      double[] xv = random.doubles(size(xs)).toArray();
      CpuTensor x = transposedView(xv, xs);
      double value = random.nextInt(5) - 2.5;
      Params p = Pad.params(low, high, interior, value);
      TensorType out = Pad.PAD.inferType(new TensorType[] {x.type()}, p);
      CpuTensor got = Pad.PAD.evaluate(new CpuTensor[] {x}, p, out);
      int[] os = out.shape();
      forEachIndex(
          os,
          o -> {
            int[] src = new int[rank];
            boolean inside = true;
            for (int d = 0; d < rank; d++) {
              int r = o[d] - low[d];
              inside &= r >= 0 && r % (interior[d] + 1) == 0 && r / (interior[d] + 1) < xs[d];
              src[d] = inside ? r / (interior[d] + 1) : 0;
            }
            assertThat(got.getDouble(flat(os, o)))
                .as(
                    "pad %s low %s high %s interior %s at %s",
                    Arrays.toString(xs),
                    Arrays.toString(low),
                    Arrays.toString(high),
                    Arrays.toString(interior),
                    Arrays.toString(o))
                .isEqualTo(inside ? xv[flat(xs, src)] : value);
          });
    }
  }

  /**
   * concatenate of 1 to 4 operands along any axis, with empty operands, size-0 and size-1 extents
   * and operands that are transposed views: output element o comes from the operand j whose range
   * along the axis holds o[axis], at o[axis] minus the widths of the operands before j.
   */
  @Test
  void concatenateMatchesAPlainLoop() {
    for (int trial = 0; trial < 200; trial++) {
      int rank = 1 + random.nextInt(3);
      int axis = random.nextInt(rank);
      int[] shape = new int[rank];
      for (int d = 0; d < rank; d++) {
        shape[d] = random.nextInt(4);
      }
      int n = 1 + random.nextInt(4);
      CpuTensor[] xs = new CpuTensor[n];
      double[][] values = new double[n][];
      int[][] shapes = new int[n][];
      TensorType[] types = new TensorType[n];
      for (int j = 0; j < n; j++) {
        shapes[j] = shape.clone();
        shapes[j][axis] = random.nextInt(4);
        values[j] = random.doubles(size(shapes[j])).toArray();
        xs[j] = transposedView(values[j], shapes[j]);
        types[j] = xs[j].type();
      }
      Params p = Concatenate.params(axis);
      TensorType out = Concatenate.CONCATENATE.inferType(types, p);
      CpuTensor got = Concatenate.CONCATENATE.evaluate(xs, p, out);
      int[] os = out.shape();
      forEachIndex(
          os,
          o -> {
            int j = 0;
            int at = o[axis];
            while (at >= shapes[j][axis]) {
              at -= shapes[j][axis];
              j++;
            }
            int[] src = o.clone();
            src[axis] = at;
            assertThat(got.getDouble(flat(os, o)))
                .as("concatenate along %d at %s", axis, Arrays.toString(o))
                .isEqualTo(values[j][flat(shapes[j], src)]);
          });
    }
  }

  /** Boolean operands are copied as they are. */
  @Test
  void concatenateCopiesBooleans() {
    CpuTensor a = CpuTensor.wrap(DType.BOOL, new boolean[] {true, false}, 2);
    CpuTensor b = CpuTensor.wrap(DType.BOOL, new boolean[] {false, true, true}, 3);
    Params p = Concatenate.params(0);
    TensorType out = Concatenate.CONCATENATE.inferType(new TensorType[] {a.type(), b.type()}, p);
    CpuTensor got = Concatenate.CONCATENATE.evaluate(new CpuTensor[] {a, b}, p, out);
    double[] v = new double[5];
    for (int k = 0; k < 5; k++) {
      v[k] = got.getDouble(k);
    }
    assertThat(v).containsExactly(1, 0, 0, 1, 1);
  }

  /** Integer and boolean pads convert the padding value as Java casts do. */
  @Test
  void padConvertsTheValueToTheDtype() {
    CpuTensor ints = CpuTensor.wrap(DType.I32, new int[] {7}, 1);
    Params p = Pad.params(new int[] {1}, new int[] {1}, new int[] {0}, -2.7);
    TensorType out = Pad.PAD.inferType(new TensorType[] {ints.type()}, p);
    CpuTensor got = Pad.PAD.evaluate(new CpuTensor[] {ints}, p, out);
    assertThat(new long[] {got.getLong(0), got.getLong(1), got.getLong(2)})
        .containsExactly(-2, 7, -2);
    CpuTensor bools = CpuTensor.wrap(DType.BOOL, new boolean[] {false}, 1);
    Params q = Pad.params(new int[] {1}, new int[] {0}, new int[] {0}, 0.5);
    CpuTensor b =
        Pad.PAD.evaluate(
            new CpuTensor[] {bools}, q, Pad.PAD.inferType(new TensorType[] {bools.type()}, q));
    assertThat(new double[] {b.getDouble(0), b.getDouble(1)}).containsExactly(1, 0);
  }

  /** The two ways a mask chain can go wrong: the first view and its inputs' dtypes. */
  static Stream<Arguments> maskChainsThatDoNotGoForward() {
    return Stream.of(
        Arguments.of(
            "falls back to an earlier input",
            Mask.orElse(new int[] {0}, new int[] {1}, new int[] {2}, 0),
            List.of(DType.F32, DType.F32),
            "the view of x0 reads x0 outside its mask"),
        Arguments.of(
            "falls through to another dtype",
            Mask.orElse(new int[] {0}, new int[] {1}, new int[] {2}, 1),
            List.of(DType.F32, DType.F64),
            "a later input of the same dtype"));
  }

  /** A mask that falls through to an earlier input or one of another dtype is refused. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("maskChainsThatDoNotGoForward")
  void aMaskChainMustGoForwardWithinOneDtype(
      String what, Mask first, List<DType> dtypes, String message) {
    View x0 = View.masked(new int[] {2}, new int[] {1}, 0, first);
    View x1 =
        View.masked(
            new int[] {2},
            new int[] {1},
            0,
            Mask.filled(new int[] {2}, new int[] {1}, new int[] {2}, 0));
    assertThatThrownBy(() -> copyKernel(new int[] {4}, dtypes, List.of(x0, x1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  /**
   * A masked view may carry index loads (a pad of a gather), but the CPU's masked copies do not
   * read them: it refuses such a kernel, naming the input, instead of copying without the gather.
   */
  @Test
  void theCpuRefusesIndexLoadsUnderAMask() {
    Mask inside = Mask.filled(new int[] {1}, new int[] {1}, new int[] {2}, 0);
    View gathered =
        new View(
            new int[] {3}, new int[] {0}, 0, List.of(new IndexLoad(1, 1, 3, "gather")), inside);
    View indices = View.masked(new int[] {2}, new int[] {1}, 0, inside);
    KernelDescription k =
        new KernelDescription(
            List.of(),
            "x0",
            DType.F64,
            List.of(DType.F64, DType.I32),
            new int[] {4},
            null,
            0,
            List.of(gathered, indices));
    CpuTensor x = CpuTensor.wrap(DType.F64, new double[] {1, 2, 3}, new int[] {3});
    CpuTensor i = CpuTensor.wrap(DType.I32, new int[] {2, 0}, new int[] {2});
    assertThatThrownBy(
            () ->
                org.vmap4j.cpu.ViewKernels.run(
                    k, new CpuTensor[] {x, i}, new TensorType(DType.F64, new int[] {4})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x0 has index loads under its mask");
  }
}
