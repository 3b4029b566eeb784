package org.vmap4j.prim;

import static org.vmap4j.prim.ControlFlowSupport.array;
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
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.ProgramRunner;
import org.vmap4j.interpreter.SubProgramPrimitive;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.SubPrograms;

/**
 * {@code cond[true_branch false_branch] predicate operands...}: runs one of two closed
 * sub-programs, chosen by a 0-d BOOL predicate; both take the operands and return results of the
 * same types.
 *
 * <ul>
 *   <li>Eager and compiled: only the taken branch runs.
 *   <li>Batching: with a predicate that is the same for every example the batched branches stay
 *       inside one {@code cond} (only the taken one runs). With a batched predicate the examples
 *       may disagree, so <b>both branches run for the whole batch</b> and a select keeps each
 *       example's own result: the cost is the sum of both branches (as with {@code Tensor.where}).
 *   <li>JVP: a {@code cond} of the branches' JVP programs (primal and tangent in one pass).
 *   <li>VJP: a {@code cond} of the branches' VJP programs; the taken branch's forward pass is
 *       recomputed inside its VJP program (no residuals are kept from the forward pass).
 * </ul>
 */
public enum Cond implements SubProgramPrimitive {
  COND;

  public static Params params(Program whenTrue, Program whenFalse) {
    return Params.of("true_branch", whenTrue, "false_branch", whenFalse);
  }

  @Override
  public TensorType[] inferTypes(TensorType[] inputs, Params params) {
    if (inputs.length == 0 || inputs[0].dtype() != DType.BOOL || inputs[0].ndim() != 0) {
      throw new IllegalArgumentException(
          "cond: the predicate must be a 0-d BOOL tensor, got "
              + (inputs.length == 0 ? "nothing" : inputs[0].toString())
              + "; reduce it to one boolean (e.g. x.sum().gt(0)), or for a choice per element use"
              + " Tensor.where");
    }
    Program t = params.program("true_branch");
    Program f = params.program("false_branch");
    List<TensorType> operands = Arrays.asList(inputs).subList(1, inputs.length);
    if (!t.inputTypes().equals(operands) || !f.inputTypes().equals(operands)) {
      throw new IllegalArgumentException(
          "cond: the operands "
              + operands
              + " do not match the branches' inputs "
              + t.inputTypes()
              + " and "
              + f.inputTypes());
    }
    if (!t.outputTypes().equals(f.outputTypes())) {
      throw new IllegalArgumentException(
          "cond: the true branch returns "
              + t.outputTypes()
              + " but the false branch returns "
              + f.outputTypes());
    }
    return t.outputTypes().toArray(new TensorType[0]);
  }

  @Override
  public CpuTensor[] evaluate(
      CpuTensor[] inputs, Params params, TensorType[] outputTypes, ProgramRunner runner) {
    Program taken =
        params.program(ControlFlowSupport.truth(inputs[0]) ? "true_branch" : "false_branch");
    return runner
        .run(taken, ControlFlowSupport.slice(inputs, 1, inputs.length))
        .toArray(new CpuTensor[0]);
  }

  @Override
  public Batched batch(Tensor[] args, int[] dims, Params params, int batchSize) {
    Program t = params.program("true_branch");
    Program f = params.program("false_branch");
    boolean[] inBatched = mapped(dims, 1, args.length);
    Tensor[] operands = new Tensor[args.length - 1];
    for (int i = 1; i < args.length; i++) {
      operands[i - 1] = ControlFlowSupport.placed(args[i], dims[i], inBatched[i - 1], batchSize, 0);
    }
    boolean predicateBatched = dims[0] != BatchRules.NOT_MAPPED;
    boolean[] force = predicateBatched ? ControlFlowSupport.filled(t.outputs().size(), true) : null;
    SubPrograms.BatchedProgram bt = SubPrograms.batch(t, inBatched, batchSize, force);
    SubPrograms.BatchedProgram bf = SubPrograms.batch(f, inBatched, batchSize, force);
    if (!Arrays.equals(bt.outBatched(), bf.outBatched())) {
      // Both branches must return the same types: batch an output in both if either needs it.
      force = ControlFlowSupport.or(bt.outBatched(), bf.outBatched());
      bt = SubPrograms.batch(t, inBatched, batchSize, force);
      bf = SubPrograms.batch(f, inBatched, batchSize, force);
    }
    int[] outDims = new int[t.outputs().size()];
    for (int i = 0; i < outDims.length; i++) {
      outDims[i] = bt.outBatched()[i] ? 0 : BatchRules.NOT_MAPPED;
    }
    if (!predicateBatched) {
      Tensor[] in = new Tensor[args.length];
      in[0] = args[0];
      System.arraycopy(operands, 0, in, 1, operands.length);
      return new Batched(Interpreters.bind(COND, params(bt.program(), bf.program()), in), outDims);
    }
    Tensor predicate = BatchRules.atFront(args[0], dims[0]);
    List<Tensor> whenTrue = bt.program().evaluate(Arrays.asList(operands));
    List<Tensor> whenFalse = bf.program().evaluate(Arrays.asList(operands));
    Tensor[] out = new Tensor[outDims.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ControlFlowSupport.selectPerExample(predicate, whenTrue.get(i), whenFalse.get(i));
    }
    return new Batched(out, outDims);
  }

  @Override
  public Tensor[][] jvpWithOutputs(Tensor[] primals, Tensor[] tangents, Params params) {
    Program t = params.program("true_branch");
    Program f = params.program("false_branch");
    List<TensorType> inTypes = t.inputTypes();
    boolean[] dIn = SubPrograms.differentiable(inTypes);
    boolean[] dOut = SubPrograms.differentiable(t.outputTypes());
    List<Tensor> in = new ArrayList<>(Arrays.asList(primals));
    in.addAll(kept(tangents, 1, primals.length, dIn, inTypes));
    Tensor[] out =
        Interpreters.bind(COND, params(SubPrograms.jvp(t), SubPrograms.jvp(f)), array(in));
    int m = dOut.length;
    Tensor[] outTangents = new Tensor[m];
    spread(Arrays.asList(out).subList(m, out.length), dOut, outTangents, 0);
    return new Tensor[][] {Arrays.copyOf(out, m), outTangents};
  }

  @Override
  public Tensor[] vjp(Tensor[] primals, Tensor[] outputs, Tensor[] cotangents, Params params) {
    Program t = params.program("true_branch");
    Program f = params.program("false_branch");
    boolean[] dIn = SubPrograms.differentiable(t.inputTypes());
    boolean[] dOut = SubPrograms.differentiable(t.outputTypes());
    List<Tensor> in = new ArrayList<>(Arrays.asList(primals));
    in.addAll(kept(cotangents, 0, cotangents.length, dOut, t.outputTypes()));
    Tensor[] cts =
        Interpreters.bind(COND, params(SubPrograms.vjp(t), SubPrograms.vjp(f)), array(in));
    Tensor[] result = new Tensor[primals.length];
    spread(Arrays.asList(cts), dIn, result, 1);
    return result;
  }
}
