package org.vmap4j.compiler;

import java.util.Arrays;
import java.util.Map;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.ScatterAdd;

/**
 * Recognizes a per-sample gradient of an embedding table in a staged program: a value {@code G} of
 * shape {@code [B, V, D]} whose example {@code b} is the output gradients {@code δ[b,t]} ({@code
 * [B, T, D]}) added into the rows {@code idx[b,t]} ({@code [B, T]}) of a zero table. That is what
 * {@code vmap(grad)} of a gather ({@code Functional.embedding}) stages: {@code scatter_add[axis=1
 * batch_dims=1](broadcast_in_dim[dims=(1,2)](zeros:[V,D]), idx, δ)}.
 */
final class PerSampleScatters {
  private PerSampleScatters() {}

  /**
   * {@code G[b] = Σ_t e_{idx[b,t]} ⊗ δ[b,t]} with {@code V} rows of width {@code D}. {@code table}
   * is the zero {@code [V, D]} constant the program scatters into, or null when constant folding
   * already spread it to {@code [B, V, D]}.
   */
  record RowScatter(Var table, Var indices, Var updates, int rows) {
    int batch() {
      return updates.type().dim(0);
    }

    int time() {
      return updates.type().dim(1);
    }

    int width() {
      return updates.type().dim(2);
    }
  }

  /** The parts of {@code g}, or null when it is not a per-sample scatter into a zero table. */
  static RowScatter match(Var g, Map<Var, Equation> producer, Map<Var, CpuTensor> constants) {
    if (g.type().ndim() != 3) {
      return null;
    }
    Equation e = producer.get(g);
    if (e == null
        || e.primitive() != ScatterAdd.SCATTER_ADD
        || e.params().integer("axis") != 1
        || e.params().integer("batch_dims") != 1) {
      return null;
    }
    Var indices = e.inputs().get(1);
    Var updates = e.inputs().get(2);
    if (indices.type().ndim() != 2 || updates.type().ndim() != 3) {
      return null;
    }
    Var operand = e.inputs().get(0);
    int rows = g.type().dim(1);
    if (isZero(constants.get(operand))) {
      return new RowScatter(null, indices, updates, rows); // folded: a [B, V, D] zero constant
    }
    Equation spread = producer.get(operand);
    if (spread == null
        || spread.primitive() != BroadcastInDim.BROADCAST_IN_DIM
        || !Arrays.equals(spread.params().ints("dims"), new int[] {1, 2})) {
      return null;
    }
    Var table = spread.inputs().get(0);
    return isZero(constants.get(table)) ? new RowScatter(table, indices, updates, rows) : null;
  }

  private static boolean isZero(CpuTensor t) {
    if (t == null) {
      return false;
    }
    for (double v : t.toDoubleArray()) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }
}
