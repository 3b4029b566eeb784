package org.vmap4j.spark.executor;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.InDims;
import org.vmap4j.Randomness;
import org.vmap4j.Tensor;
import org.vmap4j.VmapOptions;
import org.vmap4j.backend.ArgumentListCalls;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;

/**
 * A traced program with random primitives, run so that each row draws its own numbers, keyed by
 * (the udf's seed, the seed written in the function, the partition, the row's index in it): a
 * retried task, a second run of the same plan, and any batch size draw the same numbers for the
 * same row. Per batch, each random primitive's stream is re-keyed (seed mixed with the udf's seed
 * and the partition; counter offset moved to the batch's first row) and the program is run under
 * {@code vmap} with {@link Randomness#DIFFERENT}, where example i of the batch draws the stream's
 * elements of row {@code firstRow + i}. Run eagerly: the keys change with every batch, so one
 * compiled kernel would not serve them.
 */
final class RowKeyedRandomness implements BatchKernel.Prepared {
  private final Program program;
  private final long seed;
  private final List<Tensor> constants;
  private final int[] inputPosition;

  RowKeyedRandomness(Program program, long seed, List<Tensor> constants, int[] inputPosition) {
    this.program = program;
    this.seed = seed;
    this.constants = constants;
    this.inputPosition = inputPosition;
  }

  @Override
  public List<Tensor> run(List<Tensor> inputs) {
    return run(inputs, -1, 0);
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<Tensor> run(List<Tensor> inputs, int partition, long firstRow) {
    Program keyed = keyed(partition, firstRow);
    Tensor[] ordered = new Tensor[inputs.size()];
    for (int i = 0; i < ordered.length; i++) {
      ordered[inputPosition[i]] = inputs.get(i);
    }
    VmapOptions options =
        VmapOptions.defaults().inDims(InDims.of(null, 0)).randomness(Randomness.DIFFERENT);
    return ArgumentListCalls.withThreads(
        1,
        () ->
            (List<Tensor>)
                ArgumentListCalls.vmap(
                    a -> {
                      List<Tensor> in = new ArrayList<>((List<Tensor>) a[0]);
                      in.addAll((List<Tensor>) a[1]);
                      return keyed.evaluate(in);
                    },
                    new Object[] {constants, List.of(ordered)},
                    options));
  }

  /** The program with every random primitive's stream keyed to this partition and first row. */
  Program keyed(int partition, long firstRow) {
    List<Equation> equations = new ArrayList<>();
    for (Equation e : program.equations()) {
      if (!e.primitive().isRandom()) {
        equations.add(e);
        continue;
      }
      Params p = e.params();
      long perExample = 1;
      for (int d : p.ints("shape")) {
        perExample *= d;
      }
      Params rekeyed =
          p.with("seed", key(p.longValue("seed"), seed, partition))
              .with("offset", p.longValue("offset") + firstRow * perExample);
      equations.add(new Equation(e.primitive(), rekeyed, e.inputs(), e.outputs()));
    }
    return new Program(
        program.inputs(), program.constVars(), program.constValues(), equations, program.outputs());
  }

  /** One stream per (function's seed, udf's seed, partition): SplitMix64 finalizers, chained. */
  static long key(long functionSeed, long udfSeed, int partition) {
    long k = mix(functionSeed ^ 0x5851f42d4c957f2dL);
    k = mix(k ^ udfSeed);
    return mix(k + (partition + 1L) * 0x9e3779b97f4a7c15L);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
