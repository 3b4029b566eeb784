package org.vmap4j.prim;

import static org.vmap4j.prim.ControlFlowSupport.array;
import static org.vmap4j.prim.ControlFlowSupport.concat;
import static org.vmap4j.prim.ControlFlowSupport.kept;
import static org.vmap4j.prim.ControlFlowSupport.mapped;
import static org.vmap4j.prim.ControlFlowSupport.spread;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.ProgramRunner;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Staging;
import org.vmap4j.transforms.SubPrograms;

/**
 * {@code scan[body length reverse num_carry num_xs] init... xs... consts...}: for t = 0 .. length-1
 * (or backwards when {@code reverse}), {@code (carry, y_t) = body(carry, xs[t], consts)}; the
 * results are the final carry and every {@code y_t} stacked along a new leading dimension ({@code
 * ys[t]} is the y of step t in either direction). The body's inputs are the carry, one slice of
 * each xs and the captured values; its outputs the carry then the ys.
 *
 * <ul>
 *   <li>Eager and compiled: a host loop over slices (views, no copies); inside {@code jit} the body
 *       is compiled once (fused) and the scan is one step of the plan, whatever its length.
 *   <li>Batching: the body is batched; a carry is batched when its initial value, the xs or the
 *       captured values make it so.
 *   <li>JVP: one scan carrying primal and tangent together (the body's JVP program).
 *   <li>VJP: a reverse scan of the body's VJP program over the carries saved by a forward scan.
 *       Memory: the backward pass first re-runs the forward scan to save the carry before every
 *       step ({@code length} x the carry's size), plus the stacked cotangents of the xs. With
 *       {@code save_every} = k > 1 only every k-th carry is saved ({@code length / k} of them) and
 *       each segment of k steps is recomputed from its saved carry during the backward pass,
 *       trading one more forward pass for a k-fold smaller residual.
 * </ul>
 */
public enum Scan implements SubProgramPrimitive {
  SCAN;

  public static Params params(
      Program body, int length, boolean reverse, int numCarry, int numXs, int saveEvery) {
    return Params.of(
        "body",
        body,
        "length",
        length,
        "reverse",
        reverse,
        "num_carry",
        numCarry,
        "num_xs",
        numXs,
        "save_every",
        saveEvery);
  }

  /** A scan's length is known: one longer than the limit is refused before it runs. */
  @Override
  public Params boundedTo(long maxIterations, Params params) {
    if (params.integer("length") > maxIterations) {
      throw new IllegalArgumentException(
          "scan of length "
              + params.integer("length")
              + " is longer than "
              + maxIterations
              + ", the limit (ProgramLimits.withMaxLoopIterations)");
    }
    return params;
  }

  private record Layout(int carry, int xs, int consts, int ys, int length, boolean reverse) {
    static Layout of(Params p) {
      Program body = p.program("body");
      int c = p.integer("num_carry");
      int x = p.integer("num_xs");
      int length = p.integer("length");
      p.integer("save_every"); // read here so that one of the wrong type fails with the shape rule
      int in = body.inputs().size();
      int out = body.outputs().size();
      if (c < 0 || x < 0 || length < 0 || (long) c + x > in || c > out) {
        // only a program read from bytes can get here: traced scans are consistent
        throw new IllegalArgumentException(
            "scan: num_carry "
                + c
                + ", num_xs "
                + x
                + " and length "
                + length
                + " do not fit a body with "
                + in
                + " inputs and "
                + out
                + " outputs");
      }
      return new Layout(
          c,
          x,
          body.inputs().size() - c - x,
          body.outputs().size() - c,
          p.integer("length"),
          p.bool("reverse"));
    }
  }

  private static Params with(Params p, Program body, int numCarry, int numXs) {
    return p.with("body", body).with("num_carry", numCarry).with("num_xs", numXs);
  }

  @Override
  public TensorType[] inferTypes(TensorType[] inputs, Params params) {
    Program body = params.program("body");
    Layout l = Layout.of(params);
    if (inputs.length != l.carry + l.xs + l.consts) {
      throw new IllegalArgumentException(
          "scan: "
              + inputs.length
              + " operands for a body with "
              + body.inputs().size()
              + " inputs");
    }
    List<TensorType> expected = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      TensorType t = inputs[i];
      boolean isX = i >= l.carry && i < l.carry + l.xs;
      if (isX && (t.ndim() == 0 || t.shape()[0] != l.length)) {
        throw new IllegalArgumentException(
            "scan: xs leaf "
                + (i - l.carry)
                + " is "
                + t
                + " but the scan has length "
                + l.length
                + "; every xs leaf must have the length as its leading dimension");
      }
      expected.add(isX ? t.withShape(Arrays.copyOfRange(t.shape(), 1, t.ndim())) : t);
    }
    if (!body.inputTypes().equals(expected)) {
      throw new IllegalArgumentException(
          "scan: the operands "
              + expected
              + " do not match the body's inputs "
              + body.inputTypes());
    }
    List<TensorType> out = body.outputTypes();
    if (!out.subList(0, l.carry).equals(expected.subList(0, l.carry))) {
      throw new IllegalArgumentException(
          "scan: the body returns the carry as "
              + out.subList(0, l.carry)
              + " but it is "
              + expected.subList(0, l.carry));
    }
    TensorType[] result = new TensorType[out.size()];
    for (int i = 0; i < result.length; i++) {
      TensorType t = out.get(i);
      result[i] = i < l.carry ? t : t.withShape(Shapes.concat(new int[] {l.length}, t.shape()));
    }
    return result;
  }

  @Override
  public CpuTensor[] evaluate(
      CpuTensor[] inputs, Params params, TensorType[] outputTypes, ProgramRunner runner) {
    Program body = params.program("body");
    Layout l = Layout.of(params);
    List<CpuTensor> carry = ControlFlowSupport.slice(inputs, 0, l.carry);
    List<CpuTensor> consts = ControlFlowSupport.slice(inputs, l.carry + l.xs, inputs.length);
    Tensor[][] ys = new Tensor[l.ys][l.length];
    List<CpuTensor> operands = Arrays.asList(inputs);
    List<CpuTensor> stepOutputs = new ArrayList<>();
    Set<Object> heldByOutputs = Collections.newSetFromMap(new IdentityHashMap<>());
    for (int step = 0; step < l.length; step++) {
      ControlFlowSupport.stopIfInterrupted("scan", step);
      int t = l.reverse ? l.length - 1 - step : step;
      List<CpuTensor> in = new ArrayList<>(carry);
      for (int i = 0; i < l.xs; i++) {
        in.add((CpuTensor) inputs[l.carry + i].index(0, t));
      }
      in.addAll(consts);
      List<CpuTensor> out = runner.run(body, in);
      List<CpuTensor> next = out.subList(0, l.carry);
      for (int j = 0; j < l.ys; j++) {
        ys[j][t] = out.get(l.carry + j);
        stepOutputs.add(out.get(l.carry + j));
        heldByOutputs.add(out.get(l.carry + j).data());
      }
      if (step > 0) {
        // The previous carry is dead unless an output slice or the new carry still holds it.
        List<CpuTensor> dead = new ArrayList<>();
        carry.forEach(c -> dead.add(heldByOutputs.contains(c.data()) ? null : c));
        ControlFlowSupport.releaseDead(runner, body, dead, next, operands);
      }
      carry = next;
    }
    CpuTensor[] result = new CpuTensor[outputTypes.length];
    for (int i = 0; i < l.carry; i++) {
      result[i] = carry.get(i);
    }
    for (int j = 0; j < l.ys; j++) {
      TensorType t = outputTypes[l.carry + j];
      result[l.carry + j] =
          (CpuTensor) (l.length == 0 ? Tensor.zeros(t.dtype(), t.shape()) : Tensor.stack(0, ys[j]));
    }
    if (l.length > 0) {
      // Stacked: the per-step outputs are dead unless the final carry or an operand holds one.
      ControlFlowSupport.releaseDead(
          runner, body, stepOutputs, carry, operands, Arrays.asList(result));
    }
    return result;
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    Program body = params.program("body");
    Layout l = Layout.of(params);
    boolean[] carryB = mapped(dims, 0, l.carry);
    boolean[] xsB = mapped(dims, l.carry, l.carry + l.xs);
    boolean[] constB = mapped(dims, l.carry + l.xs, args.length);
    SubPrograms.BatchedProgram bb = While.batchBody(body, carryB, concat(xsB, constB), batchSize);
    carryB = Arrays.copyOf(bb.outBatched(), l.carry);
    Tensor[] operands = new Tensor[args.length];
    for (int i = 0; i < args.length; i++) {
      boolean isX = i >= l.carry && i < l.carry + l.xs;
      boolean batched = i < l.carry ? carryB[i] : dims[i] != BatchRules.NOT_MAPPED;
      // xs keep the scanned dimension first; their batch dimension goes second, so that each
      // slice xs[t] has it first, as the batched body expects.
      operands[i] = ControlFlowSupport.placed(args[i], dims[i], batched, batchSize, isX ? 1 : 0);
    }
    int[] outDims = new int[l.carry + l.ys];
    for (int i = 0; i < outDims.length; i++) {
      outDims[i] = !bb.outBatched()[i] ? BatchRules.NOT_MAPPED : i < l.carry ? 0 : 1;
    }
    return new Batched(
        Interpreters.bind(SCAN, with(params, bb.program(), l.carry, l.xs), operands), outDims);
  }

  @Override
  public Tensor[][] jvpWithOutputs(Tensor[] primals, Tensor[] tangents, Params params) {
    Program body = params.program("body");
    Layout l = Layout.of(params);
    List<TensorType> in = body.inputTypes();
    boolean[] d = SubPrograms.differentiable(in);
    boolean[] dOut = SubPrograms.differentiable(body.outputTypes());
    int dc = count(d, 0, l.carry);
    int dx = count(d, l.carry, l.carry + l.xs);
    int dk = count(d, l.carry + l.xs, d.length);
    int dy = count(dOut, l.carry, dOut.length);
    int n = in.size();
    int m = dOut.length;
    int cx = l.carry + l.xs;
    // JVP body: [c, x, k, tc, tx, tk] -> [c', y, tc', ty]; the scan wants
    // [c, tc, x, tx, k, tk] -> [c', tc', y, ty].
    Program jvpBody =
        SubPrograms.permuteOutputs(
            SubPrograms.permuteInputs(
                SubPrograms.jvp(body),
                SubPrograms.concatRanges(
                    new int[] {0, l.carry},
                    new int[] {n, n + dc},
                    new int[] {l.carry, cx},
                    new int[] {n + dc, n + dc + dx},
                    new int[] {cx, n},
                    new int[] {n + dc + dx, n + dc + dx + dk})),
            SubPrograms.concatRanges(
                new int[] {0, l.carry},
                new int[] {m, m + dc},
                new int[] {l.carry, m},
                new int[] {m + dc, m + dc + dy}));
    List<TensorType> operandTypes = new ArrayList<>();
    for (Tensor p : primals) {
      operandTypes.add(p.type());
    }
    List<Tensor> ops = new ArrayList<>();
    ops.addAll(Arrays.asList(primals).subList(0, l.carry));
    ops.addAll(kept(tangents, 0, l.carry, Arrays.copyOf(d, l.carry), operandTypes));
    ops.addAll(Arrays.asList(primals).subList(l.carry, cx));
    ops.addAll(
        kept(
            tangents,
            l.carry,
            cx,
            Arrays.copyOfRange(d, l.carry, cx),
            operandTypes.subList(l.carry, cx)));
    ops.addAll(Arrays.asList(primals).subList(cx, n));
    ops.addAll(kept(tangents, cx, n, Arrays.copyOfRange(d, cx, n), operandTypes.subList(cx, n)));
    Tensor[] out =
        Interpreters.bind(SCAN, with(params, jvpBody, l.carry + dc, l.xs + dx), array(ops));
    Tensor[] primalOut = new Tensor[m];
    Tensor[] tangentOut = new Tensor[m];
    System.arraycopy(out, 0, primalOut, 0, l.carry);
    System.arraycopy(out, l.carry + dc, primalOut, l.carry, l.ys);
    spread(
        Arrays.asList(out).subList(l.carry, l.carry + dc),
        Arrays.copyOf(dOut, l.carry),
        tangentOut,
        0);
    spread(
        Arrays.asList(out).subList(l.carry + dc + l.ys, out.length),
        Arrays.copyOfRange(dOut, l.carry, m),
        tangentOut,
        l.carry);
    return new Tensor[][] {primalOut, tangentOut};
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor[] outputs, Tensor[] cotangents, Params params) {
    Program body = params.program("body");
    Layout l = Layout.of(params);
    int cx = l.carry + l.xs;
    List<Tensor> init = Arrays.asList(primals).subList(0, l.carry);
    List<Tensor> xs = Arrays.asList(primals).subList(l.carry, cx);
    List<Tensor> consts = Arrays.asList(primals).subList(cx, primals.length);
    boolean[] d = SubPrograms.differentiable(body.inputTypes());
    boolean[] dOut = SubPrograms.differentiable(body.outputTypes());
    boolean[] dc = Arrays.copyOf(d, l.carry);
    boolean[] dx = Arrays.copyOfRange(d, l.carry, cx);
    boolean[] dk = Arrays.copyOfRange(d, cx, d.length);
    boolean[] dy = Arrays.copyOfRange(dOut, l.carry, dOut.length);
    List<TensorType> outTypes = new ArrayList<>();
    for (Tensor o : outputs) {
      outTypes.add(o.type());
    }
    List<Tensor> ctCarry = kept(cotangents, 0, l.carry, dc, outTypes);
    List<Tensor> ctYs =
        kept(cotangents, l.carry, outputs.length, dy, outTypes.subList(l.carry, outputs.length));
    int saveEvery = params.integer("save_every");
    List<Tensor> ct =
        saveEvery > 1 && l.length > saveEvery && l.length % saveEvery == 0
            ? checkpointedBackward(body, l, params, init, xs, consts, ctCarry, ctYs, saveEvery)
            : backward(body, l, params, init, xs, consts, ctCarry, ctYs);
    int nDc = count(dc, 0, dc.length);
    int nDk = count(dk, 0, dk.length);
    Tensor[] result = new Tensor[primals.length];
    spread(ct.subList(0, nDc), dc, result, 0);
    spread(ct.subList(nDc + nDk, ct.size()), dx, result, l.carry);
    spread(ct.subList(nDc, nDc + nDk), dk, result, cx);
    return result;
  }

  /**
   * {@link #backward} with every {@code k}-th carry saved: the scan is regrouped as an outer scan
   * over {@code length / k} segments whose body is an inner scan of {@code k} steps. The outer
   * scan's backward pass saves only its own carries, and the VJP program of its body (an inner
   * scan) recomputes that segment's {@code k} carries when the backward pass reaches it.
   */
  private static List<Tensor> checkpointedBackward(
      Program body,
      Layout l,
      Params params,
      List<Tensor> init,
      List<Tensor> xs,
      List<Tensor> consts,
      List<Tensor> ctCarry,
      List<Tensor> ctYs,
      int k) {
    int segments = l.length / k;
    Params inner = params.with("length", k).with("save_every", 0);
    List<TensorType> outerIn = new ArrayList<>();
    List<TensorType> in = body.inputTypes();
    for (int i = 0; i < in.size(); i++) {
      TensorType t = in.get(i);
      boolean isX = i >= l.carry && i < l.carry + l.xs;
      outerIn.add(isX ? t.withShape(Shapes.concat(new int[] {k}, t.shape())) : t);
    }
    Program outerBody =
        Staging.traceClosed(
            outerIn, a -> Arrays.asList(Interpreters.bind(SCAN, inner, array(a))), "scan");
    Layout outer = new Layout(l.carry, l.xs, l.consts, l.ys, segments, l.reverse);
    Params outerParams = params.with("body", outerBody).with("length", segments);
    List<Tensor> ct =
        backward(
            outerBody,
            outer,
            outerParams,
            init,
            segmented(xs, segments, k),
            consts,
            ctCarry,
            segmented(ctYs, segments, k));
    List<Tensor> out = new ArrayList<>();
    for (Tensor t : ct) {
      boolean stacked =
          out.size() >= ct.size() - count(SubPrograms.differentiable(in), l.carry, l.carry + l.xs);
      out.add(stacked ? t.reshape(unsegmented(t.shape())) : t);
    }
    return out;
  }

  /** {@code [length, ...]} tensors viewed as {@code [segments, k, ...]}. */
  private static List<Tensor> segmented(List<Tensor> values, int segments, int k) {
    List<Tensor> out = new ArrayList<>();
    for (Tensor v : values) {
      int[] s = v.shape();
      out.add(
          v.reshape(Shapes.concat(new int[] {segments, k}, Arrays.copyOfRange(s, 1, s.length))));
    }
    return out;
  }

  private static int[] unsegmented(int[] shape) {
    return Shapes.concat(
        new int[] {shape[0] * shape[1]}, Arrays.copyOfRange(shape, 2, shape.length));
  }

  /**
   * The carries before every step, stacked ({@code [length, ...]} each): a forward scan whose extra
   * ys are its input carries.
   */
  private static List<Tensor> savedCarries(
      Program body, Layout l, Params params, List<Tensor> init, List<Tensor> xs, List<Tensor> k) {
    Program saving =
        Staging.traceClosed(
            body.inputTypes(),
            in -> {
              List<Tensor> out = new ArrayList<>(body.evaluate(in).subList(0, l.carry));
              out.addAll(in.subList(0, l.carry));
              return out;
            },
            "scan");
    List<Tensor> ops = new ArrayList<>(init);
    ops.addAll(xs);
    ops.addAll(k);
    Tensor[] out = Interpreters.bind(SCAN, with(params, saving, l.carry, l.xs), array(ops));
    return Arrays.asList(out).subList(l.carry, 2 * l.carry);
  }

  /**
   * The cotangents [init (differentiable), consts (differentiable), xs (differentiable, stacked)]
   * by a reverse scan of the body's VJP over the saved carries.
   */
  private static List<Tensor> backward(
      Program body,
      Layout l,
      Params params,
      List<Tensor> init,
      List<Tensor> xs,
      List<Tensor> consts,
      List<Tensor> ctCarry,
      List<Tensor> ctYs) {
    List<Tensor> carries = savedCarries(body, l, params, init, xs, consts);
    Program vjpBody = SubPrograms.vjp(body);
    List<TensorType> in = body.inputTypes();
    boolean[] d = SubPrograms.differentiable(in);
    int cx = l.carry + l.xs;
    int nDc = count(d, 0, l.carry);
    int nDx = count(d, l.carry, cx);
    int nDk = count(d, cx, d.length);
    int nDy = ctYs.size();
    List<TensorType> dkTypes =
        SubPrograms.select(in.subList(cx, in.size()), Arrays.copyOfRange(d, cx, d.length));
    // Backward body: [ct carry (dc), ct consts so far (dk), carry_t (c), x_t (x), ct y_t (dy),
    // consts (k)] -> [ct carry before step (dc), ct consts so far (dk), ct x_t (dx)].
    List<TensorType> backIn = new ArrayList<>();
    ctCarry.forEach(t -> backIn.add(t.type()));
    backIn.addAll(dkTypes);
    backIn.addAll(in.subList(0, cx));
    ctYs.forEach(t -> backIn.add(t.type().withShape(Arrays.copyOfRange(t.shape(), 1, t.ndim()))));
    backIn.addAll(in.subList(cx, in.size()));
    Program back =
        Staging.traceClosed(
            backIn,
            a -> {
              int at = nDc + nDk;
              List<Tensor> vjpIn = new ArrayList<>(a.subList(at, at + cx));
              vjpIn.addAll(a.subList(at + cx + nDy, a.size()));
              vjpIn.addAll(a.subList(0, nDc));
              vjpIn.addAll(a.subList(at + cx, at + cx + nDy));
              List<Tensor> r = vjpBody.evaluate(vjpIn);
              List<Tensor> out = new ArrayList<>(r.subList(0, nDc));
              for (int i = 0; i < nDk; i++) {
                out.add(Tangents.add(a.get(nDc + i), r.get(nDc + nDx + i)));
              }
              out.addAll(r.subList(nDc, nDc + nDx));
              return out;
            },
            "scan");
    List<Tensor> ops = new ArrayList<>(ctCarry);
    for (TensorType t : dkTypes) {
      ops.add(Tensor.zeros(t.dtype(), t.shape()));
    }
    ops.addAll(carries);
    ops.addAll(xs);
    ops.addAll(ctYs);
    ops.addAll(consts);
    Params p =
        params
            .with("body", back)
            .with("reverse", !l.reverse)
            .with("num_carry", nDc + nDk)
            .with("num_xs", l.carry + l.xs + nDy)
            .with("save_every", 0);
    return Arrays.asList(Interpreters.bind(SCAN, p, array(ops)));
  }

  private static int count(boolean[] b, int from, int to) {
    int n = 0;
    for (int i = from; i < to; i++) {
      n += b[i] ? 1 : 0;
    }
    return n;
  }
}
