package org.vmap4j.transforms;

import org.vmap4j.Randomness;
import org.vmap4j.Tensor;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Batched;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.MainTrace;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Primitive;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;

/**
 * The batching interpreter: each primitive applied to batched values is handed to that primitive's
 * batching rule, which computes it for the whole batch at once. There is no per-example fallback.
 */
final class BatchTrace extends Trace {
  private final int axisSize;
  private final Randomness randomness;
  private final long firstExample;

  /**
   * @param firstExample index of this trace's first example in the whole mapped axis (non-zero for
   *     the later chunks of a chunked vmap), so random draws match the unchunked ones
   */
  BatchTrace(MainTrace main, int axisSize, Randomness randomness, long firstExample) {
    super(main);
    this.axisSize = axisSize;
    this.randomness = randomness;
    this.firstExample = firstExample;
  }

  @Override
  public Tracer lift(Tensor value) {
    return new BatchTracer(this, value, BatchRules.NOT_MAPPED);
  }

  BatchTracer mapped(Tensor value, int dim) {
    return new BatchTracer(this, value, dim);
  }

  @Override
  public Tensor[] process(Primitive primitive, Tracer[] inputs, Params params) {
    Tensor[] values = new Tensor[inputs.length];
    int[] dims = new int[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      BatchTracer t = (BatchTracer) inputs[i];
      values[i] = t.value();
      dims[i] = t.batchDim();
    }
    Batched b = primitive.batch(values, dims, params, axisSize);
    Tensor[] out = new Tensor[b.values().length];
    for (int i = 0; i < out.length; i++) {
      out[i] = new BatchTracer(this, b.values()[i], b.dims()[i]);
    }
    return out;
  }

  @Override
  public Tensor[] processRandom(Primitive primitive, Tensor[] inputs, Params params) {
    switch (randomness) {
      case SAME:
        return Interpreters.bindRandomBelow(level(), primitive, params, inputs);
      case DIFFERENT:
        {
          int[] shape = params.ints("shape");
          long perExample = 1;
          for (int d : shape) {
            perExample *= d;
          }
          Params batched =
              params
                  .with("shape", BatchRules.prepend(axisSize, shape))
                  .with("offset", params.longValue("offset") + firstExample * perExample);
          Tensor[] out = Interpreters.bindRandomBelow(level(), primitive, batched, inputs);
          return new Tensor[] {mapped(out[0], 0)};
        }
      default:
        throw new IllegalStateException(
            "vmap: "
                + primitive.displayName()
                + " draws random numbers inside vmap, which randomness=ERROR (the default)"
                + " forbids; choose VmapOptions.randomness(Randomness.DIFFERENT) for different"
                + " numbers per example or Randomness.SAME for the same numbers in every example");
    }
  }
}
