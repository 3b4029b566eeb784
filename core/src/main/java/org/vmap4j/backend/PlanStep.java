package org.vmap4j.backend;

import java.util.List;
import java.util.Optional;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.kernel.KernelDescription;

/**
 * One step of a {@link Plan}, as a backend sees it: either one primitive equation run on its own
 * ({@link Single}) or a fused kernel ({@link Fused}). Only core's compiler creates steps (and
 * {@link #of(Equation)} for a backend's own synthetic equations); a backend reads them and decides
 * where each runs.
 */
public interface PlanStep {
  /** The variables this step reads, in order (a fused kernel's inputs x0, x1, ...). */
  List<Var> reads();

  /** The variables this step writes, in order. */
  List<Var> writes();

  /** A step that runs one primitive equation on its own. */
  interface Single extends PlanStep {
    Equation equation();

    /**
     * The primitive's name as programs print it and the program format stores it, e.g. {@code
     * dot_general} (the primitive type itself is not exported).
     */
    default String primitiveName() {
      return equation().primitive().displayName();
    }

    /**
     * The loop-level kernel that computes this equation, when its primitive states one ({@link
     * org.vmap4j.kernel.KernelPrimitive}: gather, transpose, slice, broadcast, reductions,
     * reshape...); empty for primitives a backend runs otherwise (products, control flow, ...).
     */
    Optional<KernelDescription> kernel();

    /**
     * Whether the primitive runs sub-programs whose branch or trip count is decided on the host
     * each turn (cond, while, scan): a device backend leaves such a step to the CPU.
     */
    boolean runsSubPrograms();

    @Override
    default List<Var> reads() {
      return equation().inputs();
    }

    @Override
    default List<Var> writes() {
      return equation().outputs();
    }
  }

  /**
   * A fused kernel: its description (inputs x0.. are {@link #reads()}, each read through its {@link
   * org.vmap4j.kernel.View}, a broadcast input with stride 0 along the broadcast dimensions),
   * written to {@link #output()}.
   */
  interface Fused extends PlanStep {
    KernelDescription kernel();

    Var output();

    @Override
    default List<Var> writes() {
      return List.of(output());
    }
  }

  /**
   * A step running {@code e} alone, for equations a backend builds itself (e.g. the transposes it
   * puts before a product); it is not a step of any plan, so it cannot run on a plan's {@link
   * Plan#cpuSteps()}.
   */
  static Single of(Equation e) {
    return new org.vmap4j.compiler.Fusion.PrimitiveStep(e);
  }
}
