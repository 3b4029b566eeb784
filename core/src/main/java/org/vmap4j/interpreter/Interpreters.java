package org.vmap4j.interpreter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;

/**
 * The interpreter stack and {@link #bind}, the single entry point of every primitive application.
 * The stack is per thread: transforms nest on the thread that calls them.
 */
public final class Interpreters {
  private static final ThreadLocal<List<MainTrace>> STACK = ThreadLocal.withInitial(ArrayList::new);

  private Interpreters() {}

  /**
   * Pushes a new interpreter level for the duration of a transform. Use with try-with-resources so
   * the level is popped however the transformed function ends.
   */
  public static Level push(String transformName, Function<MainTrace, Trace> traceFactory) {
    List<MainTrace> stack = STACK.get();
    MainTrace main = new MainTrace(stack.size() + 1, transformName, traceFactory);
    stack.add(main);
    return new Level(main);
  }

  /**
   * Whether a transform of this name (e.g. {@code vmap}) is in flight on this thread: for library
   * functions whose meaning would change under it (training-mode batch statistics under vmap).
   */
  public static boolean isActive(String transformName) {
    for (MainTrace m : STACK.get()) {
      if (m.transformName().equals(transformName)) {
        return true;
      }
    }
    return false;
  }

  /**
   * How to make a non-floating tensor floating, for error messages: the floating dtype of the
   * innermost transform in flight with floating inputs (F64 code is not told to use F32), or both
   * choices in eager code.
   */
  public static String floatingConversionHint() {
    List<MainTrace> stack = STACK.get();
    for (int i = stack.size() - 1; i >= 0; i--) {
      org.vmap4j.DType t = stack.get(i).floatingInputs();
      if (t != null) {
        return "convert with astype(DType."
            + t.name()
            + "), the dtype of this computation's inputs";
      }
    }
    return "convert with astype(DType.F64) or astype(DType.F32)";
  }

  /** A pushed interpreter level; closing it pops it. */
  public static final class Level implements AutoCloseable {
    private final MainTrace main;

    private Level(MainTrace main) {
      this.main = main;
    }

    public MainTrace main() {
      return main;
    }

    @Override
    public void close() {
      List<MainTrace> stack = STACK.get();
      if (stack.isEmpty() || stack.get(stack.size() - 1) != main) {
        throw new IllegalStateException("interpreter levels closed out of order: " + main);
      }
      stack.remove(stack.size() - 1);
    }
  }

  /** Applies a single-result primitive; see {@link #bind}. */
  public static Tensor bind1(Primitive primitive, Params params, Tensor... inputs) {
    return bind(primitive, params, inputs)[0];
  }

  /**
   * Applies {@code primitive} to {@code inputs}: the highest-level trace among the inputs processes
   * it, or, when no input is traced, it is evaluated eagerly on the CPU after its shape and dtype
   * rule has checked the inputs.
   */
  public static Tensor[] bind(Primitive primitive, Params params, Tensor... inputs) {
    Trace top = null;
    for (Tensor t : inputs) {
      if (t instanceof Tracer tracer && (top == null || tracer.trace().level() > top.level())) {
        top = tracer.trace();
      }
    }
    if (top == null) {
      return primitive.isRandom()
          ? bindRandomBelow(Integer.MAX_VALUE, primitive, params, inputs)
          : evaluateEagerly(primitive, params, inputs);
    }
    Tracer[] lifted = new Tracer[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      Tensor t = inputs[i];
      lifted[i] =
          t instanceof Tracer tr && tr.trace().main() == top.main() ? tr : top.lift(inputs[i]);
    }
    Tensor[] out = top.process(primitive, lifted, params);
    for (int i = 0; i < out.length; i++) {
      if (out[i] instanceof Tracer tr) {
        out[i] = tr.fullLower();
      }
    }
    return out;
  }

  /**
   * Binds a random primitive whose operands are not traced, offering it first to the interpreter
   * levels below {@code level}, innermost first (each may apply its own randomness rule), and
   * evaluating it eagerly when none takes it.
   */
  public static Tensor[] bindRandomBelow(
      int level, Primitive primitive, Params params, Tensor... inputs) {
    List<MainTrace> stack = STACK.get();
    for (int i = stack.size() - 1; i >= 0; i--) {
      MainTrace main = stack.get(i);
      if (main.level() < level) {
        Tensor[] out = main.newTrace().processRandom(primitive, inputs, params);
        if (out != null) {
          return out;
        }
      }
    }
    return evaluateEagerly(primitive, params, inputs);
  }

  private static Tensor[] evaluateEagerly(Primitive primitive, Params params, Tensor[] inputs) {
    CpuTensor[] concrete = new CpuTensor[inputs.length];
    TensorType[] types = new TensorType[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      concrete[i] = (CpuTensor) inputs[i];
      types[i] = concrete[i].type();
    }
    TensorType[] outTypes = primitive.inferTypes(types, params);
    return primitive.evaluate(concrete, params, outTypes);
  }
}
