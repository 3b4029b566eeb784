package org.vmap4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Views, reshapes, slicing, indexing and joining against index arithmetic done by hand. */
class ShapeOpsTest {
  @Provide
  Arbitrary<int[]> shapes() {
    return Reference.nonEmptyShapes(1);
  }

  @Provide
  Arbitrary<DType> dtypes() {
    return Arbitraries.of(DType.values());
  }

  private static Tensor sample(int[] shape, DType dtype, long seed, boolean strided) {
    double[] d = Reference.randomData(seed, Reference.size(shape));
    return strided ? Reference.nonContiguous(d, shape, dtype) : Reference.tensor(d, shape, dtype);
  }

  @Property(tries = 200)
  void permuteMovesEveryElement(
      @ForAll("shapes") int[] shape,
      @ForAll("dtypes") DType dtype,
      @ForAll boolean strided,
      @ForAll long seed) {
    Tensor x = sample(shape, dtype, seed, strided);
    int n = shape.length;
    int[] perm = new java.util.Random(seed).ints(0, 1000).limit(n).toArray();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(perm[a], perm[b]));
    int[] p = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    Tensor y = x.permute(p);
    double[] xv = x.toDoubleArray();
    double[] yv = y.toDoubleArray();
    int[] ys = y.shape();
    Reference.forEachIndex(
        ys,
        idx -> {
          int[] src = new int[n];
          for (int i = 0; i < n; i++) {
            src[p[i]] = idx[i];
          }
          assertThat(yv[Reference.flat(ys, idx)]).isEqualTo(xv[Reference.flat(shape, src)]);
        });
    // reshaping a non-contiguous view keeps row-major order
    assertThat(y.reshape(-1).toDoubleArray()).containsExactly(yv);
    assertThat(y.reshape(-1).astype(dtype).dtype()).isEqualTo(dtype);
  }

  @Property(tries = 200)
  void sliceMatchesIndexArithmetic(
      @ForAll("shapes") int[] shape, @ForAll boolean strided, @ForAll long seed) {
    java.util.Random r = new java.util.Random(seed);
    Tensor x = sample(shape, DType.F64, seed, strided);
    int dim = r.nextInt(shape.length);
    int n = shape[dim];
    int start = r.nextInt(n + 3) - 2;
    int end = r.nextInt(n + 3) - 1;
    int step = 1 + r.nextInt(3);
    Tensor y = x.slice(dim, start, end, step);
    int from = Math.max(0, Math.min(n, start < 0 ? start + n : start));
    int to = Math.max(from, Math.max(0, Math.min(n, end < 0 ? end + n : end)));
    int[] want = shape.clone();
    want[dim] = (to - from + step - 1) / step;
    assertThat(y.shape()).isEqualTo(want);
    double[] xv = x.toDoubleArray();
    double[] yv = y.toDoubleArray();
    Reference.forEachIndex(
        want,
        idx -> {
          int[] src = idx.clone();
          src[dim] = from + idx[dim] * step;
          assertThat(yv[Reference.flat(want, idx)]).isEqualTo(xv[Reference.flat(shape, src)]);
        });
  }

  @Property(tries = 200)
  void indexAndGatherTakeTheNamedPositions(
      @ForAll("shapes") int[] shape, @ForAll boolean strided, @ForAll long seed) {
    java.util.Random r = new java.util.Random(seed);
    Tensor x = sample(shape, DType.F32, seed, strided);
    double[] xv = x.toDoubleArray();
    int dim = r.nextInt(shape.length);
    int n = shape[dim];
    // index(dim, idx): any index shape
    int[] idxShape = {r.nextInt(3), 1 + r.nextInt(2)};
    long[] idx = r.longs(Reference.size(idxShape), 0, n).toArray();
    Tensor taken = x.index(dim, Tensor.of(idx, idxShape));
    int[] ts = taken.shape();
    double[] tv = taken.toDoubleArray();
    Reference.forEachIndex(
        ts,
        out -> {
          int[] src = new int[shape.length];
          for (int d = 0; d < dim; d++) {
            src[d] = out[d];
          }
          src[dim] = (int) idx[Reference.flat(idxShape, new int[] {out[dim], out[dim + 1]})];
          for (int d = dim + 1; d < shape.length; d++) {
            src[d] = out[d + 1];
          }
          assertThat(tv[Reference.flat(ts, out)]).isEqualTo(xv[Reference.flat(shape, src)]);
        });
    // gather(dim, index): PyTorch semantics, index of x's rank
    int[] gs = shape.clone();
    gs[dim] = 1 + r.nextInt(3);
    long[] g = r.longs(Reference.size(gs), 0, n).toArray();
    Tensor gathered = x.gather(dim, Tensor.of(g, gs));
    assertThat(gathered.shape()).isEqualTo(gs);
    double[] gv = gathered.toDoubleArray();
    Reference.forEachIndex(
        gs,
        out -> {
          int[] src = out.clone();
          src[dim] = (int) g[Reference.flat(gs, out)];
          assertThat(gv[Reference.flat(gs, out)]).isEqualTo(xv[Reference.flat(shape, src)]);
        });
  }

  @Property(tries = 100)
  void concatAndStackJoinInOrder(
      @ForAll("shapes") int[] shape, @ForAll("dtypes") DType dtype, @ForAll long seed) {
    int dim = (int) Math.floorMod(seed, shape.length);
    Tensor a = sample(shape, dtype, seed, false);
    int[] bs = shape.clone();
    bs[dim] += 1;
    Tensor b = sample(bs, dtype, seed + 1, true);
    Tensor c = Tensor.concat(dim, a, b);
    assertThat(c.slice(dim, 0, shape[dim]).toDoubleArray()).containsExactly(a.toDoubleArray());
    assertThat(c.slice(dim, shape[dim], c.shape()[dim]).toDoubleArray())
        .containsExactly(b.toDoubleArray());
    Tensor other = b.slice(dim, 1, bs[dim]);
    Tensor s = Tensor.stack(dim, a, other);
    assertThat(s.index(dim, 0).toDoubleArray()).containsExactly(a.toDoubleArray());
    assertThat(s.index(dim, 1).toDoubleArray()).containsExactly(other.toDoubleArray());
    assertThat(s.ndim()).isEqualTo(shape.length + 1);
  }

  @Test
  void squeezeUnsqueezeExpandBroadcast() {
    Tensor x = Tensor.of(new double[] {1, 2, 3}, 3);
    assertThat(x.unsqueeze(0).shape()).containsExactly(1, 3);
    assertThat(x.unsqueeze(-1).shape()).containsExactly(3, 1);
    assertThat(x.unsqueeze(0).unsqueeze(2).squeeze().shape()).containsExactly(3);
    assertThat(x.unsqueeze(1).expand(-1, 2).toDoubleArray()).containsExactly(1, 1, 2, 2, 3, 3);
    assertThat(x.broadcastTo(2, 3).toDoubleArray()).containsExactly(1, 2, 3, 1, 2, 3);
    assertThatThrownBy(() -> x.squeeze(0)).hasMessageContaining("size 3");
    assertThatThrownBy(() -> x.broadcastTo(4))
        .hasMessageContaining("[3]")
        .hasMessageContaining("[4]");
    assertThatThrownBy(() -> x.reshape(2, -1)).hasMessageContaining("reshape");
    assertThat(Tensor.zeros(DType.F32, 2, 0, 3).reshape(3, 0, 2).shape()).containsExactly(3, 0, 2);
  }

  @Test
  void transposeIsAViewThatReadsCorrectly() {
    Tensor m = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertThat(m.transpose().toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
    assertThat(m.transpose().transpose().toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThatThrownBy(() -> Tensor.zeros(DType.F32, 2, 2, 2).transpose())
        .hasMessageContaining("permute");
  }

  @Test
  void outOfRangeIndicesAreErrorsNotWrongValues() {
    Tensor x = Tensor.of(new double[] {1, 2, 3});
    assertThatThrownBy(() -> x.index(0, Tensor.of(new long[] {0, 3})))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("index 3")
        .hasMessageContaining("[0, 3)");
    assertThatThrownBy(() -> x.index(0, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(x.index(0, -1).item()).isEqualTo(3);
    assertThatThrownBy(() -> x.index(0, Tensor.of(new double[] {1})))
        .hasMessageContaining("i32 or i64");
  }
}
