package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.MainTrace;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;

/**
 * Staging: every primitive applied to staged values is recorded as an equation instead of being
 * computed (shape and dtype rules still run, so shape errors surface while tracing). Concrete
 * tensors the function uses become program constants; values traced by an enclosing transform
 * become extra inputs ("captured"), supplied when the program runs.
 */
final class StagingTrace extends Trace {
  final List<Var> constVars = new ArrayList<>();
  final List<CpuTensor> constValues = new ArrayList<>();
  final List<Var> capturedVars = new ArrayList<>();
  final List<Tensor> capturedValues = new ArrayList<>();
  final List<Equation> equations = new ArrayList<>();
  private final Map<Tensor, StagedTracer> lifted = new IdentityHashMap<>();

  StagingTrace(MainTrace main) {
    super(main);
  }

  StagedTracer input(TensorType type) {
    return new StagedTracer(this, new Var(type));
  }

  @Override
  public Tracer lift(Tensor value) {
    StagedTracer known = lifted.get(value);
    if (known != null) {
      return known;
    }
    StagedTracer t;
    if (value instanceof CpuTensor c && hasBroadcastDims(c)) {
      t = stageBroadcastConstant(c);
    } else {
      Var var = new Var(value.type());
      if (value instanceof CpuTensor c) {
        constVars.add(var);
        constValues.add(c);
      } else {
        capturedVars.add(var);
        capturedValues.add(value);
      }
      t = new StagedTracer(this, var);
    }
    lifted.put(value, t);
    return t;
  }

  private static boolean hasBroadcastDims(CpuTensor c) {
    int[] s = c.shape();
    int[] st = c.strides();
    for (int d = 0; d < s.length; d++) {
      if (st[d] == 0 && s[d] > 1) {
        return true;
      }
    }
    return false;
  }

  /**
   * A constant that is a broadcast view (a scalar operand of x.mul(2.0), say) is staged as its
   * small base and a broadcast_in_dim, so the program stays small and the compiler sees the
   * broadcast.
   */
  private StagedTracer stageBroadcastConstant(CpuTensor c) {
    int[] s = c.shape();
    int[] st = c.strides();
    List<Integer> kept = new ArrayList<>();
    for (int d = 0; d < s.length; d++) {
      if (!(st[d] == 0 && s[d] > 1)) {
        kept.add(d);
      }
    }
    int[] dims = kept.stream().mapToInt(Integer::intValue).toArray();
    CpuTensor base =
        c.view(
                org.vmap4j.interpreter.Shapes.select(s, dims),
                org.vmap4j.interpreter.Shapes.select(st, dims),
                c.offset())
            .contiguous();
    Var var = new Var(base.type());
    constVars.add(var);
    constValues.add(base);
    StagedTracer baseTracer = new StagedTracer(this, var);
    Params p = org.vmap4j.prim.BroadcastInDim.params(s, dims);
    return (StagedTracer)
        process(org.vmap4j.prim.BroadcastInDim.BROADCAST_IN_DIM, new Tracer[] {baseTracer}, p)[0];
  }

  @Override
  public Tensor[] process(Primitive primitive, Tracer[] inputs, Params params) {
    List<Var> in = new ArrayList<>();
    TensorType[] types = new TensorType[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      Var v = ((StagedTracer) inputs[i]).var();
      in.add(v);
      types[i] = v.type();
    }
    return record(primitive, params, in, primitive.inferTypes(types, params));
  }

  /** Random primitives are staged like any other, so a compiled program draws them each run. */
  @Override
  public Tensor[] processRandom(Primitive primitive, Tensor[] inputs, Params params) {
    Tracer[] staged = new Tracer[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      staged[i] = lift(inputs[i]);
    }
    return process(primitive, staged, params);
  }

  private Tensor[] record(Primitive primitive, Params params, List<Var> in, TensorType[] types) {
    List<Var> out = new ArrayList<>();
    Tensor[] tracers = new Tensor[types.length];
    for (int i = 0; i < types.length; i++) {
      Var v = new Var(types[i]);
      out.add(v);
      tracers[i] = new StagedTracer(this, v);
    }
    equations.add(new Equation(primitive, params, in, out));
    return tracers;
  }
}
