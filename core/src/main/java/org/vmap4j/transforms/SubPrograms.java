package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.Randomness;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;

/**
 * Transforms of whole sub-programs, for the rules of the control-flow primitives ({@code cond},
 * {@code while}, {@code scan}): a rule does not run a branch or a loop body itself, it builds the
 * batched, forward-mode or reverse-mode version of that sub-program (by tracing the original under
 * the transform) and binds the same control-flow primitive with it. The results are closed programs
 * over flat input lists, so they compose: the JVP of a batched body is a batched JVP body.
 */
public final class SubPrograms {
  private SubPrograms() {}

  /**
   * A batched sub-program: inputs that were batched have their batch dimension first; {@code
   * outBatched[i]} says whether output i has one (first) or is the same for every example.
   */
  public record BatchedProgram(Program program, boolean[] outBatched) {}

  /**
   * {@code p} for a whole batch of {@code size} examples, with {@code inBatched} inputs carrying a
   * leading batch dimension. Outputs that depend on no batched input stay unbatched unless {@code
   * forceOut} (null for none; it may cover only the first outputs) asks for a batch dimension (a
   * loop carry must keep one type).
   */
  public static BatchedProgram batch(Program p, boolean[] inBatched, int size, boolean[] forceOut) {
    List<TensorType> types = new ArrayList<>();
    for (int i = 0; i < inBatched.length; i++) {
      TensorType t = p.inputs().get(i).type();
      types.add(inBatched[i] ? t.withShape(Shapes.concat(new int[] {size}, t.shape())) : t);
    }
    boolean[] outBatched = new boolean[p.outputs().size()];
    Program q =
        Staging.traceClosed(
            types,
            args -> {
              try (Interpreters.Level level =
                  Interpreters.push(
                      "vmap", main -> new BatchTrace(main, size, Randomness.ERROR, 0))) {
                BatchTrace trace = (BatchTrace) level.main().newTrace();
                List<Tensor> wrapped = new ArrayList<>();
                for (int i = 0; i < args.size(); i++) {
                  wrapped.add(inBatched[i] ? trace.mapped(args.get(i), 0) : args.get(i));
                }
                List<Tensor> outs = p.evaluate(wrapped);
                List<Tensor> result = new ArrayList<>();
                for (int i = 0; i < outs.size(); i++) {
                  Tensor o = outs.get(i);
                  if (o instanceof BatchTracer bt && bt.trace().main() == level.main()) {
                    result.add(BatchRules.atFront(bt.value(), bt.batchDim()));
                    outBatched[i] = true;
                  } else if (forceOut != null && i < forceOut.length && forceOut[i]) {
                    result.add(BatchRules.withBatch(o, size));
                    outBatched[i] = true;
                  } else {
                    result.add(o);
                  }
                }
                return result;
              }
            },
            "vmap");
    return new BatchedProgram(q, outBatched);
  }

  /** Which of {@code types} have tangents (floating dtypes). */
  public static boolean[] differentiable(List<TensorType> types) {
    boolean[] d = new boolean[types.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = Tangents.differentiable(types.get(i).dtype());
    }
    return d;
  }

  /** The types of {@code types} where {@code keep} is true. */
  public static List<TensorType> select(List<TensorType> types, boolean[] keep) {
    List<TensorType> out = new ArrayList<>();
    for (int i = 0; i < keep.length; i++) {
      if (keep[i]) {
        out.add(types.get(i));
      }
    }
    return out;
  }

  /**
   * The forward-mode program of {@code p}. Inputs: p's inputs, then one tangent per differentiable
   * (floating) input in order. Outputs: p's outputs, then one tangent per differentiable output.
   */
  public static Program jvp(Program p) {
    List<TensorType> in = p.inputTypes();
    boolean[] dIn = differentiable(in);
    boolean[] dOut = differentiable(p.outputTypes());
    List<TensorType> types = new ArrayList<>(in);
    types.addAll(select(in, dIn));
    return Staging.traceClosed(
        types,
        args -> {
          int n = in.size();
          List<Tensor> primals = args.subList(0, n);
          List<Tensor> tangents = new ArrayList<>();
          for (int i = 0, k = n; i < n; i++) {
            tangents.add(dIn[i] ? args.get(k++) : primals.get(i));
          }
          Autodiff.JvpOutcome o =
              Autodiff.jvpWithIntegerLeaves(
                  x -> p.evaluate(asTensors(x)), new ArrayList<>(primals), tangents);
          List<Tensor> result = new ArrayList<>(asTensors(o.value()));
          List<Tensor> outTangents = asTensors(o.tangent());
          for (int i = 0; i < dOut.length; i++) {
            if (dOut[i]) {
              result.add(outTangents.get(i));
            }
          }
          return result;
        },
        "jvp");
  }

  /**
   * The reverse-mode program of {@code p} (it recomputes p's forward pass inside). Inputs: p's
   * inputs, then one cotangent per differentiable output. Outputs: one cotangent per differentiable
   * input.
   */
  public static Program vjp(Program p) {
    List<TensorType> in = p.inputTypes();
    List<TensorType> outTypes = p.outputTypes();
    boolean[] dIn = differentiable(in);
    boolean[] dOut = differentiable(outTypes);
    List<TensorType> types = new ArrayList<>(in);
    types.addAll(select(outTypes, dOut));
    return Staging.traceClosed(
        types,
        args -> {
          int n = in.size();
          Autodiff.VjpOutcome o =
              Autodiff.vjpWithIntegerLeaves(
                  x -> p.evaluate(asTensors(x)), new ArrayList<>(args.subList(0, n)), "vjp");
          List<Tensor> cts = new ArrayList<>();
          for (int i = 0, k = n; i < dOut.length; i++) {
            TensorType t = outTypes.get(i);
            cts.add(dOut[i] ? args.get(k++) : Tensor.zeros(t.dtype(), t.shape()));
          }
          List<Tensor> grads = asTensors(o.pullback(cts));
          List<Tensor> result = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            if (dIn[i]) {
              result.add(grads.get(i));
            }
          }
          return result;
        },
        "vjp");
  }

  /** {@code p} with its inputs in the order {@code order} (new position i takes old order[i]). */
  public static Program permuteInputs(Program p, int[] order) {
    List<Var> in = new ArrayList<>();
    for (int i : order) {
      in.add(p.inputs().get(i));
    }
    return new Program(in, p.constVars(), p.constValues(), p.equations(), p.outputs());
  }

  /** {@code p} with its outputs in the order {@code order}. */
  public static Program permuteOutputs(Program p, int[] order) {
    List<Var> out = new ArrayList<>();
    for (int i : order) {
      out.add(p.outputs().get(i));
    }
    return new Program(p.inputs(), p.constVars(), p.constValues(), p.equations(), out);
  }

  /**
   * {@code p} taking extra inputs it ignores, of {@code types}, inserted at position {@code at}.
   */
  public static Program withUnusedInputs(Program p, List<TensorType> types, int at) {
    List<Var> in = new ArrayList<>(p.inputs().subList(0, at));
    types.forEach(t -> in.add(new Var(t)));
    in.addAll(p.inputs().subList(at, p.inputs().size()));
    return new Program(in, p.constVars(), p.constValues(), p.equations(), p.outputs());
  }

  /** The order that moves {@code [a..., b..., c...]} groups: positions of each group's slice. */
  public static int[] concatRanges(int[]... ranges) {
    int n = 0;
    for (int[] r : ranges) {
      n += r[1] - r[0];
    }
    int[] out = new int[n];
    int k = 0;
    for (int[] r : ranges) {
      for (int i = r[0]; i < r[1]; i++) {
        out[k++] = i;
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Tensor> asTensors(Object list) {
    return (List<Tensor>) list;
  }
}
