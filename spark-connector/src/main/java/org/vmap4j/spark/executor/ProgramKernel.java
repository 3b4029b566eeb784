package org.vmap4j.spark.executor;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.VmapOptions;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.spark.VmapUdf;

/**
 * The per-example function as a program the driver traced once: shipped as {@link
 * ProgramSerializer} bytes (not the function itself, so captured tensors travel too), and on each
 * executor JVM compiled once as {@code jit(vmap(program))} under the program's hash: two transforms
 * with the same program share one compiled kernel, each with its own constants.
 *
 * <p>Program inputs are the unmapped constants' leaves, then one per-example tensor per input
 * column (in the function's argument order); outputs are the result's leaves.
 */
public final class ProgramKernel implements BatchKernel {
  private static final long serialVersionUID = 1L;

  private final byte[] program;
  private final String hash;
  private final int constantLeaves;

  /** The udf's seed for per-row random numbers ({@link VmapUdf#randomness}); null: none. */
  private final Long seed;

  /** Where input column i's tensor goes among the program's batch inputs (maps flatten by key). */
  private final int[] inputPosition;

  private ProgramKernel(byte[] program, int constantLeaves, int[] inputPosition, Long seed) {
    this.seed = seed;
    this.program = program;
    this.hash = "program-" + sha256(program);
    this.constantLeaves = constantLeaves;
    this.inputPosition = inputPosition;
  }

  /**
   * Traces {@code kernel}'s function on the driver at the per-example shapes; null when the traced
   * program reads tensors it does not receive (captured tensors: the caller then ships the
   * function, see {@link EagerKernel}). Tracing errors propagate, for the caller to report.
   */
  public static ProgramKernel trace(
      EagerKernel kernel, Object constants, List<Tensor> perExample, Long seed) {
    Object[] args = kernel.arguments(constants, perExample);
    ArgumentListCalls.Traced traced = ArgumentListCalls.trace(kernel.function(), args, "trace");
    if (!traced.captured().isEmpty()) {
      return null;
    }
    int constantLeaves = constants == null ? 0 : Tree.leaves(constants).size();
    List<Tensor> leaves = new ArrayList<>();
    for (Object a : args) {
      leaves.addAll(Tree.leaves(a));
    }
    int[] position = new int[perExample.size()];
    for (int i = 0; i < position.length; i++) {
      position[i] = -1;
      for (int j = constantLeaves; j < leaves.size(); j++) {
        if (leaves.get(j) == perExample.get(i)) {
          position[i] = j - constantLeaves;
        }
      }
      if (position[i] < 0) {
        throw new IllegalStateException(
            "input column " + i + "'s tensor is not among the traced function's arguments");
      }
    }
    return new ProgramKernel(
        ProgramSerializer.toBytes(traced.program()), constantLeaves, position, seed);
  }

  /** {@code jit(vmap(program))}, the constants unmapped and the per-example inputs mapped. */
  @SuppressWarnings("unchecked")
  private static TaskBackend.PerTask compile(byte[] program) {
    Program p = ProgramSerializer.fromBytes(program);
    VmapOptions batchOverInputs = VmapOptions.defaults().inDims(InDims.of(null, 0));
    return new TaskBackend.PerTask(
        args ->
            ArgumentListCalls.vmap(
                a -> {
                  List<Tensor> in = new ArrayList<>((List<Tensor>) a[0]);
                  in.addAll((List<Tensor>) a[1]);
                  return p.evaluate(in);
                },
                args,
                batchOverInputs),
        TaskBackend.Settings.ofExecutor());
  }

  /** How many of the program's inputs are the constants' leaves (the rest are per-example). */
  public int constantLeaves() {
    return constantLeaves;
  }

  /** The program, as the executors will run it (for tests and diagnostics). */
  public Program program() {
    return ProgramSerializer.fromBytes(program);
  }

  /** The program's hash, and the seed of per-row random numbers: prepared kernels hold the seed. */
  @Override
  public String cacheKey() {
    return seed == null ? hash : hash + " seed " + seed;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Prepared prepare(Object constants) {
    List<Tensor> fixed = constants == null ? List.of() : Tree.leaves(constants);
    if (fixed.size() != constantLeaves) {
      throw new IllegalStateException(
          "vmapUdf: the program was traced with "
              + constantLeaves
              + " constant tensors, the"
              + " executor received "
              + fixed.size());
    }
    // The constants are arguments of the compiled kernel, not part of it: transforms with the
    // same program and other constants (another model's parameters) share the compilation.
    if (seed != null) {
      return new RowKeyedRandomness(
          ProgramSerializer.fromBytes(program), seed, fixed, inputPosition);
    }
    TaskBackend.PerTask compiled = ExecutorRuntime.get().compiled(hash, () -> compile(program));
    return inputs -> {
      Tensor[] ordered = new Tensor[inputs.size()];
      for (int i = 0; i < ordered.length; i++) {
        ordered[inputPosition[i]] = inputs.get(i);
      }
      // each Spark task owns one core: kernels do not split work over threads here
      return ArgumentListCalls.withThreads(
          1, () -> (List<Tensor>) compiled.call(new Object[] {fixed, List.of(ordered)}));
    };
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProgramKernel k && k.hash.equals(hash) && Objects.equals(k.seed, seed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(hash);
  }
}
