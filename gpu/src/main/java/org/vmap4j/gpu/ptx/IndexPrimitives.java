package org.vmap4j.gpu.ptx;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.prim.ScatterAdd;

/**
 * The one structural primitive that does not yet state a {@link
 * org.vmap4j.kernel.KernelDescription} of its own ({@code gather}, {@code pad}, {@code concatenate}
 * and {@code argmax} do, and are rendered by {@link PtxKernelRenderer} from it): {@code
 * scatter_add}, as one PTX kernel of one thread per update element, with core's semantics (paired
 * batch dimensions).
 *
 * <p>Entry {@value PtxKernelRenderer#ENTRY} with parameters {@code (x0.., y, n)}. {@code
 * scatter_add} takes {@code (x0.., y, err, n)} and run max(elements moved, indices) threads: thread
 * g checks index g (so every index is checked, also where its slice is empty, as the CPU does),
 * lowering the u32 at {@code err}, which the caller sets to {@value #NO_ERROR}, to g by an atomic
 * min when the index is outside {@code [0, n)}. Such an index is never dereferenced (threads that
 * would use it write nothing); the caller reports the smallest flagged position, which is the one
 * the CPU reports (see {@link #outOfRange}). {@code scatter_add}'s output must hold a copy of its
 * operand before the launch; the kernel adds the updates with {@code atom.global.add}, so repeated
 * indices accumulate in an unspecified order (floating sums may differ from the CPU's in the last
 * bits).
 */
public final class IndexPrimitives {
  /** The error word's value when every index was in range. */
  public static final int NO_ERROR = -1;

  private IndexPrimitives() {}

  /**
   * A rendered kernel: {@code n} threads (the {@code n} parameter); {@code checksIndices} for the
   * {@code err} parameter, whose index operand is input {@link #INDICES}; {@code startsFromOperand}
   * when the output must first hold a copy of input 0.
   */
  public record Kernel(String ptx, int n, boolean checksIndices, boolean startsFromOperand) {}

  /** The input of gather and scatter_add that holds the indices. */
  public static final int INDICES = 1;

  /** Whether {@code e} is one of these primitives. */
  public static boolean handles(Equation e) {
    var p = e.primitive();
    return p == ScatterAdd.SCATTER_ADD;
  }

  /**
   * Why {@code e} (one of these primitives) has no kernel here, or null when it has one: the dtypes
   * the kernels below do not handle. Placement asks this before {@link #kernel}.
   */
  public static String unsupported(Equation e) {
    var p = e.primitive();
    DType operand = e.inputs().get(0).type().dtype();
    if (p == ScatterAdd.SCATTER_ADD) {
      DType indices = e.inputs().get(INDICES).type().dtype();
      if (indices != DType.I32 && indices != DType.I64) {
        return "indices of " + indices + " are not lowered";
      }
      if (operand == DType.BOOL) {
        return "scatter_add of bool is not lowered";
      }
    }
    return null;
  }

  /**
   * The kernel computing {@code e}, or null when {@code e} is none of these primitives.
   *
   * @throws UnsupportedOperationException for a dtype these kernels do not handle (see {@link
   *     #unsupported})
   */
  public static Kernel kernel(Equation e) {
    var p = e.primitive();
    if (p == ScatterAdd.SCATTER_ADD) {
      int indices = e.inputs().get(INDICES).type().size();
      int updates = e.inputs().get(2).type().size();
      return new Kernel(scatterAdd(e), Math.max(updates, indices), true, true);
    }
    return null;
  }

  /**
   * The error the CPU raises for index {@code position} of {@code indices} (outside {@code [0,
   * n)}), for a GPU step whose kernel flagged that position.
   */
  public static IndexOutOfBoundsException outOfRange(
      Equation e, CpuTensor indices, int position, String where) {
    int n = e.inputs().get(0).type().shape()[e.params().integer("axis")];
    return new IndexOutOfBoundsException(
        e.primitive().displayName()
            + ": index "
            + indices.getLong(position)
            + " at flat position "
            + position
            + " of the indices "
            + indices.type()
            + " is outside [0, "
            + n
            + ") ("
            + where
            + ")");
  }

  /** Registers and lines of one kernel: the pointers, {@code n}, and the thread's index. */
  private static final class Body {
    final PtxRegisters regs = new PtxRegisters();
    final List<String> lines = new ArrayList<>();
    final List<String> params = new ArrayList<>();
    final String[] x;
    final String y;
    final String err;
    final String gid;

    Body(int inputs, boolean err) {
      x = new String[inputs];
      for (int i = 0; i < inputs; i++) {
        params.add(".param .u64 x" + i);
        x[i] = PtxKernelRenderer.globalPointer("x" + i, regs, lines);
      }
      params.add(".param .u64 y");
      y = PtxKernelRenderer.globalPointer("y", regs, lines);
      if (err) {
        params.add(".param .u64 err");
        this.err = PtxKernelRenderer.globalPointer("err", regs, lines);
      } else {
        this.err = null;
      }
      params.add(".param .u32 n");
      String n = regs.b32();
      lines.add("ld.param.u32 " + n + ", [n];");
      gid = PtxKernelRenderer.globalThreadIndex(regs.b32(), regs, lines);
      String outside = regs.pred();
      lines.add("setp.ge.u32 " + outside + ", " + gid + ", " + n + ";");
      lines.add("@" + outside + " bra DONE;");
    }

    void add(String line) {
      lines.add(line);
    }

    /** {@code (index / inner) % extent}, the coordinate of a flat index along one dimension. */
    String coordinate(String index, long inner, long extent) {
      String q = regs.b32();
      lines.add(
          inner == 1
              ? "mov.u32 " + q + ", " + index + ";"
              : "div.u32 " + q + ", " + index + ", " + Math.max(1, inner) + ";");
      lines.add("rem.u32 " + q + ", " + q + ", " + Math.max(1, extent) + ";");
      return q;
    }

    /** {@code index / inner}: the coordinate along the outermost dimension of a split. */
    String quotient(String index, long inner) {
      String q = regs.b32();
      lines.add("div.u32 " + q + ", " + index + ", " + Math.max(1, inner) + ";");
      return q;
    }

    String ptx() {
      return PtxKernelRenderer.assemble("IndexPrimitives", params, regs, lines);
    }
  }

  /**
   * Gather's layout (see {@link org.vmap4j.prim.Gather}): the output is [B, P, N, Q] and the
   * indices [B, I]; thread g of the [B, P, I, Q] updates has index k = b·I + i and adds to element
   * [b, p, idx[k], q] of the output.
   */
  private static String scatterAdd(Equation e) {
    TensorType x = e.inputs().get(0).type();
    TensorType idx = e.inputs().get(INDICES).type();
    DType t = x.dtype();
    int axis = e.params().integer("axis");
    int nb = e.params().integer("batch_dims");
    int[] xs = x.shape();
    long p = Shapes.size(Shapes.select(xs, Shapes.range(nb, axis)));
    long n = xs[axis];
    long q = Shapes.size(Shapes.select(xs, Shapes.range(axis + 1, xs.length)));
    int[] is = idx.shape();
    long items = Shapes.size(Shapes.select(is, Shapes.range(nb, is.length)));
    if (t == DType.BOOL) {
      throw new UnsupportedOperationException("scatter_add of bool is not lowered");
    }
    int moved = e.inputs().get(2).type().size();
    Body b = new Body(e.inputs().size(), true);
    // every index is checked, by the thread of its position, even where no element moves (an
    // empty slice), so that the GPU fails exactly where the CPU does
    String bad = b.regs.pred();
    String beyond = b.regs.pred();
    b.add("setp.ge.u32 " + beyond + ", " + b.gid + ", " + idx.size() + ";");
    b.add("@" + beyond + " bra CHECKED;");
    String own = loadIndex(b, idx.dtype(), b.gid);
    // unsigned: a negative index is a huge one, so one comparison covers both ends
    b.add("setp.ge.u64 " + bad + ", " + own + ", " + n + ";");
    String ignored = b.regs.b32();
    b.add("@" + bad + " atom.global.min.u32 " + ignored + ", [" + b.err + "], " + b.gid + ";");
    b.add("CHECKED:");
    b.add("setp.ge.u32 " + beyond + ", " + b.gid + ", " + moved + ";");
    b.add("@" + beyond + " bra DONE;");
    String qq = b.coordinate(b.gid, 1, q);
    String i = b.coordinate(b.gid, q, items);
    String pp = b.coordinate(b.gid, q * items, p);
    String bb = b.quotient(b.gid, q * items * p);
    String k = b.regs.b32();
    b.add("mad.lo.u32 " + k + ", " + bb + ", " + items + ", " + i + ";");
    String index = loadIndex(b, idx.dtype(), k);
    // an index outside [0, n) was flagged by its own thread: move nothing
    b.add("setp.ge.u64 " + bad + ", " + index + ", " + n + ";");
    b.add("@" + bad + " bra DONE;");
    String j = b.regs.b32();
    b.add("cvt.u32.u64 " + j + ", " + index + ";");
    String at2 = b.regs.b32();
    b.add("mad.lo.u32 " + at2 + ", " + bb + ", " + p + ", " + pp + ";");
    b.add("mad.lo.u32 " + at2 + ", " + at2 + ", " + n + ", " + j + ";");
    b.add("mad.lo.u32 " + at2 + ", " + at2 + ", " + q + ", " + qq + ";");
    String u = b.regs.of(t);
    String from = PtxKernelRenderer.address(b.x[2], b.gid, t, b.regs, b.lines);
    b.add("ld.global." + PtxRegisters.suffix(t) + " " + u + ", [" + from + "];");
    String to = PtxKernelRenderer.address(b.y, at2, t, b.regs, b.lines);
    String old = b.regs.of(t);
    String type =
        switch (t) {
          case F32 -> "f32";
          case F64 -> "f64";
          case I32 -> "s32";
          default -> "u64"; // two's complement: the same bits as a signed add
        };
    b.add("atom.global.add." + type + " " + old + ", [" + to + "], " + u + ";");
    return b.ptx();
  }

  /** Loads index {@code position} of the index input, widened to 64 bits. */
  private static String loadIndex(Body b, DType t, String position) {
    String at = PtxKernelRenderer.address(b.x[INDICES], position, t, b.regs, b.lines);
    String index = b.regs.b64();
    if (t == DType.I32) {
      String narrow = b.regs.b32();
      b.add("ld.global.s32 " + narrow + ", [" + at + "];");
      b.add("cvt.s64.s32 " + index + ", " + narrow + ";");
    } else if (t == DType.I64) {
      b.add("ld.global.s64 " + index + ", [" + at + "];");
    } else {
      throw new UnsupportedOperationException("indices of " + t + " are not lowered");
    }
    return index;
  }
}
