package org.vmap4j.gpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A slow interpreter for the subset of PTX that vmap4j's renderers emit, so that the generated
 * kernels' arithmetic, indexing, loops, shared memory, barriers and warp shuffles can be checked
 * against the CPU on a machine without a GPU. Threads of a block run one at a time up to their next
 * collective ({@code bar.sync}, {@code shfl.sync}), which completes when every live participant has
 * reached it. The approximate hardware instructions ({@code ex2.approx}, {@code lg2.approx}, {@code
 * sin/cos.approx}) are computed exactly here; everything else follows the PTX ISA's definitions as
 * this interpreter's author read them, so a misreading shared with the renderer is not caught.
 * Anything outside the subset is an error naming the instruction.
 */
final class PtxInterpreter {
  private record Insn(String pred, boolean negate, String op, String[] args, String text) {}

  private final List<Insn> code = new ArrayList<>();
  private final Map<String, Integer> labels = new HashMap<>();
  private final Map<String, Integer> shared = new HashMap<>();
  private final List<String> params = new ArrayList<>();
  private int sharedBytes;

  PtxInterpreter(String ptx) {
    for (String raw : ptx.split("\n")) {
      String line = raw.strip();
      int comment = line.indexOf("//");
      if (comment >= 0) {
        line = line.substring(0, comment).strip();
      }
      if (line.isEmpty() || line.equals("{") || line.equals("}") || line.equals(")")) {
        continue;
      }
      if (line.startsWith(".param")) {
        String[] w = line.replace(",", "").split("\\s+");
        params.add(w[w.length - 1]);
      } else if (line.startsWith(".shared")) {
        String[] w = line.replace(";", "").split("\\s+");
        String decl = w[w.length - 1];
        String name = decl.substring(0, decl.indexOf('['));
        int n = Integer.parseInt(decl.substring(decl.indexOf('[') + 1, decl.indexOf(']')));
        int size = w[w.length - 2].equals(".f64") ? 8 : 4;
        sharedBytes = (sharedBytes + 15) / 16 * 16;
        shared.put(name, sharedBytes);
        sharedBytes += n * size;
      } else if (line.startsWith(".")) {
        continue; // .version, .target, .address_size, .visible .entry, .reg
      } else if (line.endsWith(":")) {
        labels.put(line.substring(0, line.length() - 1), code.size());
      } else {
        code.add(parse(line));
      }
    }
  }

  private static Insn parse(String line) {
    String s = line.endsWith(";") ? line.substring(0, line.length() - 1) : line;
    String pred = null;
    boolean negate = false;
    if (s.startsWith("@")) {
      int sp = s.indexOf(' ');
      pred = s.substring(1, sp);
      if (pred.startsWith("!")) {
        negate = true;
        pred = pred.substring(1);
      }
      s = s.substring(sp + 1).strip();
    }
    int sp = s.indexOf(' ');
    String op = sp < 0 ? s : s.substring(0, sp);
    List<String> args = new ArrayList<>();
    if (sp >= 0) {
      int depth = 0;
      StringBuilder cur = new StringBuilder();
      for (char c : s.substring(sp + 1).toCharArray()) {
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
        }
        if (c == ',' && depth == 0) {
          args.add(cur.toString().strip());
          cur.setLength(0);
        } else {
          cur.append(c);
        }
      }
      args.add(cur.toString().strip());
    }
    return new Insn(pred, negate, op, args.toArray(new String[0]), line);
  }

  /** Global memory: buffers at distinct fake addresses. */
  static final class Memory {
    private final TreeMap<Long, ByteBuffer> buffers = new TreeMap<>();
    private long next = 1L << 32;

    long allocate(long bytes, boolean poison) {
      ByteBuffer b = ByteBuffer.allocate((int) Math.max(bytes, 1)).order(ByteOrder.LITTLE_ENDIAN);
      if (poison) {
        for (int i = 0; i < b.capacity(); i++) {
          b.put(i, (byte) -1);
        }
      }
      long base = next;
      buffers.put(base, b);
      next += (bytes + 4096) / 4096 * 4096 + 4096;
      return base;
    }

    ByteBuffer buffer(long base) {
      return buffers.get(base);
    }

    ByteBuffer at(long address, int size, String insn) {
      var e = buffers.floorEntry(address);
      if (e == null || address - e.getKey() + size > e.getValue().capacity()) {
        throw new IllegalStateException("out-of-bounds global access at " + address + ": " + insn);
      }
      return e.getValue();
    }
  }

  private static final class Thread {
    final Map<String, Long> regs = new HashMap<>();
    final int tid;
    int pc;
    boolean done;
    boolean waiting;

    Thread(int tid) {
      this.tid = tid;
    }
  }

  /**
   * Runs the entry on a grid; {@code args} are Long (pointers) or Integer (u32), in param order.
   */
  void launch(Memory memory, List<Object> args, int gx, int gy, int gz, int block) {
    if (args.size() != params.size()) {
      throw new IllegalArgumentException(
          "entry takes " + params + ", got " + args.size() + " args");
    }
    Map<String, Long> p = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      p.put(params.get(i), a instanceof Integer n ? n & 0xffffffffL : (Long) a);
    }
    for (int z = 0; z < gz; z++) {
      for (int y = 0; y < gy; y++) {
        for (int x = 0; x < gx; x++) {
          runBlock(memory, p, new int[] {x, y, z}, block);
        }
      }
    }
  }

  private void runBlock(Memory memory, Map<String, Long> p, int[] ctaid, int block) {
    ByteBuffer sharedMem =
        ByteBuffer.allocate(Math.max(sharedBytes, 1)).order(ByteOrder.LITTLE_ENDIAN);
    Thread[] threads = new Thread[block];
    for (int t = 0; t < block; t++) {
      threads[t] = new Thread(t);
    }
    while (true) {
      for (Thread t : threads) {
        if (!t.done && !t.waiting) {
          run(t, memory, sharedMem, p, ctaid, block);
        }
      }
      Thread first = null;
      for (Thread t : threads) {
        if (!t.done) {
          first = t;
          break;
        }
      }
      if (first == null) {
        return;
      }
      // every live thread now waits at a collective
      Insn c = code.get(first.pc);
      if (c.op().equals("bar.sync")) {
        for (Thread t : threads) {
          if (!t.done) {
            if (!code.get(t.pc).op().equals("bar.sync")) {
              throw new IllegalStateException(
                  "threads wait at different collectives: " + code.get(t.pc).text());
            }
            t.pc++;
            t.waiting = false;
          }
        }
        continue;
      }
      // shuffles complete warp by warp
      for (int w = 0; w < block; w += 32) {
        int live = 0;
        for (int l = 0; l < 32 && w + l < block; l++) {
          live += threads[w + l].done ? 0 : 1;
        }
        if (live == 0) {
          continue;
        }
        if (live != 32) {
          throw new IllegalStateException("shfl.sync with a full mask but " + live + " live lanes");
        }
        long[] values = new long[32];
        Insn s = code.get(threads[w].pc);
        for (int l = 0; l < 32; l++) {
          Thread t = threads[w + l];
          Insn mine = code.get(t.pc);
          if (!mine.op().equals("shfl.sync.bfly.b32") || t.pc != threads[w].pc) {
            throw new IllegalStateException(
                "lanes of a warp at different shuffles: " + mine.text());
          }
          values[l] = value(t, mine.args()[1], null, 0, p) & 0xffffffffL;
        }
        int mask = (int) parseInt(s.args()[2]);
        for (int l = 0; l < 32; l++) {
          Thread t = threads[w + l];
          t.regs.put(s.args()[0], values[l ^ mask]);
          t.pc++;
          t.waiting = false;
        }
      }
    }
  }

  private void run(
      Thread t, Memory memory, ByteBuffer sh, Map<String, Long> p, int[] ctaid, int block) {
    long steps = 0;
    while (true) {
      if (++steps > 50_000_000L) {
        throw new IllegalStateException("runaway thread");
      }
      if (t.pc >= code.size()) {
        throw new IllegalStateException("fell off the end of the code");
      }
      Insn in = code.get(t.pc);
      if (in.pred() != null) {
        boolean v = t.regs.getOrDefault(in.pred(), 0L) != 0;
        if (v == in.negate()) {
          t.pc++;
          continue;
        }
      }
      String op = in.op();
      if (op.equals("bar.sync") || op.startsWith("shfl.sync")) {
        t.waiting = true;
        return;
      }
      if (op.equals("ret")) {
        t.done = true;
        return;
      }
      if (op.equals("bra")) {
        Integer target = labels.get(in.args()[0]);
        if (target == null) {
          throw new IllegalStateException("no label " + in.args()[0]);
        }
        t.pc = target;
        continue;
      }
      execute(t, in, memory, sh, p, ctaid, block);
      t.pc++;
    }
  }

  private static long parseInt(String s) {
    return Long.parseLong(s);
  }

  /** An operand's raw bits. */
  private long value(Thread t, String a, int[] ctaid, int block, Map<String, Long> p) {
    if (a.startsWith("%")) {
      switch (a) {
        case "%tid.x":
          return t.tid;
        case "%ntid.x":
          return block;
        case "%ctaid.x":
          return ctaid[0];
        case "%ctaid.y":
          return ctaid[1];
        case "%ctaid.z":
          return ctaid[2];
        default:
          Long v = t.regs.get(a);
          if (v == null) {
            throw new IllegalStateException("register " + a + " read before written");
          }
          return v;
      }
    }
    if (a.startsWith("0x")) {
      return Long.parseUnsignedLong(a.substring(2), 16);
    }
    if (a.startsWith("0f")) {
      return Long.parseLong(a.substring(2), 16);
    }
    if (a.startsWith("0d")) {
      return Long.parseUnsignedLong(a.substring(2), 16);
    }
    if (shared.containsKey(a)) {
      return shared.get(a);
    }
    return Long.parseLong(a);
  }

  private static float f(long bits) {
    return Float.intBitsToFloat((int) bits);
  }

  private static long bits(float v) {
    return Float.floatToRawIntBits(v) & 0xffffffffL;
  }

  private static double d(long bits) {
    return Double.longBitsToDouble(bits);
  }

  private static long bits(double v) {
    return Double.doubleToRawLongBits(v);
  }

  private static final long U32 = 0xffffffffL;

  private void execute(
      Thread t,
      Insn in,
      Memory memory,
      ByteBuffer sh,
      Map<String, Long> p,
      int[] ctaid,
      int block) {
    String op = in.op();
    String[] a = in.args();
    java.util.function.IntFunction<Long> arg = i -> value(t, a[i], ctaid, block, p);
    if (op.startsWith("atom.global.")) {
      atomic(t, in, memory, arg);
      return;
    }
    Long integer = integerInstruction(op, arg);
    if (integer != null) {
      t.regs.put(a[0], integer);
      return;
    }
    String[] parts = op.split("\\.");
    String base = parts[0];
    String type = parts[parts.length - 1];
    long r;
    switch (base) {
      case "ld", "st" -> {
        memoryOp(t, in, memory, sh, p, ctaid, block);
        return;
      }
      case "cvta" -> r = arg.apply(1);
      case "mov" -> {
        if (a[0].startsWith("{")) {
          String[] halves = a[0].substring(1, a[0].length() - 1).split(",");
          long v = arg.apply(1);
          t.regs.put(halves[0].strip(), v & U32);
          t.regs.put(halves[1].strip(), v >>> 32);
          return;
        }
        if (a[1].startsWith("{")) {
          String[] halves = a[1].substring(1, a[1].length() - 1).split(",");
          r =
              (value(t, halves[0].strip(), ctaid, block, p) & U32)
                  | (value(t, halves[1].strip(), ctaid, block, p) << 32);
        } else {
          r = arg.apply(1);
        }
      }
      case "mad" -> r = (arg.apply(1) * arg.apply(2) + arg.apply(3)) & U32;
      case "shr", "shl", "and", "or", "xor", "not" -> r = bitwise(base, type, a, arg);
      case "rem" -> r = Long.remainderUnsigned(arg.apply(1) & U32, arg.apply(2) & U32);
      case "cvt" -> r = convert(op, arg.apply(1));
      case "testp" -> r = testp(parts, arg.apply(1));
      case "selp" -> r = arg.apply(3) != 0 ? arg.apply(1) : arg.apply(2);
      case "setp" -> r = setp(parts, arg.apply(1), arg.apply(2), a.length > 3 ? arg.apply(3) : 1);
      case "ex2", "lg2", "sin", "cos" -> {
        double x = f(arg.apply(1));
        double v =
            switch (base) {
              case "ex2" -> Math.pow(2, x);
              case "lg2" -> Math.log(x) / Math.log(2);
              case "sin" -> Math.sin(x);
              default -> Math.cos(x);
            };
        r = bits((float) v);
      }
      default -> r = arithmetic(base, parts, type, a, arg, in);
    }
    t.regs.put(a[0], r);
  }

  // ---- integer and atomic instructions (IndexPrimitives, integer kernels) ----

  /** {@code atom.global.<op>.<type> old, [address], value}: read, combine, write back. */
  private void atomic(Thread t, Insn in, Memory memory, java.util.function.IntFunction<Long> arg) {
    String[] parts = in.op().split("\\.");
    String op = parts[2];
    String type = parts[3];
    String addr = in.args()[1];
    long address = valueOfAddress(t, addr.substring(1, addr.length() - 1));
    int size = type.endsWith("64") ? 8 : 4;
    ByteBuffer buf = memory.at(address, size, in.text());
    int index = (int) (address - memory.buffers.floorKey(address));
    long old = size == 8 ? buf.getLong(index) : buf.getInt(index) & U32;
    long v = arg.apply(2);
    long r =
        switch (op + "." + type) {
          case "add.f32" -> bits(f(old) + f(v));
          case "add.f64" -> bits(d(old) + d(v));
          case "add.s32", "add.u32" -> (old + v) & U32;
          case "add.u64" -> old + v;
          case "min.u32" -> Long.compareUnsigned(old & U32, v & U32) <= 0 ? old : v & U32;
          default -> throw new IllegalStateException("unsupported " + in.text());
        };
    if (size == 8) {
      buf.putLong(index, r);
    } else {
      buf.putInt(index, (int) r);
    }
    t.regs.put(in.args()[0], old);
  }

  private long valueOfAddress(Thread t, String register) {
    Long v = t.regs.get(register);
    if (v == null) {
      throw new IllegalStateException("register " + register + " read before written");
    }
    return v;
  }

  /**
   * Integer arithmetic, comparisons and conversions with Java's meaning of the PTX ISA's
   * definitions (registers hold raw bits: 32-bit values in the low half); null when {@code op} is
   * not one of them.
   */
  private static Long integerInstruction(String op, java.util.function.IntFunction<Long> arg) {
    String[] parts = op.split("\\.");
    if (List.of("ld", "st", "mov", "selp", "cvta", "shfl").contains(parts[0])) {
      return null;
    }
    String type = parts[parts.length - 1];
    boolean s32 = type.equals("s32");
    boolean wide = type.equals("s64") || type.equals("u64");
    if (op.equals("or.pred")) {
      return (arg.apply(1) != 0 || arg.apply(2) != 0) ? 1L : 0L;
    }
    if (op.equals("and.pred")) {
      return (arg.apply(1) != 0 && arg.apply(2) != 0) ? 1L : 0L;
    }
    if (op.equals("not.pred")) {
      return arg.apply(1) != 0 ? 0L : 1L;
    }
    if (parts[0].equals("setp") && (s32 || wide)) {
      long x = arg.apply(1);
      long y = arg.apply(2);
      int c;
      if (type.equals("u64")) {
        c = Long.compareUnsigned(x, y);
      } else if (s32) {
        c = Integer.compare((int) x, (int) y);
      } else {
        c = Long.compare(x, y);
      }
      boolean v =
          switch (parts[1]) {
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            default -> throw new IllegalStateException("setp " + parts[1] + " on " + type);
          };
      return v ? 1L : 0L;
    }
    if (parts[0].equals("cvt")) {
      return integerConversion(op, arg.apply(1));
    }
    if (parts[0].equals("sub") && (s32 || type.equals("u32"))) {
      return (arg.apply(1) - arg.apply(2)) & U32;
    }
    if (s32 || type.equals("s64")) {
      long x = arg.apply(1);
      long y = arg.apply(2);
      if (s32) {
        int a = (int) x;
        int b = (int) y;
        Integer r =
            switch (parts[0]) {
              case "add" -> a + b;
              case "mul" -> parts[1].equals("lo") ? a * b : null;
              case "max" -> Math.max(a, b);
              case "min" -> Math.min(a, b);
              default -> null;
            };
        return r == null ? null : r & U32;
      }
      return switch (parts[0]) {
        case "add" -> x + y;
        case "sub" -> x - y;
        case "mul" -> parts[1].equals("lo") ? x * y : null;
        case "max" -> Math.max(x, y);
        case "min" -> Math.min(x, y);
        default -> null;
      };
    }
    return null;
  }

  /** Conversions involving integers; null for the floating ones handled by {@link #convert}. */
  private static Long integerConversion(String op, long v) {
    return switch (op) {
      case "cvt.s64.s32" -> (long) (int) v;
      case "cvt.u32.u64", "cvt.u32.s64", "cvt.s32.s64" -> v & U32;
      case "cvt.rn.f32.s32" -> bits((float) (int) v);
      case "cvt.rn.f64.s32" -> bits((double) (int) v);
      case "cvt.rn.f32.s64" -> bits((float) v);
      case "cvt.rn.f64.s64" -> bits((double) v);
      // truncation and saturation as the ISA defines them (Java's cast does the same); a NaN
      // input is treated as unspecified (the minimum value here), so a kernel must handle NaN
      case "cvt.rzi.s32.f32" -> Float.isNaN(f(v)) ? Integer.MIN_VALUE & U32 : (int) f(v) & U32;
      case "cvt.rzi.s32.f64" -> Double.isNaN(d(v)) ? Integer.MIN_VALUE & U32 : (int) d(v) & U32;
      case "cvt.rzi.s64.f32" -> Float.isNaN(f(v)) ? Long.MIN_VALUE : (long) f(v);
      case "cvt.rzi.s64.f64" -> Double.isNaN(d(v)) ? Long.MIN_VALUE : (long) d(v);
      default -> null;
    };
  }

  private static long setp(String[] parts, long x, long y, long and) {
    String cmp = parts[1];
    String type = parts[parts.length - 1];
    boolean v;
    if (type.equals("u32")) {
      long ux = x & U32;
      long uy = y & U32;
      v =
          switch (cmp) {
            case "lt" -> ux < uy;
            case "le" -> ux <= uy;
            case "gt" -> ux > uy;
            case "ge" -> ux >= uy;
            case "eq" -> ux == uy;
            case "ne" -> ux != uy;
            default -> throw new IllegalStateException("setp " + cmp + " on u32");
          };
    } else {
      double a = type.equals("f32") ? f(x) : d(x);
      double b = type.equals("f32") ? f(y) : d(y);
      boolean nan = Double.isNaN(a) || Double.isNaN(b);
      v =
          switch (cmp) {
            case "lt" -> a < b;
            case "le" -> a <= b;
            case "gt" -> a > b;
            case "ge" -> a >= b;
            case "eq" -> a == b;
            case "ne" -> !nan && a != b;
            case "neu" -> nan || a != b;
            case "equ" -> nan || a == b;
            case "nan" -> nan;
            default -> throw new IllegalStateException("setp " + cmp);
          };
    }
    boolean combined = parts.length > 3 && parts[2].equals("and") ? v && and != 0 : v;
    return combined ? 1 : 0;
  }

  private static long convert(String op, long v) {
    return switch (op) {
      case "cvt.u64.u32" -> v & U32;
      case "cvt.f64.f32" -> bits((double) f(v));
      case "cvt.rn.f32.f64" -> bits((float) d(v));
      case "cvt.rni.f32.f32" -> bits((float) Math.rint(f(v)));
      default -> convertF64(op, v);
    };
  }

  /**
   * The f64 conversions of the software math: rounding to an integral f64 ({@code rni} nearest
   * even, {@code rmi} down, {@code rzi} toward zero), f64 to s64 (saturating, NaN to 0, as Java's
   * cast does) and s64 to f64 (round to nearest).
   */
  private static long convertF64(String op, long v) {
    return switch (op) {
      case "cvt.rni.f64.f64" -> bits(Math.rint(d(v)));
      case "cvt.rmi.f64.f64" -> bits(Math.floor(d(v)));
      case "cvt.rzi.f64.f64" -> bits(d(v) < 0 ? Math.ceil(d(v)) : Math.floor(d(v)));
      case "cvt.rni.s64.f64" -> (long) Math.rint(d(v));
      case "cvt.rn.f64.s64" -> bits((double) v);
      default -> throw new IllegalStateException("unsupported " + op);
    };
  }

  /** {@code testp.finite/infinite/number/notanumber} of an f32 or f64 operand. */
  private static long testp(String[] parts, long x) {
    double v = parts[2].equals("f32") ? f(x) : d(x);
    boolean r =
        switch (parts[1]) {
          case "finite" -> Double.isFinite(v);
          case "infinite" -> Double.isInfinite(v);
          case "number" -> !Double.isNaN(v);
          case "notanumber" -> Double.isNaN(v);
          default -> throw new IllegalStateException("testp." + parts[1]);
        };
    return r ? 1 : 0;
  }

  /**
   * Shifts and logic on {@code .pred} (0 or 1), 32-bit and 64-bit operands; {@code shr.s*} is
   * arithmetic, {@code shr.u*}/{@code .b*} logical; shift amounts of the width or more give 0 (or
   * the sign) as the ISA says.
   */
  private long bitwise(
      String base, String type, String[] a, java.util.function.IntFunction<Long> arg) {
    long x = arg.apply(1);
    if (type.equals("pred")) {
      boolean p = x != 0;
      boolean q = a.length > 2 && arg.apply(2) != 0;
      boolean v =
          switch (base) {
            case "and" -> p && q;
            case "or" -> p || q;
            case "xor" -> p ^ q;
            case "not" -> !p;
            default -> throw new IllegalStateException(base + ".pred");
          };
      return v ? 1 : 0;
    }
    boolean wide = type.endsWith("64");
    long mask = wide ? -1L : U32;
    int width = wide ? 64 : 32;
    long signed = wide ? x : (long) (int) x;
    long y = a.length > 2 ? arg.apply(2) : 0;
    int shift = (int) Math.min(y & U32, width);
    long v =
        switch (base) {
          case "and" -> x & y;
          case "or" -> x | y;
          case "xor" -> x ^ y;
          case "not" -> ~x;
          case "shl" -> shift >= width ? 0 : x << shift;
          case "shr" ->
              type.startsWith("s")
                  ? signed >> Math.min(shift, width - 1)
                  : shift >= width ? 0 : (x & mask) >>> shift;
          default -> throw new IllegalStateException(base + "." + type);
        };
    return v & mask;
  }

  private long arithmetic(
      String base,
      String[] parts,
      String type,
      String[] a,
      java.util.function.IntFunction<Long> arg,
      Insn in) {
    switch (type) {
      case "u32", "s32", "b32" -> {
        long x = arg.apply(1);
        long y = arg.apply(2);
        return switch (base) {
          case "add" -> (x + y) & U32;
          case "mul" -> parts[1].equals("wide") ? (x & U32) * (y & U32) : (x * y) & U32;
          case "div" -> Long.divideUnsigned(x & U32, y & U32);
          default -> throw new IllegalStateException("unsupported " + in.text());
        };
      }
      case "s64", "u64" -> {
        long x = arg.apply(1);
        long y = arg.apply(2);
        return switch (base) {
          case "add" -> x + y;
          case "sub" -> x - y;
          case "mul" -> x * y;
          default -> throw new IllegalStateException("unsupported " + in.text());
        };
      }
      case "f32" -> {
        float x = f(arg.apply(1));
        float y = a.length > 2 ? f(arg.apply(2)) : 0;
        boolean nanMode = parts.length > 1 && parts[1].equals("NaN");
        float v =
            switch (base) {
              case "add" -> x + y;
              case "sub" -> x - y;
              case "mul" -> x * y;
              case "div" -> x / y;
              case "fma" -> Math.fma(x, y, f(arg.apply(3)));
              case "neg" -> -x;
              case "abs" -> Math.abs(x);
              case "sqrt" -> (float) Math.sqrt(x);
              case "rcp" -> 1 / x;
              case "max" ->
                  nanMode
                      ? Math.max(x, y)
                      : (Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.max(x, y));
              case "min" ->
                  nanMode
                      ? Math.min(x, y)
                      : (Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.min(x, y));
              case "copysign" -> Math.copySign(y, x);
              default -> throw new IllegalStateException("unsupported " + in.text());
            };
        return bits(v);
      }
      case "f64" -> {
        double x = d(arg.apply(1));
        double y = a.length > 2 ? d(arg.apply(2)) : 0;
        double v =
            switch (base) {
              case "add" -> x + y;
              case "sub" -> x - y;
              case "mul" -> x * y;
              case "div" -> x / y;
              case "fma" -> Math.fma(x, y, d(arg.apply(3)));
              case "neg" -> -x;
              case "abs" -> Math.abs(x);
              case "sqrt" -> Math.sqrt(x);
              case "rcp" -> 1 / x;
              case "max" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.max(x, y);
              case "min" -> Double.isNaN(x) ? y : Double.isNaN(y) ? x : Math.min(x, y);
              case "copysign" -> Math.copySign(y, x);
              default -> throw new IllegalStateException("unsupported " + in.text());
            };
        return bits(v);
      }
      default -> throw new IllegalStateException("unsupported " + in.text());
    }
  }

  private void memoryOp(
      Thread t,
      Insn in,
      Memory memory,
      ByteBuffer sh,
      Map<String, Long> p,
      int[] ctaid,
      int block) {
    String[] parts = in.op().split("\\.");
    boolean load = parts[0].equals("ld");
    String space = parts[1];
    String type = parts[parts.length - 1];
    String addrOperand = load ? in.args()[1] : in.args()[0];
    String inner = addrOperand.substring(1, addrOperand.length() - 1);
    if (space.equals("param")) {
      t.regs.put(in.args()[0], p.get(inner));
      return;
    }
    long address;
    int plus = inner.indexOf('+');
    if (plus >= 0) {
      address =
          value(t, inner.substring(0, plus), ctaid, block, p)
              + Long.parseLong(inner.substring(plus + 1));
    } else {
      address = value(t, inner, ctaid, block, p);
    }
    int size = type.equals("u8") ? 1 : type.endsWith("64") ? 8 : 4;
    ByteBuffer buf;
    int index;
    if (space.equals("shared")) {
      buf = sh;
      index = (int) address;
      if (index < 0 || index + size > sharedBytes) {
        throw new IllegalStateException(
            "out-of-bounds shared access at " + index + ": " + in.text());
      }
    } else {
      buf = memory.at(address, size, in.text());
      index = (int) (address - memory.buffers.floorKey(address));
    }
    if (load) {
      long v =
          switch (size) {
            case 1 -> buf.get(index) & 0xffL;
            case 4 -> buf.getInt(index) & U32;
            default -> buf.getLong(index);
          };
      t.regs.put(in.args()[0], v);
    } else {
      long v = value(t, in.args()[1], ctaid, block, p);
      switch (size) {
        case 1 -> buf.put(index, (byte) v);
        case 4 -> buf.putInt(index, (int) v);
        default -> buf.putLong(index, v);
      }
    }
  }
}
