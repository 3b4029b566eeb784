package org.vmap4j.gpu.ptx;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.kernel.GemmDescription;

/**
 * Our own tiled, strided-batched matrix product as PTX: {@code C[b, m, n] = Σ_k A[b, m, k]·B[b, k,
 * n]} with A and B read through element strides (so transposed operands cost nothing) and C written
 * contiguous. Each block of 256 threads computes a 64×64 tile of C, each thread a 4×4 register tile
 * (rows ty + 16i, columns tx + 16j, so that a warp's stores are contiguous); K is walked in slices
 * of 16 staged in shared memory (rows padded by 4 elements against bank conflicts), loaded so that
 * consecutive threads read consecutive addresses along whichever of A's and B's dimensions has unit
 * stride. Shapes and strides are constants in the PTX (kernels are compiled per plan). Grid: x =
 * batch, y = row tiles, z = column tiles. Products accumulate with fma, unlike the CPU's separate
 * multiply and add, so results differ in the last bits.
 *
 * <p>It renders core's {@link GemmDescription} (the one GEMM statement of {@code dot_general}; see
 * {@code kernel.Contraction}) and knows nothing of dimension numbers. It differs from the CPU's
 * micro-kernels ({@code cpu.Gemm}) because the hardware does: a thread block's shared-memory tile
 * instead of a register tile over packed panels, and strided reads instead of packing (a transposed
 * operand costs the GPU nothing, while the CPU's kernels need unit stride along k for A and along n
 * for B). cuBLAS runs the same description where {@code libcublas.so.12} loads and {@code
 * CublasCall} can express it; this kernel is kept for the rest (no cuBLAS on the machine, operands
 * strided along both dimensions). No device was lent when this was written, so its speed against
 * cuBLAS is not measured yet (docs/performance.md).
 */
public final class GemmPtx {
  public static final String ENTRY = "gemm";
  public static final int TILE = 64;
  private static final int SLICE = 16;

  /**
   * Shared-memory row length in elements: the tile width plus 4, so that the 16 k-rows a warp
   * stores at once fall into different banks (with 64 they would all hit the same bank).
   */
  private static final int ROW = TILE + 4;

  private static final int THREADS = 256;

  private GemmPtx() {}

  /**
   * Why this kernel does not render {@code g}, or null when it does: F32 and F64 only, a grid
   * within CUDA's limits, operands read from the start of their buffers (the kernel takes no
   * offsets).
   */
  public static String unsupported(GemmDescription g) {
    if (g.dtype() != DType.F32 && g.dtype() != DType.F64) {
      return "GEMM in " + g.dtype() + " is not lowered (f32, f64 are)";
    }
    if ((g.m() + TILE - 1) / TILE > 65535 || (g.n() + TILE - 1) / TILE > 65535) {
      return "GEMM grid too large";
    }
    if (g.a().offset() != 0 || g.b().offset() != 0) {
      return "GemmPtx reads operands from their first element (offsets "
          + g.a().offset()
          + ", "
          + g.b().offset()
          + ")";
    }
    return null;
  }

  /** Grid x: one block column per batch entry. */
  public static int gridX(GemmDescription g) {
    return Math.max(g.batch(), 1);
  }

  /** Grid y: row tiles of C. */
  public static int gridY(GemmDescription g) {
    return Math.max((g.m() + TILE - 1) / TILE, 1);
  }

  /** Grid z: column tiles of C. */
  public static int gridZ(GemmDescription g) {
    return Math.max((g.n() + TILE - 1) / TILE, 1);
  }

  /** Threads per block. */
  public static int blockThreads() {
    return THREADS;
  }

  /**
   * The description's sizes and strides under the names the kernel's index arithmetic uses: A's row
   * (free) and column (contracted) strides, B's row (contracted) and column (free) strides.
   */
  private record Strides(
      DType dtype,
      int m,
      int n,
      int k,
      long aBatch,
      long aRow,
      long aCol,
      long bBatch,
      long bRow,
      long bCol) {
    Strides(GemmDescription g) {
      this(
          g.dtype(),
          g.m(),
          g.n(),
          g.k(),
          g.a().batchStride(),
          g.a().freeStride(),
          g.a().contractStride(),
          g.b().batchStride(),
          g.b().contractStride(),
          g.b().freeStride());
    }
  }

  /**
   * PTX entry {@value #ENTRY}{@code (a, b, c)} computing {@code g}.
   *
   * @throws IllegalArgumentException when {@link #unsupported} gives a reason
   */
  public static String render(GemmDescription g) {
    String why = unsupported(g);
    if (why != null) {
      throw new IllegalArgumentException(why + ": " + g.describe());
    }
    Strides s = new Strides(g);
    String t = PtxRegisters.suffix(s.dtype());
    int size = s.dtype().byteSize();
    PtxRegisters regs = new PtxRegisters();
    List<String> body = new ArrayList<>();
    String a = regs.b64();
    String b = regs.b64();
    String c = regs.b64();
    for (String[] p : new String[][] {{a, "a"}, {b, "b"}, {c, "c"}}) {
      body.add("ld.param.u64 " + p[0] + ", [" + p[1] + "];");
      body.add("cvta.to.global.u64 " + p[0] + ", " + p[0] + ";");
    }
    String tid = regs.b32();
    String tx = regs.b32();
    String ty = regs.b32();
    String bz = regs.b32();
    String bm = regs.b32();
    String bn = regs.b32();
    body.add("mov.u32 " + tid + ", %tid.x;");
    body.add("and.b32 " + tx + ", " + tid + ", 15;");
    body.add("shr.u32 " + ty + ", " + tid + ", 4;");
    body.add("mov.u32 " + bz + ", %ctaid.x;");
    body.add("mov.u32 " + bm + ", %ctaid.y;");
    body.add("mul.lo.u32 " + bm + ", " + bm + ", " + TILE + ";");
    body.add("mov.u32 " + bn + ", %ctaid.z;");
    body.add("mul.lo.u32 " + bn + ", " + bn + ", " + TILE + ";");
    // 64-bit element offsets of this batch entry in A and B
    String aBase = regs.b64();
    String bBase = regs.b64();
    body.add("mul.wide.u32 " + aBase + ", " + bz + ", " + s.aBatch() + ";");
    body.add("mul.wide.u32 " + bBase + ", " + bz + ", " + s.bBatch() + ";");
    String sa = regs.b32();
    String sb = regs.b32();
    body.add("mov.u32 " + sa + ", As;");
    body.add("mov.u32 " + sb + ", Bs;");
    String[][] acc = new String[4][4];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        acc[i][j] = regs.of(s.dtype());
        body.add("mov." + t + " " + acc[i][j] + ", " + PtxRegisters.constant(s.dtype(), 0) + ";");
      }
    }
    String k0 = regs.b32();
    body.add("mov.u32 " + k0 + ", 0;");
    body.add("SLICE:");
    // A tile: 64 rows x 16 k; B tile: 16 k x 64 columns; 4 elements of each per thread
    // consecutive threads walk k where k has unit stride (row-major A, transposed B), else the
    // other dimension
    boolean aAlongK = s.aCol() == 1 || s.aRow() != 1;
    boolean bAlongK = s.bRow() == 1 && s.bCol() != 1;
    for (int q = 0; q < 4; q++) {
      int e = q * THREADS;
      loadTile(body, regs, s, t, size, true, aAlongK, tid, e, bm, k0, a, aBase, sa);
      loadTile(body, regs, s, t, size, false, bAlongK, tid, e, bn, k0, b, bBase, sb);
    }
    body.add("bar.sync 0;");
    String[] av = new String[4];
    String[] bv = new String[4];
    for (int i = 0; i < 4; i++) {
      av[i] = regs.of(s.dtype());
      bv[i] = regs.of(s.dtype());
    }
    String rowOff = regs.b32();
    String colOff = regs.b32();
    body.add("mul.lo.u32 " + rowOff + ", " + ty + ", " + size + ";");
    body.add("mul.lo.u32 " + colOff + ", " + tx + ", " + size + ";");
    String ra = regs.b32();
    String rb = regs.b32();
    body.add("add.u32 " + ra + ", " + sa + ", " + rowOff + ";");
    body.add("add.u32 " + rb + ", " + sb + ", " + colOff + ";");
    for (int kk = 0; kk < SLICE; kk++) {
      for (int i = 0; i < 4; i++) {
        int byteOff = (kk * ROW + 16 * i) * size;
        body.add("ld.shared." + t + " " + av[i] + ", [" + ra + "+" + byteOff + "];");
        body.add("ld.shared." + t + " " + bv[i] + ", [" + rb + "+" + byteOff + "];");
      }
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
          body.add(
              "fma.rn." + t + " " + acc[i][j] + ", " + av[i] + ", " + bv[j] + ", " + acc[i][j]
                  + ";");
        }
      }
    }
    body.add("bar.sync 0;");
    String more = regs.pred();
    body.add("add.u32 " + k0 + ", " + k0 + ", " + SLICE + ";");
    body.add("setp.lt.u32 " + more + ", " + k0 + ", " + s.k() + ";");
    body.add("@" + more + " bra SLICE;");
    // store the 4x4 register tile
    String cBase = regs.b64();
    body.add("mul.wide.u32 " + cBase + ", " + bz + ", " + (long) s.m() * s.n() + ";");
    for (int i = 0; i < 4; i++) {
      String row = regs.b32();
      String rowIn = regs.pred();
      body.add("add.u32 " + row + ", " + bm + ", " + ty + ";");
      body.add("add.u32 " + row + ", " + row + ", " + 16 * i + ";");
      body.add("setp.lt.u32 " + rowIn + ", " + row + ", " + s.m() + ";");
      for (int j = 0; j < 4; j++) {
        String col = regs.b32();
        String in = regs.pred();
        body.add("add.u32 " + col + ", " + bn + ", " + tx + ";");
        body.add("add.u32 " + col + ", " + col + ", " + 16 * j + ";");
        body.add("setp.lt.and.u32 " + in + ", " + col + ", " + s.n() + ", " + rowIn + ";");
        String idx = regs.b64();
        String wide = regs.b64();
        body.add("mul.wide.u32 " + idx + ", " + row + ", " + s.n() + ";");
        body.add("cvt.u64.u32 " + wide + ", " + col + ";");
        body.add("add.s64 " + idx + ", " + idx + ", " + wide + ";");
        body.add("add.s64 " + idx + ", " + idx + ", " + cBase + ";");
        body.add("mul.lo.u64 " + idx + ", " + idx + ", " + size + ";");
        body.add("add.s64 " + idx + ", " + idx + ", " + c + ";");
        body.add("@" + in + " st.global." + t + " [" + idx + "], " + acc[i][j] + ";");
      }
    }
    StringBuilder sbuf = new StringBuilder();
    sbuf.append("// generated by vmap4j GemmPtx\n");
    sbuf.append(".version 8.0\n.target sm_80\n.address_size 64\n\n");
    sbuf.append(".visible .entry ").append(ENTRY).append("(\n");
    sbuf.append("    .param .u64 a,\n    .param .u64 b,\n    .param .u64 c\n)\n{\n");
    sbuf.append("    .shared .align 16 .")
        .append(t)
        .append(" As[")
        .append(ROW * SLICE)
        .append("];\n");
    sbuf.append("    .shared .align 16 .")
        .append(t)
        .append(" Bs[")
        .append(ROW * SLICE)
        .append("];\n");
    sbuf.append(regs.declarations());
    for (String line : body) {
      sbuf.append(line.endsWith(":") ? "" : "    ").append(line).append('\n');
    }
    sbuf.append("    ret;\n}\n");
    return sbuf.toString();
  }

  /**
   * One element of an operand tile into shared memory (stored as [k][64]): thread element e = tid +
   * offset maps to (outer, k) so that consecutive threads walk the operand's unit-stride dimension.
   * Out-of-range elements are zero.
   */
  private static void loadTile(
      List<String> body,
      PtxRegisters regs,
      Strides s,
      String t,
      int size,
      boolean isA,
      boolean alongK,
      String tid,
      int offset,
      String tileStart,
      String k0,
      String global,
      String batchBase,
      String shared) {
    String e = regs.b32();
    String outer = regs.b32();
    String kk = regs.b32();
    body.add("add.u32 " + e + ", " + tid + ", " + offset + ";");
    if (alongK) {
      body.add("and.b32 " + kk + ", " + e + ", 15;");
      body.add("shr.u32 " + outer + ", " + e + ", 4;");
    } else {
      body.add("and.b32 " + outer + ", " + e + ", 63;");
      body.add("shr.u32 " + kk + ", " + e + ", 6;");
    }
    String go = regs.b32();
    String gk = regs.b32();
    body.add("add.u32 " + go + ", " + tileStart + ", " + outer + ";");
    body.add("add.u32 " + gk + ", " + k0 + ", " + kk + ";");
    String in = regs.pred();
    int outerLimit = isA ? s.m() : s.n();
    body.add("setp.lt.u32 " + in + ", " + go + ", " + outerLimit + ";");
    body.add("setp.lt.and.u32 " + in + ", " + gk + ", " + s.k() + ", " + in + ";");
    long outerStride = isA ? s.aRow() : s.bCol();
    long kStride = isA ? s.aCol() : s.bRow();
    String idx = regs.b64();
    String part = regs.b64();
    body.add("mul.wide.u32 " + idx + ", " + go + ", " + outerStride + ";");
    body.add("mul.wide.u32 " + part + ", " + gk + ", " + kStride + ";");
    body.add("add.s64 " + idx + ", " + idx + ", " + part + ";");
    body.add("add.s64 " + idx + ", " + idx + ", " + batchBase + ";");
    body.add("mul.lo.u64 " + idx + ", " + idx + ", " + size + ";");
    body.add("add.s64 " + idx + ", " + idx + ", " + global + ";");
    String v = regs.of(s.dtype());
    body.add("mov." + t + " " + v + ", " + PtxRegisters.constant(s.dtype(), 0) + ";");
    body.add("@" + in + " ld.global." + t + " " + v + ", [" + idx + "];");
    String sh = regs.b32();
    body.add("mad.lo.u32 " + sh + ", " + kk + ", " + ROW + ", " + outer + ";");
    body.add("mad.lo.u32 " + sh + ", " + sh + ", " + size + ", " + shared + ";");
    body.add("st.shared." + t + " [" + sh + "], " + v + ";");
  }
}
