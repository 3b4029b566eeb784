package org.vmap4j.prim;

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
import org.vmap4j.interpreter.ProgramRunner;
import org.vmap4j.ir.Program;

/** Small helpers the rules of {@link Cond}, {@link While} and {@link Scan} share. */
final class ControlFlowSupport {
  private ControlFlowSupport() {}

  /** {@code t}, or zeros of {@code type} for an absent (zero) tangent or cotangent. */
  static Tensor orZeros(Tensor t, TensorType type) {
    return t != null ? t : Tensor.zeros(type.dtype(), type.shape());
  }

  /** {@code values[from, to)} where {@code keep} is true, absent ones as zeros of their type. */
  static List<Tensor> kept(Tensor[] values, int from, int to, boolean[] keep, List<TensorType> t) {
    List<Tensor> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      if (keep[i - from]) {
        out.add(orZeros(values[i], t.get(i - from)));
      }
    }
    return out;
  }

  /**
   * Scatters {@code values} (one per true entry of {@code keep}) into {@code out} from {@code at}.
   */
  static void spread(List<Tensor> values, boolean[] keep, Tensor[] out, int at) {
    for (int i = 0, k = 0; i < keep.length; i++) {
      if (keep[i]) {
        out[at + i] = values.get(k++);
      }
    }
  }

  static boolean[] mapped(int[] dims, int from, int to) {
    boolean[] b = new boolean[to - from];
    for (int i = from; i < to; i++) {
      b[i - from] = dims[i] != BatchRules.NOT_MAPPED;
    }
    return b;
  }

  static boolean[] or(boolean[] a, boolean[] b) {
    boolean[] o = new boolean[a.length];
    for (int i = 0; i < a.length; i++) {
      o[i] = a[i] || b[i];
    }
    return o;
  }

  static boolean[] concat(boolean[]... parts) {
    int n = 0;
    for (boolean[] p : parts) {
      n += p.length;
    }
    boolean[] out = new boolean[n];
    int k = 0;
    for (boolean[] p : parts) {
      System.arraycopy(p, 0, out, k, p.length);
      k += p.length;
    }
    return out;
  }

  static boolean[] filled(int n, boolean value) {
    boolean[] b = new boolean[n];
    Arrays.fill(b, value);
    return b;
  }

  /**
   * Operand {@code i} for a batched sub-program: batch dimension moved to {@code at} when the
   * program takes it batched (broadcast when the operand itself had none), as it is otherwise.
   */
  static Tensor placed(Tensor value, int dim, boolean batched, int size, int at) {
    if (!batched) {
      return value;
    }
    Tensor front =
        dim == BatchRules.NOT_MAPPED
            ? BatchRules.withBatch(value, size)
            : BatchRules.atFront(value, dim);
    return BatchRules.moveAxis(front, 0, at);
  }

  static List<CpuTensor> slice(CpuTensor[] values, int from, int to) {
    return new ArrayList<>(Arrays.asList(values).subList(from, to));
  }

  static List<TensorType> types(TensorType[] types, int from, int to) {
    return new ArrayList<>(Arrays.asList(types).subList(from, to));
  }

  /**
   * Hands {@code dead} (results of earlier runs of {@code program}; null entries are skipped) back
   * to the runner for reuse, except values whose storage one of {@code live} still shares: a body
   * may pass a carry or an operand through unchanged, move one carry into another's place, or
   * return one array in two places.
   */
  @SafeVarargs
  static void releaseDead(
      ProgramRunner runner, Program program, List<CpuTensor> dead, List<? extends Tensor>... live) {
    Set<Object> inUse = Collections.newSetFromMap(new IdentityHashMap<>());
    for (List<? extends Tensor> values : live) {
      for (Tensor t : values) {
        if (t != null) {
          inUse.add(((CpuTensor) t).data());
        }
      }
    }
    List<CpuTensor> free = new ArrayList<>();
    for (CpuTensor t : dead) {
      if (t != null && !inUse.contains(t.data())) {
        free.add(t);
      }
    }
    runner.release(program, free);
  }

  /**
   * Ends a host loop whose thread was interrupted (a cancelled Spark task, a timed-out caller), so
   * that a long loop can be stopped from outside; the interrupt flag stays set for the caller.
   */
  static void stopIfInterrupted(String loop, long turn) {
    if (Thread.currentThread().isInterrupted()) {
      throw new java.util.concurrent.CancellationException(
          loop + ": interrupted after " + turn + " iterations");
    }
  }

  /** A 0-d BOOL tensor's value. */
  static boolean truth(CpuTensor predicate) {
    return predicate.toBooleanArray()[0];
  }

  /**
   * {@code where(pred, a, b)} with a batch predicate {@code [B]} against {@code [B, ...]} values.
   */
  static Tensor selectPerExample(Tensor pred, Tensor a, Tensor b) {
    int[] shape = new int[a.ndim()];
    Arrays.fill(shape, 1);
    shape[0] = pred.shape()[0];
    return Tensor.where(pred.reshape(shape), a, b);
  }

  static Tensor[] array(List<? extends Tensor> values) {
    return values.toArray(new Tensor[0]);
  }
}
