package org.vmap4j.prim;

import static org.vmap4j.prim.ControlFlowSupport.array;
import static org.vmap4j.prim.ControlFlowSupport.concat;
import static org.vmap4j.prim.ControlFlowSupport.kept;
import static org.vmap4j.prim.ControlFlowSupport.mapped;
import static org.vmap4j.prim.ControlFlowSupport.spread;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.RowWhileLoop;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.ProgramRunner;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Staging;
import org.vmap4j.transforms.SubPrograms;

/**
 * {@code while[cond body] carry... condConsts... bodyConsts...}: repeats {@code carry = body(carry,
 * bodyConsts)} while {@code cond(carry, condConsts)} (a 0-d BOOL) holds; the result is the final
 * carry. The sub-programs' inputs are the carry followed by their own captured values.
 *
 * <ul>
 *   <li>Eager and compiled: a host loop; inside {@code jit} the body and the condition are each
 *       compiled once (fused) and the loop is one step of the plan, whatever its trip count.
 *   <li>Batching: the carry is batched where the initial value, the body's captured values or the
 *       loop itself make it so. When the condition is the same for every example the loop stays as
 *       it is. When it is batched, the loop runs while <b>any</b> example continues, and examples
 *       that are done keep their carry (the body's result is selected away for them): every example
 *       costs as many iterations as the longest one. When the loop works on one number per example,
 *       the CPU runs it as a generated loop over the rows instead ({@code RowWhileLoop}), with the
 *       same results.
 *   <li>JVP: one loop carrying primal and tangent together (the body's JVP program).
 *   <li>VJP: not defined, since a reverse pass needs every intermediate carry and the trip count is
 *       unknown in advance; the error names {@code Func.scan} with a fixed length, or a custom
 *       derivative rule (implicit differentiation for a solver), as the alternatives.
 * </ul>
 */
public enum While implements SubProgramPrimitive {
  WHILE;

  public static Params params(Program cond, Program body) {
    return Params.of("cond", cond, "body", body);
  }

  /**
   * The optional parameter that caps the trip count: a loop that would run more turns fails with a
   * message naming the cap. The reader of untrusted programs sets it on every loop ({@code
   * ProgramLimits.withMaxLoopIterations}), so a client's loop that never ends cannot hold a
   * server's thread; transforms carry it over to the loops they make.
   */
  public static final String MAX_ITERATIONS = "max_iterations";

  /**
   * The limit becomes the loop's iteration cap (the smaller of the program's and the limit),
   * enforced as it runs; the per-row programs are dropped ({@link #withoutRowPrograms}).
   */
  @Override
  public Params boundedTo(long maxIterations, Params params) {
    boolean capped = params.asMap().containsKey(MAX_ITERATIONS);
    long cap = capped ? Math.min(params.longValue(MAX_ITERATIONS), maxIterations) : maxIterations;
    return withoutRowPrograms(params).with(MAX_ITERATIONS, cap);
  }

  /** {@code derived} with the iteration cap of {@code original}, if it has one. */
  private static Params sameCap(Params original, Params derived) {
    return original.asMap().containsKey(MAX_ITERATIONS)
        ? derived.with(MAX_ITERATIONS, original.longValue(MAX_ITERATIONS))
        : derived;
  }

  private static long cap(Params params) {
    if (!params.asMap().containsKey(MAX_ITERATIONS)) {
      return Long.MAX_VALUE;
    }
    long cap = params.longValue(MAX_ITERATIONS);
    if (cap < 0) {
      throw new IllegalArgumentException("whileLoop: negative " + MAX_ITERATIONS + " " + cap);
    }
    return cap;
  }

  private record Layout(int carry, int condConsts, int bodyConsts) {
    static Layout of(Params params) {
      Program cond = params.program("cond");
      Program body = params.program("body");
      int n = body.outputs().size();
      if (cond.inputs().size() < n || body.inputs().size() < n) {
        // only a program read from bytes can get here: traced loops are consistent
        throw new IllegalArgumentException(
            "whileLoop: the body returns "
                + n
                + " carried values but the condition takes "
                + cond.inputs().size()
                + " inputs and the body "
                + body.inputs().size());
      }
      return new Layout(n, cond.inputs().size() - n, body.inputs().size() - n);
    }
  }

  @Override
  public TensorType[] inferTypes(TensorType[] inputs, Params params) {
    Program cond = params.program("cond");
    Program body = params.program("body");
    Layout l = Layout.of(params);
    cap(params);
    if (inputs.length != l.carry + l.condConsts + l.bodyConsts) {
      throw new IllegalArgumentException(
          "whileLoop: "
              + inputs.length
              + " operands, but the carry and the captured values of the condition and the body"
              + " are "
              + (l.carry + l.condConsts + l.bodyConsts));
    }
    List<TensorType> carry = Arrays.asList(inputs).subList(0, l.carry);
    List<TensorType> in = Arrays.asList(inputs);
    List<TensorType> condIn = new ArrayList<>(carry);
    condIn.addAll(in.subList(l.carry, l.carry + l.condConsts));
    List<TensorType> bodyIn = new ArrayList<>(carry);
    bodyIn.addAll(in.subList(l.carry + l.condConsts, in.size()));
    List<TensorType> condOut = cond.outputTypes();
    if (condOut.size() != 1 || condOut.get(0).dtype() != DType.BOOL || condOut.get(0).ndim() != 0) {
      throw new IllegalArgumentException(
          "whileLoop: the condition must return one 0-d BOOL tensor, but it returns " + condOut);
    }
    if (!cond.inputTypes().equals(condIn) || !body.inputTypes().equals(bodyIn)) {
      throw new IllegalArgumentException(
          "whileLoop: the operands " + in + " do not match the condition and body inputs");
    }
    if (!body.outputTypes().equals(carry)) {
      throw new IllegalArgumentException(
          "whileLoop: the body returns " + body.outputTypes() + " but the carry is " + carry);
    }
    return carry.toArray(new TensorType[0]);
  }

  @Override
  public CpuTensor[] evaluate(
      CpuTensor[] inputs, Params params, TensorType[] outputTypes, ProgramRunner runner) {
    Program cond = params.program("cond");
    Program body = params.program("body");
    Layout l = Layout.of(params);
    if (params.asMap().containsKey(ROW_BODY)) {
      return perRow(inputs, params, l);
    }
    List<CpuTensor> condConsts = ControlFlowSupport.slice(inputs, l.carry, l.carry + l.condConsts);
    List<CpuTensor> bodyConsts =
        ControlFlowSupport.slice(inputs, l.carry + l.condConsts, inputs.length);
    List<CpuTensor> operands = Arrays.asList(inputs);
    List<CpuTensor> carry = ControlFlowSupport.slice(inputs, 0, l.carry);
    boolean carryFromBody = false;
    long cap = cap(params);
    for (long turn = 0; ; turn++) {
      List<CpuTensor> condIn = new ArrayList<>(carry);
      condIn.addAll(condConsts);
      if (!ControlFlowSupport.truth(runner.run(cond, condIn).get(0))) {
        return carry.toArray(new CpuTensor[0]);
      }
      if (turn == cap) {
        throw new IllegalArgumentException(
            "whileLoop: still running after "
                + cap
                + " iterations, the cap on this loop ("
                + MAX_ITERATIONS
                + ", set from ProgramLimits.withMaxLoopIterations for programs from untrusted"
                + " bytes)");
      }
      ControlFlowSupport.stopIfInterrupted("whileLoop", turn);
      List<CpuTensor> bodyIn = new ArrayList<>(carry);
      bodyIn.addAll(bodyConsts);
      List<CpuTensor> next = runner.run(body, bodyIn);
      if (carryFromBody) {
        // The previous turn's carry is dead: the next turn writes its results into it rather than
        // into fresh memory (the operands belong to the caller and are never handed back).
        ControlFlowSupport.releaseDead(runner, body, carry, next, operands);
      }
      carry = next;
      carryFromBody = true;
    }
  }

  /**
   * A batched loop over one number per example, with its frozen form: {@code frozen_body} takes
   * [carry, the condition's constants, the condition's and the body's constants]; the per-example
   * programs take [carry, their own constants], each operand {@code [rows]} or shared (0-d).
   */
  private static CpuTensor[] perRow(CpuTensor[] inputs, Params params, Layout l) {
    Program rowCond = params.program(ROW_COND);
    Program rowBody = params.program(ROW_BODY);
    int condConsts = rowCond.inputs().size() - l.carry;
    int bodyFrom = l.carry + l.condConsts + condConsts;
    return RowWhileLoop.run(
        rowCond,
        rowBody,
        ControlFlowSupport.slice(inputs, 0, l.carry),
        ControlFlowSupport.slice(inputs, l.carry, l.carry + condConsts),
        ControlFlowSupport.slice(inputs, bodyFrom, inputs.length),
        inputs[0].shape()[0],
        cap(params));
  }

  /**
   * {@code params} without the per-row programs that {@link #batch} adds. A reader of untrusted
   * bytes drops them: they are an execution shortcut whose agreement with the frozen programs (the
   * loop's meaning) only our own batching rule guarantees; the loop then runs in its array form.
   */
  public static Params withoutRowPrograms(Params params) {
    return params.without(ROW_COND, ROW_BODY);
  }

  /** Parameters of a batched loop over one number per example: the one-example programs. */
  private static final String ROW_COND = "row_cond";

  private static final String ROW_BODY = "row_body";

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    Program cond = params.program("cond");
    Program body = params.program("body");
    Layout l = Layout.of(params);
    int bodyFrom = l.carry + l.condConsts;
    boolean[] carryB = mapped(dims, 0, l.carry);
    boolean[] condConstB = mapped(dims, l.carry, bodyFrom);
    boolean[] bodyConstB = mapped(dims, bodyFrom, args.length);
    SubPrograms.BatchedProgram bb = batchBody(body, carryB, bodyConstB, batchSize);
    carryB = Arrays.copyOf(bb.outBatched(), l.carry);
    SubPrograms.BatchedProgram bc =
        SubPrograms.batch(cond, concat(carryB, condConstB), batchSize, null);
    if (bc.outBatched()[0]) {
      // The examples may stop at different iterations: every carry gets a batch dimension.
      carryB = ControlFlowSupport.filled(l.carry, true);
      bb = SubPrograms.batch(body, concat(carryB, bodyConstB), batchSize, carryB);
      bc = SubPrograms.batch(cond, concat(carryB, condConstB), batchSize, null);
    }
    boolean[] inB = concat(carryB, condConstB, bodyConstB);
    Tensor[] operands = new Tensor[args.length];
    for (int i = 0; i < args.length; i++) {
      operands[i] = ControlFlowSupport.placed(args[i], dims[i], inB[i], batchSize, 0);
    }
    int[] outDims = new int[l.carry];
    for (int i = 0; i < l.carry; i++) {
      outDims[i] = carryB[i] ? 0 : BatchRules.NOT_MAPPED;
    }
    if (!bc.outBatched()[0]) {
      return new Batched(
          Interpreters.bind(WHILE, sameCap(params, params(bc.program(), bb.program())), operands),
          outDims);
    }
    Program perExampleCond = bc.program();
    Program perExampleBody = bb.program();
    List<TensorType> carryTypes = perExampleBody.outputTypes();
    List<TensorType> condConstTypes =
        perExampleCond.inputTypes().subList(l.carry, perExampleCond.inputs().size());
    List<TensorType> bodyConstTypes =
        perExampleBody.inputTypes().subList(l.carry, perExampleBody.inputs().size());
    List<TensorType> anyCondIn = new ArrayList<>(carryTypes);
    anyCondIn.addAll(condConstTypes);
    Program anyContinues =
        Staging.traceClosed(
            anyCondIn,
            in -> List.of(perExampleCond.evaluate(in).get(0).astype(DType.I32).max().gt(0)),
            "whileLoop");
    List<TensorType> frozenIn = new ArrayList<>(anyCondIn);
    frozenIn.addAll(bodyConstTypes);
    Program frozenBody =
        Staging.traceClosed(
            frozenIn,
            in -> {
              List<Tensor> carry = in.subList(0, l.carry);
              List<Tensor> condIn = in.subList(0, l.carry + l.condConsts);
              List<Tensor> bodyIn = new ArrayList<>(carry);
              bodyIn.addAll(in.subList(l.carry + l.condConsts, in.size()));
              Tensor continues = perExampleCond.evaluate(condIn).get(0);
              List<Tensor> next = perExampleBody.evaluate(bodyIn);
              List<Tensor> out = new ArrayList<>();
              for (int i = 0; i < l.carry; i++) {
                out.add(ControlFlowSupport.selectPerExample(continues, next.get(i), carry.get(i)));
              }
              return out;
            },
            "whileLoop");
    List<Tensor> in = new ArrayList<>(Arrays.asList(operands).subList(0, bodyFrom));
    in.addAll(Arrays.asList(operands).subList(l.carry, args.length));
    Params frozen = sameCap(params, params(anyContinues, frozenBody));
    if (RowWhileLoop.supports(cond, body)) {
      // One number per example: on the CPU each row runs its own loop (see evaluate); the frozen
      // programs stay the loop's meaning for every other rule and backend.
      frozen = frozen.with(ROW_COND, cond).with(ROW_BODY, body);
    }
    return new Batched(Interpreters.bind(WHILE, frozen, array(in)), outDims);
  }

  /**
   * The batched body, with a carry batched wherever the initial value or the body makes it so (a
   * carry that becomes batched after one turn must be batched from the start).
   */
  static SubPrograms.BatchedProgram batchBody(
      Program body, boolean[] carryB, boolean[] constB, int batchSize) {
    while (true) {
      SubPrograms.BatchedProgram bb =
          SubPrograms.batch(body, concat(carryB, constB), batchSize, carryB);
      boolean[] next = Arrays.copyOf(bb.outBatched(), carryB.length);
      if (Arrays.equals(next, carryB)) {
        return bb;
      }
      carryB = ControlFlowSupport.or(carryB, next);
    }
  }

  @Override
  public Tensor[][] jvpWithOutputs(Tensor[] primals, Tensor[] tangents, Params params) {
    Program cond = params.program("cond");
    Program body = params.program("body");
    Layout l = Layout.of(params);
    int bodyFrom = l.carry + l.condConsts;
    List<TensorType> bodyIn = body.inputTypes();
    boolean[] d = SubPrograms.differentiable(bodyIn);
    int dc = 0;
    int dk = 0;
    for (int i = 0; i < d.length; i++) {
      if (d[i] && i < l.carry) {
        dc++;
      } else if (d[i]) {
        dk++;
      }
    }
    // The JVP body takes [carry, bodyConsts, carry tangents, const tangents]; the loop wants the
    // carry first: [carry, carry tangents, bodyConsts, const tangents].
    int n = bodyIn.size();
    Program jvpBody =
        SubPrograms.permuteInputs(
            SubPrograms.jvp(body),
            SubPrograms.concatRanges(
                new int[] {0, l.carry},
                new int[] {n, n + dc},
                new int[] {l.carry, n},
                new int[] {n + dc, n + dc + dk}));
    List<TensorType> carryTangentTypes = jvpBody.inputTypes().subList(l.carry, l.carry + dc);
    Program jvpCond = SubPrograms.withUnusedInputs(cond, carryTangentTypes, l.carry);
    boolean[] dCarry = Arrays.copyOf(d, l.carry);
    boolean[] dConst = Arrays.copyOfRange(d, l.carry, n);
    List<Tensor> in = new ArrayList<>(Arrays.asList(primals).subList(0, l.carry));
    in.addAll(kept(tangents, 0, l.carry, dCarry, bodyIn.subList(0, l.carry)));
    in.addAll(Arrays.asList(primals).subList(l.carry, primals.length));
    in.addAll(kept(tangents, bodyFrom, primals.length, dConst, bodyIn.subList(l.carry, n)));
    Tensor[] out = Interpreters.bind(WHILE, sameCap(params, params(jvpCond, jvpBody)), array(in));
    Tensor[] outTangents = new Tensor[l.carry];
    spread(Arrays.asList(out).subList(l.carry, l.carry + dc), dCarry, outTangents, 0);
    return new Tensor[][] {Arrays.copyOf(out, l.carry), outTangents};
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor[] outputs, Tensor[] cotangents, Params params) {
    throw new UnsupportedOperationException(
        "whileLoop: reverse-mode differentiation (grad, vjp, jacrev) is not defined for a"
            + " whileLoop, whose trip count is unknown until it runs; use Func.scan with a fixed"
            + " length (its VJP is a reverse scan), or give the solver a customVjp rule (e.g."
            + " implicit differentiation); forward mode (jvp, jacfwd) works through whileLoop");
  }
}
