package org.vmap4j.compiler;

import java.util.IdentityHashMap;
import java.util.Map;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.KernelPrimitive;

/**
 * Evaluates, once at compile time, equations whose inputs are all constants. Results larger than
 * {@value #MAX_FOLDED_ELEMENTS} elements and primitives that fuse as views ({@link
 * KernelPrimitive#fusesAsView}: broadcasts, free views at run time, which the fusion pass absorbs)
 * are left in the program, so constants stay small.
 */
final class ConstantFolding {
  static final int MAX_FOLDED_ELEMENTS = 4096;

  private ConstantFolding() {}

  static Program run(Program p) {
    Map<Var, CpuTensor> known = new IdentityHashMap<>();
    for (int i = 0; i < p.constVars().size(); i++) {
      known.put(p.constVars().get(i), p.constValues().get(i));
    }
    ProgramBuilder b = new ProgramBuilder(p);
    for (Equation e : p.equations()) {
      boolean foldable =
          !e.primitive().isRandom()
              && !(e.primitive() instanceof KernelPrimitive kp && kp.fusesAsView())
              && e.inputs().stream().allMatch(v -> known.containsKey(b.resolve(v)))
              && e.outputs().stream().allMatch(v -> v.type().size() <= MAX_FOLDED_ELEMENTS);
      if (!foldable) {
        b.add(e);
        continue;
      }
      CpuTensor[] in = new CpuTensor[e.inputs().size()];
      for (int i = 0; i < in.length; i++) {
        in[i] = known.get(b.resolve(e.inputs().get(i)));
      }
      TensorType[] types = new TensorType[e.outputs().size()];
      for (int i = 0; i < types.length; i++) {
        types[i] = e.outputs().get(i).type();
      }
      CpuTensor[] out = e.primitive().evaluate(in, e.params(), types);
      for (int i = 0; i < out.length; i++) {
        CpuTensor value = out[i].contiguous();
        known.put(e.outputs().get(i), value);
        b.addConstant(e.outputs().get(i), value);
      }
    }
    return b.build();
  }
}
