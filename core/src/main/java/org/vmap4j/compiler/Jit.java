package org.vmap4j.compiler;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.backend.Backend;
import org.vmap4j.backend.Backends;
import org.vmap4j.backend.CompiledProgram;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.transforms.Staging;

/**
 * A jitted function: traced once per input signature (pytree structure, dtypes and shapes),
 * optimized and compiled, cached, and run compiled on later calls. Called with values of an
 * enclosing transform (vmap(jit(f)), grad(jit(f))), it evaluates its program by binding each
 * equation, so the transform applies to every primitive.
 */
public final class Jit {
  private record Signature(List<TreeDef> structure, List<TensorType> types) {}

  private record Entry(Staging.Traced traced, CompiledProgram executable) {}

  private final Function<Object[], Object> fn;
  private final ConcurrentHashMap<Signature, Entry> cache = new ConcurrentHashMap<>();

  /** Null until the first compilation when the backend comes from the system property. */
  private volatile Backend backend;

  /**
   * Compiles for the default backend, {@link Backends#fromSystemProperty()}, resolved at the first
   * compilation (so an unavailable choice fails the call that needs it, not the construction).
   */
  public Jit(Function<Object[], Object> fn) {
    this.fn = fn;
  }

  /** Compiles for {@code backend}. */
  public Jit(Function<Object[], Object> fn, Backend backend) {
    this.fn = fn;
    this.backend = Objects.requireNonNull(backend, "backend");
  }

  /** The backend compiled programs run on. */
  public Backend backend() {
    Backend b = backend;
    if (b == null) {
      b = Backends.fromSystemProperty();
      backend = b;
    }
    return b;
  }

  /** How many signatures have been compiled. */
  public int cacheSize() {
    return cache.size();
  }

  public Object call(Object[] args) {
    return call(args, null);
  }

  /**
   * {@link #call(Object[])}, donating the arrays of {@code donated} (a result of an earlier call of
   * this function on this thread, or null) for this call's allocations, so that a loop that hands
   * each result back allocates no fresh result arrays (CPU executables; elsewhere the donation is
   * ignored). The caller must not read {@code donated} afterwards.
   */
  public Object call(Object[] args, Object donated) {
    List<TreeDef> defs = new ArrayList<>();
    List<Tensor> leaves = new ArrayList<>();
    List<TensorType> types = new ArrayList<>();
    boolean concrete = true;
    for (Object a : args) {
      Tree.Flat flat = Tree.flatten(a);
      defs.add(flat.def());
      for (Tensor t : flat.leaves()) {
        leaves.add(t);
        types.add(t.type());
        concrete &= t instanceof CpuTensor;
      }
    }
    Signature sig = new Signature(defs, types);
    Entry cached = cache.get(sig);
    Staging.Traced traced = cached != null ? cached.traced() : Staging.trace(fn, args, "jit");
    boolean cacheable = traced.captured().isEmpty();
    if (concrete && cacheable) {
      Entry e =
          cached != null
              ? cached
              : new Entry(traced, backend().compile(ProgramCompiler.plan(traced.program())));
      if (cached == null) {
        cache.putIfAbsent(sig, e);
      }
      List<CpuTensor> in = new ArrayList<>();
      leaves.forEach(t -> in.add((CpuTensor) t));
      List<? extends Tensor> out;
      if (donated != null && e.executable() instanceof Executable cpu) {
        List<CpuTensor> given = new ArrayList<>();
        for (Tensor t : Tree.leaves(donated)) {
          if (t instanceof CpuTensor c) {
            given.add(c);
          }
        }
        out = cpu.run(in, given);
      } else {
        out = e.executable().run(in);
      }
      return traced.resultDef().unflatten(out);
    }
    List<Tensor> in = new ArrayList<>(leaves);
    in.addAll(traced.captured());
    return traced.resultDef().unflatten(traced.program().evaluate(in));
  }
}
