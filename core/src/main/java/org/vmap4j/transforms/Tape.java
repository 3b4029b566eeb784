package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.Tensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.Tangents;

/**
 * The record of one reverse-mode pass: every primitive applied to values that depend on the
 * differentiated inputs, in order, with the slots of its operands and results. {@link #backward}
 * walks it in reverse, applying each step's VJP rule. Rules are tensor operations on the primal
 * values, so a backward pass under an outer transform is itself transformed (grad of grad, vmap of
 * a pullback).
 */
final class Tape {
  /** How one recorded step turns its results' cotangents into its operands' cotangents. */
  @FunctionalInterface
  interface Backward {
    Tensor[] apply(Tensor[] cotangents);
  }

  private record Step(int[] inputSlots, int[] outputSlots, Backward backward) {}

  private final List<Step> steps = new ArrayList<>();
  private int slots;

  /** A fresh slot for a value that depends on the differentiated inputs. */
  int newSlot() {
    return slots++;
  }

  /** Records a primitive application; slots of -1 are constants. */
  void recordPrimitive(
      Primitive primitive,
      Params params,
      Tensor[] primals,
      Tensor[] outputs,
      int[] inputSlots,
      int[] outputSlots) {
    record(inputSlots, outputSlots, cts -> primitive.vjp(primals, outputs, cts, params));
  }

  void record(int[] inputSlots, int[] outputSlots, Backward backward) {
    steps.add(new Step(inputSlots, outputSlots, backward));
  }

  /**
   * The cotangents of {@code wanted} slots, given the cotangents of some result slots; null where a
   * wanted slot receives nothing.
   */
  Tensor[] backward(Map<Integer, Tensor> seed, int[] wanted) {
    Map<Integer, Tensor> ct = new HashMap<>(seed);
    for (int s = steps.size() - 1; s >= 0; s--) {
      Step step = steps.get(s);
      Tensor[] outCts = new Tensor[step.outputSlots().length];
      boolean any = false;
      for (int i = 0; i < outCts.length; i++) {
        int slot = step.outputSlots()[i];
        outCts[i] = slot < 0 ? null : ct.remove(slot);
        any |= outCts[i] != null;
      }
      if (!any) {
        continue;
      }
      Tensor[] inCts = step.backward().apply(outCts);
      for (int i = 0; i < step.inputSlots().length; i++) {
        int slot = step.inputSlots()[i];
        if (slot >= 0 && inCts[i] != null) {
          ct.merge(slot, inCts[i], Tangents::add);
        }
      }
    }
    Tensor[] out = new Tensor[wanted.length];
    for (int i = 0; i < wanted.length; i++) {
      out[i] = ct.get(wanted[i]);
    }
    return out;
  }
}
