package org.vmap4j.spark.connect.client;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.remote.RemoteCall;

/**
 * Traces a per-example function on the client into the program a {@link RemoteCall} carries: inputs
 * are the constants' leaves (in pytree order) then one tensor per argument (in argument order,
 * whatever pytree the function sees them as); outputs are the result's leaves. The constants travel
 * as a program of no inputs whose outputs are their values.
 */
final class Traced {
  private Traced() {}

  /** What tracing gave: the program's bytes, the constants' bytes, the result's structure. */
  record Result(byte[] program, byte[] constants, TreeDef resultDef) {}

  /**
   * @param constants the unmapped constants (a pytree), or null
   * @param bind how the function sees the constants and the per-argument tensors: returns its
   *     result
   */
  static Result trace(
      Object constants,
      List<DType> dtypes,
      List<int[]> shapes,
      java.util.function.BiFunction<Object, List<Tensor>, Object> bind) {
    List<Tensor> examples = new ArrayList<>();
    for (int i = 0; i < shapes.size(); i++) {
      examples.add(Tensor.zeros(dtypes.get(i), shapes.get(i)));
    }
    Object fixed = constants == null ? List.of() : constants;
    @SuppressWarnings("unchecked")
    Function<Object[], Object> wrapper =
        a -> bind.apply(constants == null ? null : a[0], (List<Tensor>) a[1]);
    ArgumentListCalls.Traced traced =
        ArgumentListCalls.trace(
            wrapper, new Object[] {fixed, new ArrayList<>(examples)}, "vmapUdf");
    List<Tensor> leaves = Tree.leaves(fixed);
    ArgumentListCalls.Traced values =
        ArgumentListCalls.trace(a -> leaves, new Object[0], "constants");
    return new Result(
        ProgramSerializer.toBytes(traced.program()),
        ProgramSerializer.toBytes(values.program()),
        traced.resultDef());
  }

  /**
   * The shape declared for argument {@code i}: by position, else by its name, else (one argument,
   * one shape declared by name) that shape, else scalar.
   */
  static int[] shape(
      java.util.Map<Integer, int[]> byPosition,
      java.util.Map<String, int[]> byName,
      List<String> names,
      int i,
      String transform) {
    int[] s = byPosition.get(i);
    if (s == null) {
      s = byName.get(names.get(i));
    }
    if (s == null && names.size() == 1 && byName.size() == 1) {
      s = byName.values().iterator().next();
    }
    // undeclared: a scalar, as classic reads scalar columns; an array column then fails on the
    // server with the argument, both shapes and the fix
    return s == null ? new int[0] : s;
  }

  /**
   * Output names from the result's pytree, as the classic connector names them: a single tensor is
   * the prefix, map keys and record components are their keys (nested paths joined by '_'), list
   * elements {@code prefix_i}.
   */
  static List<String> outputNames(TreeDef def, String prefix) {
    return def.leafNames(prefix, prefix.equals("output"));
  }
}
