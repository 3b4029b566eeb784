package org.vmap4j.compiler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.DotGeneral;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Scan;
import org.vmap4j.prim.Transpose;

/**
 * Moves sums of expanding products out of scans. A scan carry that only accumulates, {@code acc' =
 * acc + shape(dot_general(l_t, r_t))} with {@code shape} a chain of transposes and reshapes and the
 * product larger than its two operands (an outer product, as every step of a reverse-mode scan adds
 * to the gradient of a weight used at every step, and per example under {@code vmap}), is {@code
 * acc_T = acc_0 + shape(dot_general(L, R))} with {@code L}, {@code R} the operands stacked over the
 * steps and the step dimension contracted as well: the scan emits {@code l_t} and {@code r_t} as
 * outputs instead of carrying the accumulator, and one matrix product after the loop replaces
 * {@code length} outer products and as many additions over the accumulator (for per-sample LSTM
 * weight gradients, {@code length} passes over {@code B x 4H x H} numbers become one batched matrix
 * product over stacks of {@code length x B x (4H + H)}).
 *
 * <p>A carry is moved only when nothing else in the body reads the accumulator or the sum, the
 * intermediate values of the chain have no other reader, and {@code size(l) + size(r) <
 * size(product)}, so the stacks never take more memory than {@code length} products would. Floating
 * point sums are then added in another order (not bit-identical to the loop, equal to rounding).
 */
final class ScanAccumulators {
  private ScanAccumulators() {}

  static Program run(Program p) {
    boolean any = false;
    List<Equation> out = new ArrayList<>();
    for (Equation e : p.equations()) {
      List<Equation> rewritten = e.primitive() == Scan.SCAN ? rewrite(e) : null;
      if (rewritten == null) {
        out.add(e);
      } else {
        out.addAll(rewritten);
        any = true;
      }
    }
    return any ? new Program(p.inputs(), p.constVars(), p.constValues(), out, p.outputs()) : p;
  }

  /** A carry to move: its index, the product, and the chain from the product to the sum. */
  private record Accumulator(int carry, Equation product, List<Equation> chain, boolean accFirst) {}

  /** The scan and the equations after it that finish the moved carries, or null if none moves. */
  private static List<Equation> rewrite(Equation scan) {
    Params params = scan.params();
    Program body = params.program("body");
    int numCarry = params.integer("num_carry");
    int length = params.integer("length");
    if (length == 0) {
      return null;
    }
    Map<Var, Equation> producer = new IdentityHashMap<>();
    Map<Var, Integer> uses = new IdentityHashMap<>();
    for (Equation e : body.equations()) {
      e.outputs().forEach(v -> producer.put(v, e));
      e.inputs().forEach(v -> uses.merge(v, 1, Integer::sum));
    }
    body.outputs().forEach(v -> uses.merge(v, 1, Integer::sum));
    List<Accumulator> moved = new ArrayList<>();
    for (int i = 0; i < numCarry; i++) {
      Accumulator a = accumulator(body, i, producer, uses);
      if (a != null) {
        moved.add(a);
      }
    }
    if (moved.isEmpty()) {
      return null;
    }
    Set<Integer> movedCarries = new java.util.HashSet<>();
    Set<Equation> dropped = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Accumulator a : moved) {
      movedCarries.add(a.carry());
      dropped.add(producer.get(body.outputs().get(a.carry())));
      dropped.addAll(a.chain());
      dropped.add(a.product());
    }
    // The new body: without the moved carries, with both operands of each product as outputs.
    List<Var> inputs = new ArrayList<>();
    List<Var> outputs = new ArrayList<>();
    List<Var> operands = new ArrayList<>();
    List<Var> results = new ArrayList<>();
    for (int i = 0; i < body.inputs().size(); i++) {
      if (!movedCarries.contains(i)) {
        inputs.add(body.inputs().get(i));
        operands.add(scan.inputs().get(i));
      }
    }
    for (int i = 0; i < body.outputs().size(); i++) {
      if (!movedCarries.contains(i)) {
        outputs.add(body.outputs().get(i));
        results.add(scan.outputs().get(i));
      }
    }
    List<Var[]> stacks = new ArrayList<>();
    for (Accumulator a : moved) {
      Var[] stacked = new Var[2];
      for (int s = 0; s < 2; s++) {
        Var v = a.product().inputs().get(s);
        outputs.add(v);
        TensorType t = v.type();
        stacked[s] = new Var(t.withShape(Shapes.concat(new int[] {length}, t.shape())));
        results.add(stacked[s]);
      }
      stacks.add(stacked);
    }
    List<Equation> kept = new ArrayList<>();
    for (Equation e : body.equations()) {
      if (!dropped.contains(e)) {
        kept.add(e);
      }
    }
    Program newBody =
        DeadCodeElimination.run(
            new Program(inputs, body.constVars(), body.constValues(), kept, outputs));
    Params newParams = params.with("body", newBody).with("num_carry", numCarry - moved.size());
    List<Equation> out = new ArrayList<>();
    out.add(new Equation(Scan.SCAN, newParams, operands, results));
    for (int k = 0; k < moved.size(); k++) {
      out.addAll(finish(moved.get(k), stacks.get(k), scan));
    }
    return out;
  }

  /** {@code result = init + chain(dot_general(L, R) over the steps too)}. */
  private static List<Equation> finish(Accumulator a, Var[] stacked, Equation scan) {
    List<Equation> out = new ArrayList<>();
    Params p = a.product().params();
    Var product = new Var(a.product().outputs().get(0).type());
    out.add(
        new Equation(
            DotGeneral.DOT_GENERAL,
            DotGeneral.params(
                withStep(p.ints("lhs_contract")),
                withStep(p.ints("rhs_contract")),
                shifted(p.ints("lhs_batch")),
                shifted(p.ints("rhs_batch"))),
            List.of(stacked[0], stacked[1]),
            List.of(product)));
    Var v = product;
    for (Equation c : a.chain()) {
      Var next = new Var(c.outputs().get(0).type());
      out.add(new Equation(c.primitive(), c.params(), List.of(v), List.of(next)));
      v = next;
    }
    Var init = scan.inputs().get(a.carry());
    Var result = scan.outputs().get(a.carry());
    out.add(
        new Equation(
            Binary.ADD,
            Params.NONE,
            a.accFirst() ? List.of(init, v) : List.of(v, init),
            List.of(result)));
    return out;
  }

  /** The step dimension 0 of a stacked operand, then the per-step dimensions shifted by one. */
  private static int[] withStep(int[] dims) {
    return Shapes.concat(new int[] {0}, shifted(dims));
  }

  private static int[] shifted(int[] dims) {
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      out[i] = dims[i] + 1;
    }
    return out;
  }

  /** Carry {@code i} as a movable accumulator, or null. */
  private static Accumulator accumulator(
      Program body, int i, Map<Var, Equation> producer, Map<Var, Integer> uses) {
    Var acc = body.inputs().get(i);
    Var next = body.outputs().get(i);
    Equation sum = producer.get(next);
    if (sum == null
        || sum.primitive() != Binary.ADD
        || uses.getOrDefault(acc, 0) != 1
        || uses.getOrDefault(next, 0) != 1) {
      return null;
    }
    boolean accFirst = sum.inputs().get(0) == acc;
    Var term = sum.inputs().get(accFirst ? 1 : 0);
    if (sum.inputs().get(accFirst ? 0 : 1) != acc || term == acc) {
      return null;
    }
    List<Equation> chain = new ArrayList<>();
    Equation e = producer.get(term);
    while (e != null && isShapeOnly(e.primitive())) {
      if (uses.getOrDefault(e.outputs().get(0), 0) != 1) {
        return null;
      }
      chain.add(0, e);
      e = producer.get(e.inputs().get(0));
    }
    if (e == null
        || e.primitive() != DotGeneral.DOT_GENERAL
        || uses.getOrDefault(e.outputs().get(0), 0) != 1) {
      return null;
    }
    TensorType out = e.outputs().get(0).type();
    long operands = (long) e.inputs().get(0).type().size() + e.inputs().get(1).type().size();
    return operands < out.size() ? new Accumulator(i, e, chain, accFirst) : null;
  }

  private static boolean isShapeOnly(Primitive p) {
    return p == Transpose.TRANSPOSE || p == Reshape.RESHAPE;
  }
}
