package org.vmap4j.gpu.ptx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.DType;
import org.vmap4j.backend.HostArrays;
import org.vmap4j.kernel.IndexLoad;
import org.vmap4j.kernel.IndexMonoid;
import org.vmap4j.kernel.IndexReduction;
import org.vmap4j.kernel.KernelDescription;
import org.vmap4j.kernel.Mask;
import org.vmap4j.kernel.Monoid;
import org.vmap4j.kernel.ScalarStep;
import org.vmap4j.kernel.Scatter;
import org.vmap4j.kernel.View;

/**
 * Renders a fused kernel (the compiler's target-independent description, the same one the CPU
 * backend renders as Java) as a PTX entry {@value #ENTRY}{@code (x0, ..., y, n)}. PTX {@code
 * .version 8.0}, {@code .target sm_80}, so one text runs on Ampere and Hopper.
 *
 * <p>Element-wise kernels run one thread per element ({@code n} = element count). Kernels that
 * reduce over trailing dimensions run one warp per output element ({@code n} = output count): the
 * lanes stride over the reduced elements, then combine by butterfly shuffles. Inputs are contiguous
 * row-major device arrays, each read through the {@link View} the description gives it (a fused
 * kernel's broadcast input with stride 0 along the broadcast dimensions, a transpose's permuted
 * strides, a slice's offset): the renderer takes strides and offsets from the views and never
 * computes them itself (they are constants in the PTX, kernels being compiled per plan). Values are
 * F32, F64, I32, I64 or BOOL (one byte per element in memory).
 */
public final class PtxKernelRenderer {
  public static final String ENTRY = "fused";

  /** Threads per block; a multiple of the warp size (reductions rely on it). */
  public static final int BLOCK = 256;

  private PtxKernelRenderer() {}

  /**
   * Renders {@code k}, each input read through its {@link View}. A kernel with an {@link IndexLoad}
   * is the entry {@code fused(x0.., y, err, n)} run on {@link #threads} threads ({@code n}): thread
   * g first checks value g of the index input and, when it lies outside the load's bound, lowers
   * the u32 at {@code err} (which the caller sets to -1) to g by an atomic min; then, when g is an
   * element of the output, it computes that element, moving nothing where its index is outside
   * (that thread's error is already flagged). The caller reports the smallest flagged position,
   * which is where the CPU fails.
   */
  public static String render(KernelDescription k) {
    requireSupported(unsupported(k));
    boolean checksIndices = !k.indexLoads().isEmpty();
    KernelFrame f = new KernelFrame(k.inputTypes().size(), checksIndices);
    PtxRegisters regs = f.regs;
    List<String> body = f.body;
    if (k.reduce() == null) {
      f.leaveFrom(f.n);
      if (checksIndices) {
        checkIndex(k, f.gid, f.base, f.err, regs, body);
        f.leaveFrom(String.valueOf(size(k.shape())));
      }
      String value = element(k, f.gid, f.base, regs, body);
      store(k.resultType(), f.out, f.gid, value, regs, body);
    } else {
      reduction(k, f.gid, f.tid, f.n, f.outside, f.base, f.out, regs, body);
    }
    return f.assemble();
  }

  /** Fails with {@code why}, the reason an {@code unsupported} method gave, unless it is null. */
  private static void requireSupported(String why) {
    if (why != null) {
      throw new UnsupportedOperationException(why);
    }
  }

  /**
   * What every entry {@code fused(x0.., y, [err,] n)} of this renderer shares: the prologue (a
   * global pointer per input, the output, the error word when the kernel checks indices, {@code n},
   * the thread's index in its block and in the grid, and a predicate for leaving) emitted on
   * construction, in this order, and the parameter list emitted by {@link #assemble}. The kernel
   * body goes into {@link #body} between the two.
   */
  private static final class KernelFrame {
    final PtxRegisters regs = new PtxRegisters();
    final List<String> body = new ArrayList<>();

    /** The global address of input i ({@code x<i>}). */
    final String[] base;

    /** The global address of the output {@code y}. */
    final String out;

    /** The global address of the error word, or null when the kernel checks no index. */
    final String err;

    /** The {@code n} parameter, the thread's index in its block and in the grid (u32). */
    final String n;

    final String tid;
    final String gid;

    /** A predicate for the bounds tests that leave the kernel. */
    final String outside;

    KernelFrame(int inputs, boolean checksIndices) {
      base = new String[inputs];
      for (int i = 0; i < inputs; i++) {
        base[i] = globalPointer("x" + i);
      }
      out = globalPointer("y");
      err = checksIndices ? globalPointer("err") : null;
      n = regs.b32();
      body.add("ld.param.u32 " + n + ", [n];");
      tid = regs.b32();
      String ctaid = regs.b32();
      String ntid = regs.b32();
      gid = regs.b32();
      body.add("mov.u32 " + ctaid + ", %ctaid.x;");
      body.add("mov.u32 " + ntid + ", %ntid.x;");
      body.add("mov.u32 " + tid + ", %tid.x;");
      body.add("mad.lo.u32 " + gid + ", " + ctaid + ", " + ntid + ", " + tid + ";");
      outside = regs.pred();
    }

    /** Loads pointer parameter {@code param} as a global address. */
    private String globalPointer(String param) {
      String r = regs.b64();
      body.add("ld.param.u64 " + r + ", [" + param + "];");
      body.add("cvta.to.global.u64 " + r + ", " + r + ";");
      return r;
    }

    /** Threads whose grid index is at least {@code bound} (a register or a constant) return. */
    void leaveFrom(String bound) {
      body.add("setp.ge.u32 " + outside + ", " + gid + ", " + bound + ";");
      body.add("@" + outside + " bra DONE;");
    }

    /**
     * The PTX module text of entry {@value #ENTRY}: the parameters in the prologue's order, the
     * registers, the body; the body may branch to {@code DONE}, which returns.
     */
    String assemble() {
      List<String> params = new ArrayList<>();
      for (int i = 0; i < base.length; i++) {
        params.add(".param .u64 x" + i);
      }
      params.add(".param .u64 y");
      if (err != null) {
        params.add(".param .u64 err");
      }
      params.add(".param .u32 n");
      StringBuilder sb = new StringBuilder();
      sb.append("// generated by vmap4j PtxKernelRenderer\n");
      sb.append(".version 8.0\n.target sm_80\n.address_size 64\n\n");
      sb.append(".visible .entry ").append(ENTRY).append("(\n");
      sb.append("    ").append(String.join(",\n    ", params)).append("\n)\n{\n");
      sb.append(regs.declarations());
      for (String line : body) {
        sb.append(line.endsWith(":") ? "" : "    ").append(line).append('\n');
      }
      sb.append("DONE:\n    ret;\n}\n");
      return sb.toString();
    }
  }

  /**
   * Why this renderer cannot render {@code k}, or null when it can: the first scalar step whose
   * operation or dtypes the PTX table does not lower, or a kernel-level limit. Placement asks this
   * before rendering (a value, not an exception).
   */
  public static String unsupported(KernelDescription k) {
    if (size(k.shape()) < 0 || (long) size(k.shape()) * 8 > Long.MAX_VALUE / 2) {
      return "kernel too large";
    }
    if (k.reduce() != null && k.resultType() == DType.BOOL) {
      return "reductions of bool are not lowered to PTX (f32, f64, i32, i64 are)";
    }
    if (k.indexLoads().size() > 1) {
      return "kernels with more than one index load are not lowered to PTX (one error word)";
    }
    if (!k.indexLoads().isEmpty() && k.reduce() != null) {
      return "reductions over index loads are not lowered to PTX";
    }
    for (int i = 0; i < k.views().size(); i++) {
      Mask own = k.views().get(i).mask();
      for (IndexLoad l : k.views().get(i).indexLoads()) {
        String why = maskedIndices(k, l, own, "x" + i);
        if (why != null) {
          return why;
        }
      }
    }
    for (ScalarStep t : k.steps()) {
      String why = PtxLowering.unsupported(t);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  /**
   * Why index load {@code l} of a view with mask {@code own} (null: unmasked) cannot be rendered,
   * or null: an index input read through a masked view is read only where that mask holds the
   * point, which it does wherever the loading view is read only when both masks cover the same
   * points (fill and fall-through may differ: they are never read); elsewhere the index would be a
   * fill value or another input's.
   */
  private static String maskedIndices(KernelDescription k, IndexLoad l, Mask own, String who) {
    Mask indices = k.views().get(l.input()).mask();
    if (indices == null
        || own != null
            && Arrays.equals(indices.low(), own.low())
            && Arrays.equals(indices.step(), own.step())
            && Arrays.equals(indices.count(), own.count())) {
      return null;
    }
    return who
        + " loads indices from x"
        + l.input()
        + " through a masked view: lowered to PTX only when that mask covers the points of "
        + who
        + "'s own mask, no more and no fewer";
  }

  /**
   * How many threads a launch of the kernel needs: one per element, or one warp per output element
   * for reductions.
   */
  public static long threads(KernelDescription k) {
    if (!k.indexLoads().isEmpty()) {
      return Math.max(size(k.shape()), indexCount(k));
    }
    return k.reduce() == null ? size(k.shape()) : 32L * outputs(k);
  }

  /**
   * The number of index values a kernel with an index load checks: the size of the index input's
   * array (thread g checks value g).
   */
  static long indexCount(KernelDescription k) {
    return k.views().get(k.indexLoads().get(0).input()).sourceSize();
  }

  /** The value of the {@code n} parameter: elements, or output elements for reductions. */
  public static int outputs(KernelDescription k) {
    int[] s = k.shape();
    return size(java.util.Arrays.copyOf(s, s.length - k.reducedDims()));
  }

  /**
   * Thread {@code gid} checks value {@code gid} of the index input (every value is checked, also
   * one no element reads, as the CPU does), flagging it in {@code err} when outside the bound.
   */
  private static void checkIndex(
      KernelDescription k,
      String gid,
      String[] base,
      String err,
      PtxRegisters regs,
      List<String> body) {
    checkIndex(k.indexLoads().get(0), k, indexCount(k), gid, base, err, regs, body);
  }

  /**
   * {@link #checkIndex(KernelDescription, String, String[], String, PtxRegisters, List)} for load
   * {@code l}, whose index input (of {@code k}) holds {@code count} values.
   */
  private static void checkIndex(
      IndexLoad l,
      KernelDescription k,
      long count,
      String gid,
      String[] base,
      String err,
      PtxRegisters regs,
      List<String> body) {
    String beyond = regs.pred();
    body.add("setp.ge.u32 " + beyond + ", " + gid + ", " + count + ";");
    body.add("@" + beyond + " bra CHECKED;");
    String own = loadIndex(k.inputTypes().get(l.input()), base[l.input()], gid, regs, body);
    String bad = regs.pred();
    // unsigned: a negative index is a huge one, so one comparison covers both ends
    body.add("setp.ge.u64 " + bad + ", " + own + ", " + l.bound() + ";");
    String ignored = regs.b32();
    body.add("@" + bad + " atom.global.min.u32 " + ignored + ", [" + err + "], " + gid + ";");
    body.add("CHECKED:");
  }

  /** Loads element {@code position} of an I32 or I64 index array, widened to 64 bits. */
  private static String loadIndex(
      DType t, String base, String position, PtxRegisters regs, List<String> body) {
    String at = address(base, position, t, regs, body);
    String index = regs.b64();
    if (t == DType.I32) {
      String narrow = regs.b32();
      body.add("ld.global.s32 " + narrow + ", [" + at + "];");
      body.add("cvt.s64.s32 " + index + ", " + narrow + ";");
    } else {
      body.add("ld.global.s64 " + index + ", [" + at + "];");
    }
    return index;
  }

  /**
   * The kernel body at flat element index {@code index}: loads, temporaries; the result register.
   */
  private static String element(
      KernelDescription k, String index, String[] base, PtxRegisters regs, List<String> body) {
    Map<String, String> reg = new HashMap<>();
    java.util.Set<String> used = new java.util.HashSet<>();
    used.add(k.result());
    k.steps().forEach(t -> used.addAll(t.operands()));
    for (int i = 0; i < base.length; i++) {
      DType t = k.inputTypes().get(i);
      if (!used.contains("x" + i)) {
        continue; // read only as indices, or outside a mask, by another input's view
      }
      if (k.views().get(i).mask() != null) {
        reg.put("x" + i, maskedRead(k, i, index, base, regs, body));
        continue;
      }
      View view = k.views().get(i);
      String offset = offset(index, k.shape(), view.strides(), view.offset(), regs, body);
      for (IndexLoad l : view.indexLoads()) {
        offset = addIndex(k, l, index, offset, base, regs, body);
      }
      String address = address(base[i], offset, t, regs, body);
      String v = regs.of(t);
      if (t == DType.BOOL) {
        String b = regs.b32();
        body.add("ld.global.u8 " + b + ", [" + address + "];");
        body.add("setp.ne.u32 " + v + ", " + b + ", 0;");
      } else {
        body.add("ld.global." + PtxRegisters.suffix(t) + " " + v + ", [" + address + "];");
      }
      reg.put("x" + i, v);
    }
    for (ScalarStep t : k.steps()) {
      String dst = regs.of(t.dtype());
      List<String> ops = new ArrayList<>();
      t.operands().forEach(o -> ops.add(reg.get(o)));
      body.addAll(PtxLowering.lower(t, dst, ops, regs));
      reg.put(t.name(), dst);
    }
    return reg.get(k.result());
  }

  /**
   * Input {@code i} read through its masked view at flat index {@code index} (see {@link Mask}):
   * along each dimension the coordinate minus {@code low} must be non-negative, a multiple of
   * {@code step} and, divided by it, below {@code count}; the first view of the chain whose mask
   * holds the point is loaded (its index loads added to the offset inside the mask), and the last
   * mask's fill is the value where none does.
   */
  private static String maskedRead(
      KernelDescription k,
      int i,
      String index,
      String[] base,
      PtxRegisters regs,
      List<String> body) {
    DType t = k.inputTypes().get(i);
    String v = regs.of(t);
    String read = regs.label("MASKED");
    int[] shape = k.shape();
    Mask last = null;
    for (int j : k.maskChain(i)) {
      View view = k.views().get(j);
      last = view.mask();
      String outside = regs.label("OUTSIDE");
      String off = regs.b32();
      body.add("mov.u32 " + off + ", " + view.offset() + ";");
      String miss = regs.pred();
      long inner = 1;
      for (int d = shape.length - 1; d >= 0; d--) {
        String r = regs.b32();
        body.add(
            inner == 1
                ? "mov.u32 " + r + ", " + index + ";"
                : "div.u32 " + r + ", " + index + ", " + inner + ";");
        if (d > 0) {
          body.add("rem.u32 " + r + ", " + r + ", " + shape[d] + ";");
        }
        inner *= shape[d];
        body.add("sub.s32 " + r + ", " + r + ", " + last.low()[d] + ";");
        body.add("setp.lt.s32 " + miss + ", " + r + ", 0;");
        body.add("@" + miss + " bra " + outside + ";");
        if (last.step()[d] > 1) {
          String m = regs.b32();
          body.add("rem.u32 " + m + ", " + r + ", " + last.step()[d] + ";");
          body.add("setp.ne.u32 " + miss + ", " + m + ", 0;");
          body.add("@" + miss + " bra " + outside + ";");
          body.add("div.u32 " + r + ", " + r + ", " + last.step()[d] + ";");
        }
        body.add("setp.ge.u32 " + miss + ", " + r + ", " + last.count()[d] + ";");
        body.add("@" + miss + " bra " + outside + ";");
        body.add("mad.lo.u32 " + off + ", " + r + ", " + view.strides()[d] + ", " + off + ";");
      }
      String at = off;
      for (IndexLoad l : view.indexLoads()) {
        at = addIndex(k, l, index, at, base, regs, body);
      }
      load(t, base[j], at, v, regs, body);
      body.add("bra " + read + ";");
      body.add(outside + ":");
    }
    if (t == DType.BOOL) {
      String bit = regs.b32();
      body.add("mov.u32 " + bit + ", " + (last.fill() != 0 ? 1 : 0) + ";");
      body.add("setp.ne.u32 " + v + ", " + bit + ", 0;");
    } else {
      body.add(
          "mov."
              + PtxRegisters.suffix(t)
              + " "
              + v
              + ", "
              + PtxRegisters.constant(t, last.fill())
              + ";");
    }
    body.add(read + ":");
    return v;
  }

  /** Loads element {@code offset} of an input of dtype {@code t} into register {@code v}. */
  private static void load(
      DType t, String base, String offset, String v, PtxRegisters regs, List<String> body) {
    String address = address(base, offset, t, regs, body);
    if (t == DType.BOOL) {
      String b = regs.b32();
      body.add("ld.global.u8 " + b + ", [" + address + "];");
      body.add("setp.ne.u32 " + v + ", " + b + ", 0;");
    } else {
      body.add("ld.global." + PtxRegisters.suffix(t) + " " + v + ", [" + address + "];");
    }
  }

  /**
   * {@code offset + stride * idx}, where idx is the index input read at this point through its
   * view; a thread whose index is outside the bound (flagged by {@link #checkIndex}) stops here.
   */
  private static String addIndex(
      KernelDescription k,
      IndexLoad l,
      String index,
      String offset,
      String[] base,
      PtxRegisters regs,
      List<String> body) {
    String value = indexAt(k, l.input(), index, base, regs, body);
    String bad = regs.pred();
    body.add("setp.ge.u64 " + bad + ", " + value + ", " + l.bound() + ";");
    body.add("@" + bad + " bra DONE;");
    String j = regs.b32();
    body.add("cvt.u32.u64 " + j + ", " + value + ";");
    String sum = regs.b32();
    body.add("mad.lo.u32 " + sum + ", " + j + ", " + l.stride() + ", " + offset + ";");
    return sum;
  }

  /**
   * Index input {@code input} read through its view at flat index {@code index}, widened to 64
   * bits. A masked view is read as any masked input is ({@link #unsupported} has checked that its
   * mask covers the points of the view loading the index, so the point is inside it).
   */
  private static String indexAt(
      KernelDescription k,
      int input,
      String index,
      String[] base,
      PtxRegisters regs,
      List<String> body) {
    View v = k.views().get(input);
    DType t = k.inputTypes().get(input);
    if (v.mask() == null) {
      String at = offset(index, k.shape(), v.strides(), v.offset(), regs, body);
      return loadIndex(t, base[input], at, regs, body);
    }
    String read = maskedRead(k, input, index, base, regs, body);
    if (t == DType.I64) {
      return read;
    }
    String wide = regs.b64();
    body.add("cvt.s64.s32 " + wide + ", " + read + ";");
    return wide;
  }

  /** The element offset of a strided input at flat index {@code index} of {@code shape}. */
  static String offset(
      String index, int[] shape, int[] strides, int base, PtxRegisters regs, List<String> body) {
    if (strides == null && base == 0) {
      return index;
    }
    if (strides == null) {
      strides = HostArrays.rowMajorStrides(shape);
    }
    String off = regs.b32();
    body.add("mov.u32 " + off + ", " + base + ";");
    long inner = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (strides[d] != 0 && shape[d] != 1) {
        String q = regs.b32();
        body.add(
            inner == 1
                ? "mov.u32 " + q + ", " + index + ";"
                : "div.u32 " + q + ", " + index + ", " + inner + ";");
        if (d > 0) {
          body.add("rem.u32 " + q + ", " + q + ", " + shape[d] + ";");
        }
        body.add("mad.lo.u32 " + off + ", " + q + ", " + strides[d] + ", " + off + ";");
      }
      inner *= shape[d];
    }
    return off;
  }

  static String address(
      String base, String elementOffset, DType t, PtxRegisters regs, List<String> body) {
    String bytes = regs.b64();
    String address = regs.b64();
    body.add("mul.wide.u32 " + bytes + ", " + elementOffset + ", " + t.byteSize() + ";");
    body.add("add.s64 " + address + ", " + base + ", " + bytes + ";");
    return address;
  }

  static void store(
      DType t, String out, String index, String value, PtxRegisters regs, List<String> body) {
    String address = address(out, index, t, regs, body);
    if (t == DType.BOOL) {
      String b = regs.b32();
      body.add("selp.u32 " + b + ", 1, 0, " + value + ";");
      body.add("st.global.u8 [" + address + "], " + b + ";");
    } else {
      body.add("st.global." + PtxRegisters.suffix(t) + " [" + address + "], " + value + ";");
    }
  }

  /** One warp per output element; see the class comment. */
  private static void reduction(
      KernelDescription k,
      String gid,
      String tid,
      String n,
      String outside,
      String[] base,
      String out,
      PtxRegisters regs,
      List<String> body) {
    DType t = k.resultType();
    String s = PtxRegisters.suffix(t);
    int[] shape = k.shape();
    int reduced =
        size(java.util.Arrays.copyOfRange(shape, shape.length - k.reducedDims(), shape.length));
    String warp = regs.b32();
    String lane = regs.b32();
    body.add("shr.u32 " + warp + ", " + gid + ", 5;");
    body.add("and.b32 " + lane + ", " + tid + ", 31;");
    // uniform across the warp: BLOCK is a multiple of 32
    body.add("setp.ge.u32 " + outside + ", " + warp + ", " + n + ";");
    body.add("@" + outside + " bra DONE;");
    String acc = regs.of(t);
    body.add("mov." + s + " " + acc + ", " + PtxRegisters.constant(t, k.reduce().identity()) + ";");
    String first = regs.b32();
    body.add("mul.lo.u32 " + first + ", " + warp + ", " + reduced + ";");
    String j = regs.b32();
    body.add("mov.u32 " + j + ", " + lane + ";");
    String done = regs.pred();
    body.add("LOOP:");
    body.add("setp.ge.u32 " + done + ", " + j + ", " + reduced + ";");
    body.add("@" + done + " bra REDUCED;");
    String index = regs.b32();
    body.add("add.u32 " + index + ", " + first + ", " + j + ";");
    String value = element(k, index, base, regs, body);
    body.addAll(combine(k.reduce(), t, acc, acc, value, regs));
    body.add("add.u32 " + j + ", " + j + ", 32;");
    body.add("bra LOOP;");
    body.add("REDUCED:");
    for (int offset = 16; offset >= 1; offset /= 2) {
      String other = regs.of(t);
      if (t.byteSize() == 4) {
        body.add("shfl.sync.bfly.b32 " + other + ", " + acc + ", " + offset + ", 31, -1;");
      } else {
        String lo = regs.b32();
        String hi = regs.b32();
        body.add("mov.b64 {" + lo + ", " + hi + "}, " + acc + ";");
        body.add("shfl.sync.bfly.b32 " + lo + ", " + lo + ", " + offset + ", 31, -1;");
        body.add("shfl.sync.bfly.b32 " + hi + ", " + hi + ", " + offset + ", 31, -1;");
        body.add("mov.b64 " + other + ", {" + lo + ", " + hi + "};");
      }
      body.addAll(combine(k.reduce(), t, acc, acc, other, regs));
    }
    String notFirst = regs.pred();
    body.add("setp.ne.u32 " + notFirst + ", " + lane + ", 0;");
    body.add("@" + notFirst + " bra DONE;");
    store(t, out, warp, acc, regs, body);
  }

  /** Why this renderer cannot render {@code s}, or null when it can. */
  public static String unsupported(Scatter s) {
    KernelDescription k = s.values();
    if (s.target().indexLoads().size() > 1 || !k.indexLoads().isEmpty()) {
      return "scatters with more than one index load are not lowered to PTX (one error word)";
    }
    for (IndexLoad l : s.target().indexLoads()) {
      String why = maskedIndices(k, l, null, "the scatter's target");
      if (why != null) {
        return why;
      }
    }
    if (k.resultType() == DType.BOOL) {
      return "scatters of bool are not lowered to PTX";
    }
    if (s.combine() != Monoid.SUM) {
      return "only summing scatters are lowered to PTX (atom.global.add)";
    }
    if (s.base() != 0) {
      return "a scatter's base is input 0 on the GPU (the launch copies input 0 to the output)";
    }
    return unsupported(k);
  }

  /**
   * The threads a launch of {@code s} needs, and its {@code n}: one per value, and at least one per
   * index value (each thread checks the index at its own position).
   */
  public static long threads(Scatter s) {
    long values = size(s.values().shape());
    if (s.target().indexLoads().isEmpty()) {
      return values;
    }
    return Math.max(values, scatterIndexCount(s));
  }

  private static long scatterIndexCount(Scatter s) {
    return s.values().views().get(s.target().indexLoads().get(0).input()).sourceSize();
  }

  /**
   * Renders {@code s} as the entry {@code fused(x0.., y, err, n)} ({@code err} only with an index
   * load) run on {@link #threads(Scatter)} threads, whose output the caller fills with a copy of
   * input 0 first: thread g checks index g as a gather's kernel does, then, when g is a point of
   * the values, adds its value at the target's element by {@code atom.global.add}, so repeated
   * indices accumulate (in an unspecified order).
   *
   * @throws UnsupportedOperationException with {@link #unsupported(Scatter)}'s reason
   */
  public static String render(Scatter s) {
    requireSupported(unsupported(s));
    KernelDescription k = s.values();
    DType t = k.resultType();
    List<IndexLoad> loads = s.target().indexLoads();
    KernelFrame f = new KernelFrame(k.inputTypes().size(), !loads.isEmpty());
    PtxRegisters regs = f.regs;
    List<String> body = f.body;
    String gid = f.gid;
    f.leaveFrom(f.n);
    if (!loads.isEmpty()) {
      checkIndex(loads.get(0), k, scatterIndexCount(s), gid, f.base, f.err, regs, body);
    }
    f.leaveFrom(String.valueOf(size(k.shape())));
    String value = element(k, gid, f.base, regs, body);
    View target = s.target();
    String to = offset(gid, k.shape(), target.strides(), target.offset(), regs, body);
    for (IndexLoad l : loads) {
      to = addIndex(k, l, gid, to, f.base, regs, body);
    }
    String address = address(f.out, to, t, regs, body);
    String old = regs.of(t);
    String type =
        switch (t) {
          case F32 -> "f32";
          case F64 -> "f64";
          case I32 -> "s32";
          default -> "u64"; // two's complement: the same bits as a signed add
        };
    body.add("atom.global.add." + type + " " + old + ", [" + address + "], " + value + ";");
    return f.assemble();
  }

  /** Why this renderer cannot render {@code r}, or null when it can. */
  public static String unsupported(IndexReduction r) {
    KernelDescription k = r.values();
    if (!k.indexLoads().isEmpty()) {
      return "index reductions over index loads are not lowered to PTX";
    }
    String why = unsupported(k);
    if (why != null) {
      return why;
    }
    for (ScalarStep t : r.monoid().replaces(k.resultType(), false)) {
      why = PtxLowering.unsupported(t);
      if (why != null) {
        return why;
      }
    }
    return null;
  }

  /** The threads a launch of {@code r} needs, and its {@code n}: one warp per result. */
  public static long threads(IndexReduction r) {
    return 32L * r.rows();
  }

  /**
   * Renders {@code r} as the entry {@code fused(x0.., y, n)} run on {@link #threads} threads: one
   * warp per result; lane l combines the values at l, l + 32, ... into a (value, index) pair
   * starting from the monoid's identity, then the lanes combine their pairs by butterfly shuffles,
   * every combination by the monoid's steps through the PTX table, and lane 0 writes the index.
   *
   * @throws UnsupportedOperationException with {@link #unsupported(IndexReduction)}'s reason
   */
  public static String render(IndexReduction r) {
    requireSupported(unsupported(r));
    KernelDescription k = r.values();
    DType t = k.resultType();
    String s = PtxRegisters.suffix(t);
    KernelFrame f = new KernelFrame(k.inputTypes().size(), false);
    PtxRegisters regs = f.regs;
    List<String> body = f.body;
    // whole warps leave together: n is a multiple of 32, and so is BLOCK
    f.leaveFrom(f.n);
    String warp = regs.b32();
    String lane = regs.b32();
    body.add("shr.u32 " + warp + ", " + f.gid + ", 5;");
    body.add("and.b32 " + lane + ", " + f.tid + ", 31;");
    String acc = regs.of(t);
    String accIndex = regs.b64();
    body.add("mov." + s + " " + acc + ", " + PtxRegisters.constant(t, r.monoid().identity()) + ";");
    body.add(
        "mov.u64 " + accIndex + ", " + PtxRegisters.rawBits(r.monoid().identityIndex(), 8) + ";");
    String first = regs.b32();
    body.add("mul.lo.u32 " + first + ", " + warp + ", " + r.length() + ";");
    String j = regs.b32();
    body.add("mov.u32 " + j + ", " + lane + ";");
    String done = regs.pred();
    body.add("LOOP:");
    body.add("setp.ge.u32 " + done + ", " + j + ", " + r.length() + ";");
    body.add("@" + done + " bra REDUCED;");
    String index = regs.b32();
    body.add("add.u32 " + index + ", " + first + ", " + j + ";");
    String value = element(k, index, f.base, regs, body);
    String wide = regs.b64();
    body.add("cvt.u64.u32 " + wide + ", " + j + ";");
    combine(r.monoid(), t, acc, accIndex, value, wide, regs, body);
    body.add("add.u32 " + j + ", " + j + ", 32;");
    body.add("bra LOOP;");
    body.add("REDUCED:");
    for (int offset = 16; offset >= 1; offset /= 2) {
      String other = regs.of(t);
      shuffle(t.byteSize(), other, acc, offset, regs, body);
      String otherIndex = regs.b64();
      shuffle(8, otherIndex, accIndex, offset, regs, body);
      combine(r.monoid(), t, acc, accIndex, other, otherIndex, regs, body);
    }
    String notFirst = regs.pred();
    body.add("setp.ne.u32 " + notFirst + ", " + lane + ", 0;");
    body.add("@" + notFirst + " bra DONE;");
    store(DType.I64, f.out, warp, accIndex, regs, body);
    return f.assemble();
  }

  /** {@code dst} = lane (this lane xor {@code offset})'s {@code src}, of 4 or 8 bytes. */
  private static void shuffle(
      int bytes, String dst, String src, int offset, PtxRegisters regs, List<String> body) {
    if (bytes == 4) {
      body.add("shfl.sync.bfly.b32 " + dst + ", " + src + ", " + offset + ", 31, -1;");
      return;
    }
    String lo = regs.b32();
    String hi = regs.b32();
    body.add("mov.b64 {" + lo + ", " + hi + "}, " + src + ";");
    body.add("shfl.sync.bfly.b32 " + lo + ", " + lo + ", " + offset + ", 31, -1;");
    body.add("shfl.sync.bfly.b32 " + hi + ", " + hi + ", " + offset + ", 31, -1;");
    body.add("mov.b64 " + dst + ", {" + lo + ", " + hi + "};");
  }

  /**
   * (acc, accIndex) becomes (value, index) where the monoid's steps say the candidate replaces it
   * (rendered through the PTX table, each step into a fresh register).
   */
  private static void combine(
      IndexMonoid m,
      DType t,
      String acc,
      String accIndex,
      String value,
      String index,
      PtxRegisters regs,
      List<String> body) {
    Map<String, String> reg = new HashMap<>();
    reg.put(IndexMonoid.A, acc);
    reg.put(IndexMonoid.A_INDEX, accIndex);
    reg.put(IndexMonoid.B, value);
    reg.put(IndexMonoid.B_INDEX, index);
    String take = null;
    for (ScalarStep step : m.replaces(t, false)) {
      String dst = regs.of(step.dtype());
      List<String> ops = new ArrayList<>();
      step.operands().forEach(o -> ops.add(reg.get(o)));
      body.addAll(PtxLowering.lower(step, dst, ops, regs));
      reg.put(step.name(), dst);
      take = dst;
    }
    String s = PtxRegisters.suffix(t);
    body.add("selp." + s + " " + acc + ", " + value + ", " + acc + ", " + take + ";");
    body.add("selp.b64 " + accIndex + ", " + index + ", " + accIndex + ", " + take + ";");
  }

  /** {@code dst = a (+) b} by the monoid's scalar operation, through the PTX table. */
  private static List<String> combine(
      Monoid m, DType t, String dst, String a, String b, PtxRegisters regs) {
    return PtxLowering.lower(
        new ScalarStep(dst, m.combine(), t, List.of(a, b), List.of(t, t)),
        dst,
        List.of(a, b),
        regs);
  }

  /**
   * The number of points of {@code shape}; refused past what one launch's u32 indices and a Java
   * array (the host copy) can hold.
   */
  static int size(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "kernel shape "
              + java.util.Arrays.toString(shape)
              + " has "
              + n
              + " points, more than one kernel (and a host array) can hold");
    }
    return (int) n;
  }
}
