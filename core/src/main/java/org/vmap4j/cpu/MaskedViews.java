package org.vmap4j.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Mask;
import org.vmap4j.kernel.View;

/**
 * The CPU renderer of kernel descriptions whose result is an input read through masked views (a
 * pad, a concatenation: see {@link Mask}): the points a mask holds form a strided box of the
 * output, so the kernel is a fill of the output with the last fill value (skipped where the masks
 * are disjoint and cover every point) and one strided copy of each input into its box, last input
 * of the chain first so that an earlier mask wins where two overlap. No code is generated: each box
 * is one {@link Strided#copy}, which merges contiguous dimensions into array copies.
 *
 * <p>Kernels with scalar steps or a reduction over masked views are not rendered here (nothing
 * states one yet); {@link #unsupported} says so.
 */
final class MaskedViews {
  private MaskedViews() {}

  /** Why this renderer cannot run {@code k}, or null when it can. */
  static String unsupported(KernelDescription k) {
    int copied = KernelDescription.inputIndex(k.result());
    if (!k.steps().isEmpty() || k.reduce() != null || copied < 0) {
      return "masked views are rendered on the CPU only as copies (no steps, no reduction), got "
          + k.describe();
    }
    return unsupported(k, k.maskChain(copied));
  }

  private static String unsupported(KernelDescription k, List<Integer> chain) {
    for (int i : chain) {
      if (k.views().get(i).mask() == null || k.inputTypes().get(i) != k.resultType()) {
        return "input x" + i + " of a masked copy is not masked or not of the result's dtype";
      }
      if (!k.views().get(i).indexLoads().isEmpty()) {
        return "input x" + i + " has index loads under its mask: the CPU does not render those";
      }
    }
    return null;
  }

  /**
   * {@code k} checked, with its boxes worked out for a row-major result of {@code out}: which input
   * each box copies (last of the chain first), where the box starts and its strides in the result,
   * and whether the result needs the fill first.
   */
  static PreparedKernel prepare(KernelDescription k, TensorType out) {
    int copied = KernelDescription.inputIndex(k.result());
    if (!k.steps().isEmpty() || k.reduce() != null || copied < 0) {
      throw new IllegalArgumentException(unsupported(k));
    }
    List<Integer> chain = k.maskChain(copied);
    String why = unsupported(k, chain);
    if (why != null) {
      throw new IllegalArgumentException(why);
    }
    Mask last = k.views().get(chain.get(chain.size() - 1)).mask();
    boolean fill = !tiles(k, chain, out.size());
    int[] outStrides = Shapes.contiguousStrides(out.shape());
    List<Box> boxes = new ArrayList<>();
    for (int c = chain.size() - 1; c >= 0; c--) {
      int i = chain.get(c);
      View v = k.views().get(i);
      Mask m = v.mask();
      if (m.size() == 0) {
        continue;
      }
      int offset = 0;
      int[] strides = new int[outStrides.length];
      for (int d = 0; d < strides.length; d++) {
        offset += m.low()[d] * outStrides[d];
        strides[d] = m.step()[d] * outStrides[d];
      }
      boxes.add(new Box(i, v, offset, strides));
    }
    double value = last.fill();
    return inputs -> {
      CpuTensor result = CpuTensor.allocate(out);
      if (fill) {
        Storage.fill(result.data(), 0, out.size(), value);
      }
      for (Box box : boxes) {
        CpuTensor in = inputs[box.input()];
        (box.whole() ? in : source(in, box.view(), box.view().mask()))
            .copyInto(result, box.offset(), box.strides());
      }
      return result;
    };
  }

  /**
   * One input's strided box of the result: where it starts and its strides there, and whether the
   * view reads all of its input in row-major order (then the box is a copy of the input itself,
   * whatever its strides; decided here once, since the view's shape is its input's).
   */
  private record Box(int input, View view, int offset, int[] strides, boolean whole) {
    Box(int input, View view, int offset, int[] strides) {
      this(
          input,
          view,
          offset,
          strides,
          view.offset() == 0
              && Arrays.equals(view.mask().count(), view.shape())
              && Arrays.equals(view.strides(), Shapes.contiguousStrides(view.shape())));
    }
  }

  /** The input's elements a view reads inside its mask, as a tensor of the mask's counts. */
  private static CpuTensor source(CpuTensor in, View v, Mask m) {
    CpuTensor c = in.contiguous();
    return c.view(m.count(), v.strides(), c.offset() + v.offset());
  }

  /** Whether the chain's masks are pairwise disjoint and together hold all {@code size} points. */
  private static boolean tiles(KernelDescription k, List<Integer> chain, long size) {
    long covered = 0;
    for (int a = 0; a < chain.size(); a++) {
      Mask m = k.views().get(chain.get(a)).mask();
      covered += m.size();
      for (int b = a + 1; b < chain.size(); b++) {
        if (!m.disjointFrom(k.views().get(chain.get(b)).mask())) {
          return false;
        }
      }
    }
    return covered == size;
  }
}
