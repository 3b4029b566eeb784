package org.vmap4j;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.backend.Backend;
import org.vmap4j.compiler.Jit;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Autodiff;
import org.vmap4j.transforms.PytreeCustomRules;
import org.vmap4j.transforms.Staging;
import org.vmap4j.transforms.Vmap;

/**
 * The function transforms. Intended style: {@code import static org.vmap4j.Func.*;}. Each transform
 * returns a function of the same Java type as its input, so transforms compose: {@code
 * vmap(vmap(f))}.
 */
public final class Func {
  private Func() {}

  /**
   * Maps {@code f} over dimension 0 of its argument (every leaf of its pytree): {@code f} is
   * written for one example and runs once for the whole batch, each primitive applying its batching
   * rule.
   */
  public static <A, R> Function<A, R> vmap(Function<A, R> f) {
    return vmap(f, VmapOptions.defaults());
  }

  public static <A, R> Function<A, R> vmap(Function<A, R> f, InDims inDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims));
  }

  public static <A, R> Function<A, R> vmap(Function<A, R> f, InDims inDims, OutDims outDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims).outDims(outDims));
  }

  @SuppressWarnings("unchecked")
  public static <A, R> Function<A, R> vmap(Function<A, R> f, VmapOptions options) {
    return a -> (R) Vmap.call(args -> f.apply((A) args[0]), new Object[] {a}, options);
  }

  /** Maps a two-argument {@code f} over dimension 0 of both arguments. */
  public static <A, B, R> BiFunction<A, B, R> vmap(BiFunction<A, B, R> f) {
    return vmap(f, VmapOptions.defaults());
  }

  public static <A, B, R> BiFunction<A, B, R> vmap(BiFunction<A, B, R> f, InDims inDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims));
  }

  public static <A, B, R> BiFunction<A, B, R> vmap(
      BiFunction<A, B, R> f, InDims inDims, OutDims outDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims).outDims(outDims));
  }

  @SuppressWarnings("unchecked")
  public static <A, B, R> BiFunction<A, B, R> vmap(BiFunction<A, B, R> f, VmapOptions options) {
    return (a, b) ->
        (R) Vmap.call(args -> f.apply((A) args[0], (B) args[1]), new Object[] {a, b}, options);
  }

  // ---------------------------------------------------------------- forward and reverse mode

  /**
   * Forward mode: the value of {@code f} at {@code primal} and its derivative in the direction
   * {@code tangent} (same structure and shapes as the primal).
   */
  @SuppressWarnings("unchecked")
  public static <A, R> Jvp<R> jvp(Function<A, R> f, A primal, A tangent) {
    Autodiff.JvpOutcome o = Autodiff.jvp(x -> f.apply((A) x), primal, tangent);
    return new Jvp<>((R) o.value(), (R) o.tangent());
  }

  /** Reverse mode: the value of {@code f} at {@code primal} and its pullback. */
  @SuppressWarnings("unchecked")
  public static <A, R> Vjp<A, R> vjp(Function<A, R> f, A primal) {
    return new Vjp<>(Autodiff.vjp(x -> f.apply((A) x), primal, "vjp"));
  }

  /**
   * The gradient of a function with a scalar (0-d) result, with the argument's structure: a record
   * of tensors gives the same record of gradients.
   */
  public static <A> Function<A, A> grad(Function<A, Tensor> f) {
    return a -> valueAndGrad(f).apply(a).grad();
  }

  /** The gradient with respect to the first argument; the second is held fixed. */
  public static <A, B> BiFunction<A, B, A> grad(BiFunction<A, B, Tensor> f) {
    return (a, b) -> grad((A x) -> f.apply(x, b)).apply(a);
  }

  /** The gradient with respect to the second argument (argnums=1). */
  public static <A, B> BiFunction<A, B, B> gradSecond(BiFunction<A, B, Tensor> f) {
    return (a, b) -> {
      Autodiff.requireDifferentiable("grad", "argument 1", b);
      return grad((B y) -> f.apply(a, y)).apply(b);
    };
  }

  /** Gradients with respect to both arguments (argnums=(0, 1)). */
  @SuppressWarnings("unchecked")
  public static <A, B> BiFunction<A, B, Grads<A, B>> gradBoth(BiFunction<A, B, Tensor> f) {
    return (a, b) -> {
      Autodiff.requireDifferentiable("grad", "argument 0", a);
      Autodiff.requireDifferentiable("grad", "argument 1", b);
      List<Object> g =
          grad((List<Object> p) -> f.apply((A) p.get(0), (B) p.get(1))).apply(List.of(a, b));
      return new Grads<>((A) g.get(0), (B) g.get(1));
    };
  }

  /** The scalar value and its gradient, from one pass. */
  @SuppressWarnings("unchecked")
  public static <A> Function<A, ValueAndGrad<A>> valueAndGrad(Function<A, Tensor> f) {
    return a -> {
      Autodiff.VjpOutcome o = Autodiff.vjp(x -> f.apply((A) x), a, "grad");
      Tensor y = scalarResult(o.value());
      return new ValueAndGrad<>(y, (A) o.pullback(Tensor.scalar(y.dtype(), 1)));
    };
  }

  /** The gradient of {@code f}'s value, and its auxiliary output passed through (has_aux). */
  @SuppressWarnings("unchecked")
  public static <A, X> Function<A, GradAndAux<A, X>> gradWithAux(Function<A, WithAux<X>> f) {
    return a -> {
      Autodiff.VjpOutcome o =
          Autodiff.vjp(
              x -> {
                WithAux<X> r = f.apply((A) x);
                return List.of(r.value(), List.of(r.aux() == null ? List.of() : r.aux()));
              },
              a,
              "grad");
      List<Object> value = (List<Object>) o.value();
      Tensor y = scalarResult(value.get(0));
      Object aux = ((List<Object>) value.get(1)).get(0);
      Object zeroAux = Tree.map(aux, t -> Tensor.zeros(t.dtype(), t.shape()));
      A g = (A) o.pullback(List.of(Tensor.scalar(y.dtype(), 1), List.of(zeroAux)));
      return new GradAndAux<>(g, (X) (aux instanceof List<?> l && l.isEmpty() ? null : aux));
    };
  }

  private static Tensor scalarResult(Object value) {
    if (!(value instanceof Tensor y) || y.ndim() != 0 || !y.dtype().isFloating()) {
      String what =
          value instanceof Tensor t
              ? t.type().toString()
              : value == null ? "null" : value.getClass().getSimpleName();
      throw new IllegalArgumentException(
          "grad needs a function whose result is a floating scalar (a 0-d tensor), but it"
              + " returned "
              + what
              + "; use vjp or jacrev for non-scalar results, or reduce"
              + " the result (e.g. sum())");
    }
    return y;
  }

  // ---------------------------------------------------------------- Jacobians and Hessians

  /**
   * The Jacobian by reverse mode: one pullback per output element, all at once under vmap. The
   * argument may be any pytree: the result has its structure, each leaf replaced by the Jacobian
   * with respect to it, of shape {@code out.shape ++ leaf.shape} (for a tensor argument: the
   * output's shape followed by the input's).
   */
  public static <A> Function<A, A> jacrev(Function<A, Tensor> f) {
    return jacrev(f, 0);
  }

  /** As {@link #jacrev(Function)}, with the pullbacks evaluated {@code chunkSize} at a time. */
  public static <A> Function<A, A> jacrev(Function<A, Tensor> f, int chunkSize) {
    return a -> {
      Autodiff.requireDifferentiable("jacrev", "argument 0", a);
      return PytreeJacobians.reverse(vjp(f, a), chunkSize);
    };
  }

  /**
   * The Jacobian by forward mode: one tangent per input element, all at once under vmap. Same
   * result (structure and shapes) as {@link #jacrev(Function)}.
   */
  public static <A> Function<A, A> jacfwd(Function<A, Tensor> f) {
    return jacfwd(f, 0);
  }

  /** The Hessian of a scalar function: {@code jacfwd(jacrev(f))}, shape input ++ input. */
  public static Function<Tensor, Tensor> hessian(Function<Tensor, Tensor> f) {
    Function<Tensor, Tensor> h = jacfwd(jacrev(f));
    return x -> {
      Autodiff.requireDifferentiable("hessian", "argument 0", x);
      return h.apply(x);
    };
  }

  // ---------------------------------------------------------------- custom derivatives

  /** A derivative rule for {@link #customVjp} and {@link #customJvp}. */
  @FunctionalInterface
  public interface DerivativeRule {
    /** The cotangent of x (customVjp) or the tangent of y (customJvp), given x, y = f(x) and g. */
    Tensor apply(Tensor x, Tensor y, Tensor g);
  }

  /**
   * {@code f} with a user-supplied reverse-mode derivative: {@code backward.apply(x, y, g)} returns
   * the cotangent of x given y = f(x) and y's cotangent g, written with tensor operations (so it
   * can be differentiated and batched). Forward mode and vmap use f itself. The rule applies when
   * reverse mode is the innermost transform at the call ({@code vmap(grad(...))}, not {@code
   * grad(vmap(...))}, which is an error).
   */
  public static Function<Tensor, Tensor> customVjp(
      Function<Tensor, Tensor> f, DerivativeRule backward) {
    return x -> Autodiff.customVjpCall(f, backward, x);
  }

  /**
   * {@code f} with a user-supplied forward-mode derivative: {@code forward.apply(x, y, t)} returns
   * y's tangent given x's tangent t.
   */
  public static Function<Tensor, Tensor> customJvp(
      Function<Tensor, Tensor> f, DerivativeRule forward) {
    return x -> Autodiff.customJvpCall(f, forward, x);
  }

  // ---------------------------------------------------------------- staging and compilation

  /**
   * The program {@code f} computes at the types (dtypes, shapes, pytree structure) of {@code
   * example}: a typed SSA program that prints readably, serializes ({@code ProgramSerializer}),
   * evaluates under every transform and compiles.
   */
  @SuppressWarnings("unchecked")
  public static <A, R> Program trace(Function<A, R> f, A example) {
    return Staging.trace(args -> f.apply((A) args[0]), new Object[] {example}, "trace").program();
  }

  @SuppressWarnings("unchecked")
  public static <A, B, R> Program trace(BiFunction<A, B, R> f, A a, B b) {
    return Staging.trace(args -> f.apply((A) args[0], (B) args[1]), new Object[] {a, b}, "trace")
        .program();
  }

  /**
   * {@code f}, staged once per input signature, optimized (simplification, common subexpressions,
   * constant folding, dead code), fused into loop kernels, compiled and cached; later calls with
   * the same signature run the compiled code. Composes with every transform in both directions
   * ({@code jit(vmap(grad(f)))}, {@code vmap(jit(f))}, {@code grad(jit(f))}). Java control flow on
   * tensor values is not possible inside (the values do not exist while tracing): use {@code
   * Tensor.where}.
   */
  @SuppressWarnings("unchecked")
  public static <A, R> Function<A, R> jit(Function<A, R> f) {
    Jit compiled = new Jit(args -> f.apply((A) args[0]));
    return a -> (R) compiled.call(new Object[] {a});
  }

  @SuppressWarnings("unchecked")
  public static <A, B, R> BiFunction<A, B, R> jit(BiFunction<A, B, R> f) {
    Jit compiled = new Jit(args -> f.apply((A) args[0], (B) args[1]));
    return (a, b) -> (R) compiled.call(new Object[] {a, b});
  }

  /**
   * {@link #jit(Function)} whose calls take back an earlier result for reuse (JAX's buffer
   * donation): {@code apply(a, previous)} writes into the arrays of {@code previous} (a result of
   * an earlier call on this thread, or null) instead of fresh ones, so a loop that hands each
   * result back allocates no fresh result arrays. {@code previous} must not be read afterwards.
   */
  @SuppressWarnings("unchecked")
  public static <A, R> BiFunction<A, R, R> jitReusing(Function<A, R> f) {
    Jit compiled = new Jit(args -> f.apply((A) args[0]));
    return (a, previous) -> (R) compiled.call(new Object[] {a}, previous);
  }

  /** {@link #jitReusing(Function)} for two arguments: {@code apply(a, b, previous)}. */
  @SuppressWarnings("unchecked")
  public static <A, B, R> Fn3<A, B, R, R> jitReusing(BiFunction<A, B, R> f) {
    Jit compiled = new Jit(args -> f.apply((A) args[0], (B) args[1]));
    return (a, b, previous) -> (R) compiled.call(new Object[] {a, b}, previous);
  }

  /**
   * {@link #jit(Function)} compiled for a chosen backend, e.g. {@code Func.jit(f,
   * Backends.select("gpu"))}; plain {@code jit(f)} uses {@code -Dvmap4j.backend} (default cpu).
   * Inputs and results stay host tensors whatever the backend.
   */
  @SuppressWarnings("unchecked")
  public static <A, R> Function<A, R> jit(Function<A, R> f, Backend backend) {
    Jit compiled = new Jit(args -> f.apply((A) args[0]), backend);
    return a -> (R) compiled.call(new Object[] {a});
  }

  /** {@link #jit(BiFunction)} compiled for a chosen backend. */
  @SuppressWarnings("unchecked")
  public static <A, B, R> BiFunction<A, B, R> jit(BiFunction<A, B, R> f, Backend backend) {
    Jit compiled = new Jit(args -> f.apply((A) args[0], (B) args[1]), backend);
    return (a, b) -> (R) compiled.call(new Object[] {a, b});
  }

  // ---------------------------------------------------------------- structured control flow

  /**
   * {@code predicate ? trueFn(operand) : falseFn(operand)} for a traced predicate: a 0-d BOOL
   * tensor. Both branches take the operand (any pytree) and must return the same pytree structure
   * with the same dtypes and shapes. Both are traced (once each, at the operand's types) into
   * sub-programs of one {@code cond} primitive; only the taken branch runs, except under {@code
   * vmap} with a predicate that differs per example, where both run and each example keeps its own
   * (see docs/core.md, "Control flow"). Differentiable in both modes.
   *
   * @throws IllegalArgumentException if the predicate is not a 0-d BOOL tensor, or the branches
   *     return different structures, dtypes or shapes
   */
  @SuppressWarnings("unchecked")
  public static <A, R> R cond(
      Tensor predicate, Function<A, R> trueFn, Function<A, R> falseFn, A operand) {
    return (R)
        org.vmap4j.transforms.ControlFlow.cond(
            predicate, a -> trueFn.apply((A) a), a -> falseFn.apply((A) a), operand);
  }

  /**
   * {@code carry = bodyFn(carry)} while {@code condFn(carry)} (a 0-d BOOL tensor) holds, starting
   * from {@code init}; returns the final carry. The carry is any pytree; the body must return its
   * structure, dtypes and shapes. One {@code while} primitive however many turns it takes (also
   * inside {@code jit}). Batched under {@code vmap} (examples that finish early keep their carry)
   * and differentiable in forward mode ({@code jvp}, {@code jacfwd}); reverse mode throws and names
   * {@link #scan} with a fixed length or a {@link #customVjp} rule instead.
   */
  @SuppressWarnings("unchecked")
  public static <C> C whileLoop(Function<C, Tensor> condFn, Function<C, C> bodyFn, C init) {
    return (C)
        org.vmap4j.transforms.ControlFlow.whileLoop(
            c -> condFn.apply((C) c), c -> bodyFn.apply((C) c), init);
  }

  /**
   * A loop over the leading dimension of {@code xs} (any pytree; every leaf has the same leading
   * length): {@code step = fn(carry, xs[t])} for t = 0, 1, ..., where {@code step.carry()} is the
   * next carry (same structure, dtypes and shapes as {@code init}) and {@code step.y()} this step's
   * output. Returns the final carry and the ys stacked along a new leading dimension. One {@code
   * scan} primitive whatever the length; batched, and differentiable in both modes (its VJP is a
   * reverse scan over saved carries).
   */
  public static <C, X, Y> ScanResult<C, Y> scan(BiFunction<C, X, ScanStep<C, Y>> fn, C init, X xs) {
    return scan(fn, init, xs, ScanOptions.defaults());
  }

  /**
   * {@link #scan(BiFunction, Object, Object)} with options: {@code reverse}, {@code length} (for
   * null xs, where {@code fn} receives null) and {@code saveEvery} (reverse-mode checkpointing).
   */
  public static <C, X, Y> ScanResult<C, Y> scan(
      BiFunction<C, X, ScanStep<C, Y>> fn, C init, X xs, ScanOptions options) {
    return org.vmap4j.transforms.ControlFlow.scan(fn, init, xs, options);
  }

  // ================================================================ issue 15: more arities,
  // pytree Jacobians, has_aux for vjp and the Jacobians, custom rules for pytree functions.

  // ---------------------------------------------------------------- three and four arguments

  /** Maps a three-argument {@code f} over dimension 0 of every argument. */
  public static <A, B, C, R> Fn3<A, B, C, R> vmap(Fn3<A, B, C, R> f) {
    return vmap(f, VmapOptions.defaults());
  }

  /** {@code vmap(f, InDims.of(null, 0, 0))}: one entry per argument, null for a shared one. */
  public static <A, B, C, R> Fn3<A, B, C, R> vmap(Fn3<A, B, C, R> f, InDims inDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims));
  }

  public static <A, B, C, R> Fn3<A, B, C, R> vmap(
      Fn3<A, B, C, R> f, InDims inDims, OutDims outDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims).outDims(outDims));
  }

  @SuppressWarnings("unchecked")
  public static <A, B, C, R> Fn3<A, B, C, R> vmap(Fn3<A, B, C, R> f, VmapOptions options) {
    return (a, b, c) -> (R) Vmap.call(spread(f), new Object[] {a, b, c}, options);
  }

  /** Maps a four-argument {@code f} over dimension 0 of every argument. */
  public static <A, B, C, D, R> Fn4<A, B, C, D, R> vmap(Fn4<A, B, C, D, R> f) {
    return vmap(f, VmapOptions.defaults());
  }

  public static <A, B, C, D, R> Fn4<A, B, C, D, R> vmap(Fn4<A, B, C, D, R> f, InDims inDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims));
  }

  public static <A, B, C, D, R> Fn4<A, B, C, D, R> vmap(
      Fn4<A, B, C, D, R> f, InDims inDims, OutDims outDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims).outDims(outDims));
  }

  @SuppressWarnings("unchecked")
  public static <A, B, C, D, R> Fn4<A, B, C, D, R> vmap(Fn4<A, B, C, D, R> f, VmapOptions options) {
    return (a, b, c, d) -> (R) Vmap.call(spread(f), new Object[] {a, b, c, d}, options);
  }

  /** The gradient with respect to the first argument; the others are held fixed. */
  @SuppressWarnings("unchecked")
  public static <A, B, C> Fn3<A, B, C, A> grad(Fn3<A, B, C, Tensor> f) {
    return (a, b, c) -> (A) gradAt(spread(f), new Object[] {a, b, c}, 0);
  }

  /** The gradient with respect to the second argument (argnums=1). */
  @SuppressWarnings("unchecked")
  public static <A, B, C> Fn3<A, B, C, B> gradSecond(Fn3<A, B, C, Tensor> f) {
    return (a, b, c) -> (B) gradAt(spread(f), new Object[] {a, b, c}, 1);
  }

  /** The gradient with respect to the third argument (argnums=2). */
  @SuppressWarnings("unchecked")
  public static <A, B, C> Fn3<A, B, C, C> gradThird(Fn3<A, B, C, Tensor> f) {
    return (a, b, c) -> (C) gradAt(spread(f), new Object[] {a, b, c}, 2);
  }

  /** Gradients with respect to all three arguments (argnums=(0, 1, 2)), from one pass. */
  @SuppressWarnings("unchecked")
  public static <A, B, C> Fn3<A, B, C, Grads3<A, B, C>> gradAll(Fn3<A, B, C, Tensor> f) {
    return (a, b, c) -> {
      List<Object> g = gradsAll(spread(f), new Object[] {a, b, c});
      return new Grads3<>((A) g.get(0), (B) g.get(1), (C) g.get(2));
    };
  }

  /** The scalar value and its gradient with respect to the first argument. */
  public static <A, B, C> Fn3<A, B, C, ValueAndGrad<A>> valueAndGrad(Fn3<A, B, C, Tensor> f) {
    return (a, b, c) -> valueAndGrad((A x) -> f.apply(x, b, c)).apply(a);
  }

  /** The gradient with respect to the first argument; the others are held fixed. */
  @SuppressWarnings("unchecked")
  public static <A, B, C, D> Fn4<A, B, C, D, A> grad(Fn4<A, B, C, D, Tensor> f) {
    return (a, b, c, d) -> (A) gradAt(spread(f), new Object[] {a, b, c, d}, 0);
  }

  /** The gradient with respect to the second argument (argnums=1). */
  @SuppressWarnings("unchecked")
  public static <A, B, C, D> Fn4<A, B, C, D, B> gradSecond(Fn4<A, B, C, D, Tensor> f) {
    return (a, b, c, d) -> (B) gradAt(spread(f), new Object[] {a, b, c, d}, 1);
  }

  /** The gradient with respect to the third argument (argnums=2). */
  @SuppressWarnings("unchecked")
  public static <A, B, C, D> Fn4<A, B, C, D, C> gradThird(Fn4<A, B, C, D, Tensor> f) {
    return (a, b, c, d) -> (C) gradAt(spread(f), new Object[] {a, b, c, d}, 2);
  }

  /** The gradient with respect to the fourth argument (argnums=3). */
  @SuppressWarnings("unchecked")
  public static <A, B, C, D> Fn4<A, B, C, D, D> gradFourth(Fn4<A, B, C, D, Tensor> f) {
    return (a, b, c, d) -> (D) gradAt(spread(f), new Object[] {a, b, c, d}, 3);
  }

  /** Gradients with respect to all four arguments (argnums=(0, 1, 2, 3)), from one pass. */
  @SuppressWarnings("unchecked")
  public static <A, B, C, D> Fn4<A, B, C, D, Grads4<A, B, C, D>> gradAll(
      Fn4<A, B, C, D, Tensor> f) {
    return (a, b, c, d) -> {
      List<Object> g = gradsAll(spread(f), new Object[] {a, b, c, d});
      return new Grads4<>((A) g.get(0), (B) g.get(1), (C) g.get(2), (D) g.get(3));
    };
  }

  /** The scalar value and its gradient with respect to the first argument. */
  public static <A, B, C, D> Fn4<A, B, C, D, ValueAndGrad<A>> valueAndGrad(
      Fn4<A, B, C, D, Tensor> f) {
    return (a, b, c, d) -> valueAndGrad((A x) -> f.apply(x, b, c, d)).apply(a);
  }

  /** {@link #jit(Function)} for three arguments. */
  public static <A, B, C, R> Fn3<A, B, C, R> jit(Fn3<A, B, C, R> f) {
    return jitted(new Jit(spread(f)));
  }

  /** {@link #jit(Function, Backend)} for three arguments. */
  public static <A, B, C, R> Fn3<A, B, C, R> jit(Fn3<A, B, C, R> f, Backend backend) {
    return jitted(new Jit(spread(f), backend));
  }

  /** {@link #jit(Function)} for four arguments. */
  public static <A, B, C, D, R> Fn4<A, B, C, D, R> jit(Fn4<A, B, C, D, R> f) {
    return jitted4(new Jit(spread(f)));
  }

  /** {@link #jit(Function, Backend)} for four arguments. */
  public static <A, B, C, D, R> Fn4<A, B, C, D, R> jit(Fn4<A, B, C, D, R> f, Backend backend) {
    return jitted4(new Jit(spread(f), backend));
  }

  /** {@link #trace(Function, Object)} for three arguments. */
  public static <A, B, C, R> Program trace(Fn3<A, B, C, R> f, A a, B b, C c) {
    return Staging.trace(spread(f), new Object[] {a, b, c}, "trace").program();
  }

  /** {@link #trace(Function, Object)} for four arguments. */
  public static <A, B, C, D, R> Program trace(Fn4<A, B, C, D, R> f, A a, B b, C c, D d) {
    return Staging.trace(spread(f), new Object[] {a, b, c, d}, "trace").program();
  }

  /** {@code f} as a function of the argument array, which is what the transforms run. */
  @SuppressWarnings("unchecked")
  private static <A, B, C, R> Function<Object[], Object> spread(Fn3<A, B, C, R> f) {
    return args -> f.apply((A) args[0], (B) args[1], (C) args[2]);
  }

  @SuppressWarnings("unchecked")
  private static <A, B, C, D, R> Function<Object[], Object> spread(Fn4<A, B, C, D, R> f) {
    return args -> f.apply((A) args[0], (B) args[1], (C) args[2], (D) args[3]);
  }

  @SuppressWarnings("unchecked")
  private static <A, B, C, R> Fn3<A, B, C, R> jitted(Jit compiled) {
    return (a, b, c) -> (R) compiled.call(new Object[] {a, b, c});
  }

  @SuppressWarnings("unchecked")
  private static <A, B, C, D, R> Fn4<A, B, C, D, R> jitted4(Jit compiled) {
    return (a, b, c, d) -> (R) compiled.call(new Object[] {a, b, c, d});
  }

  /** The gradient of {@code f} with respect to argument {@code argnum}, the others held fixed. */
  private static Object gradAt(Function<Object[], Object> f, Object[] args, int argnum) {
    return grad((Object x) -> {
          Object[] all = args.clone();
          all[argnum] = x;
          return (Tensor) f.apply(all);
        })
        .apply(args[argnum]);
  }

  /** The gradients of {@code f} with respect to every argument, from one pass. */
  private static List<Object> gradsAll(Function<Object[], Object> f, Object[] args) {
    return grad((List<Object> all) -> (Tensor) f.apply(all.toArray())).apply(Arrays.asList(args));
  }

  // ---------------------------------------------------------------- Jacobians of pytrees

  /** As {@link #jacfwd(Function)}, with the tangents evaluated {@code chunkSize} at a time. */
  public static <A> Function<A, A> jacfwd(Function<A, Tensor> f, int chunkSize) {
    return a -> {
      Autodiff.requireDifferentiable("jacfwd", "argument 0", a);
      return PytreeJacobians.forward(f, a, chunkSize);
    };
  }

  /** The Jacobian with respect to the first argument (reverse mode); the second is held fixed. */
  public static <A, B> BiFunction<A, B, A> jacrev(BiFunction<A, B, Tensor> f) {
    return (a, b) -> jacrev((A x) -> f.apply(x, b)).apply(a);
  }

  /** The Jacobian with respect to the second argument (argnums=1), reverse mode. */
  public static <A, B> BiFunction<A, B, B> jacrevSecond(BiFunction<A, B, Tensor> f) {
    return (a, b) -> jacrev((B y) -> f.apply(a, y)).apply(b);
  }

  /** The Jacobians with respect to both arguments (argnums=(0, 1)), reverse mode, one pass. */
  @SuppressWarnings("unchecked")
  public static <A, B> BiFunction<A, B, Grads<A, B>> jacrevBoth(BiFunction<A, B, Tensor> f) {
    return (a, b) -> {
      List<Object> j =
          jacrev((List<Object> p) -> f.apply((A) p.get(0), (B) p.get(1))).apply(List.of(a, b));
      return new Grads<>((A) j.get(0), (B) j.get(1));
    };
  }

  /** The Jacobian with respect to the first argument (forward mode); the second is held fixed. */
  public static <A, B> BiFunction<A, B, A> jacfwd(BiFunction<A, B, Tensor> f) {
    return (a, b) -> jacfwd((A x) -> f.apply(x, b)).apply(a);
  }

  /** The Jacobian with respect to the second argument (argnums=1), forward mode. */
  public static <A, B> BiFunction<A, B, B> jacfwdSecond(BiFunction<A, B, Tensor> f) {
    return (a, b) -> jacfwd((B y) -> f.apply(a, y)).apply(b);
  }

  /** The Jacobians with respect to both arguments (argnums=(0, 1)), forward mode, one pass. */
  @SuppressWarnings("unchecked")
  public static <A, B> BiFunction<A, B, Grads<A, B>> jacfwdBoth(BiFunction<A, B, Tensor> f) {
    return (a, b) -> {
      List<Object> j =
          jacfwd((List<Object> p) -> f.apply((A) p.get(0), (B) p.get(1))).apply(List.of(a, b));
      return new Grads<>((A) j.get(0), (B) j.get(1));
    };
  }

  // ---------------------------------------------------------------- auxiliary outputs (has_aux)

  /**
   * {@link #vjp} of a function that returns {@code new WithAux<>(value, aux)}: the pullback of the
   * value (a tensor of any shape), and the aux passed through undifferentiated.
   */
  @SuppressWarnings("unchecked")
  public static <A, X> VjpAndAux<A, X> vjpWithAux(Function<A, WithAux<X>> f, A primal) {
    Autodiff.VjpOutcome o = Autodiff.vjp(x -> AuxOutputs.pack(f.apply((A) x)), primal, "vjp");
    Object packed = o.value();
    Tensor y = PytreeJacobians.tensorValue(AuxOutputs.value(packed), "vjpWithAux");
    Vjp<A, Tensor> v = new Vjp<>(y, ct -> o.pullback(AuxOutputs.cotangent((Tensor) ct, packed)));
    return new VjpAndAux<>(v, (X) AuxOutputs.aux(packed));
  }

  /** {@link #jacrev(Function)} of the value of a function with an aux output (has_aux). */
  public static <A, X> Function<A, JacobianAndAux<A, X>> jacrevWithAux(Function<A, WithAux<X>> f) {
    return jacrevWithAux(f, 0);
  }

  /** As {@link #jacrevWithAux(Function)}, with the pullbacks evaluated in chunks. */
  public static <A, X> Function<A, JacobianAndAux<A, X>> jacrevWithAux(
      Function<A, WithAux<X>> f, int chunkSize) {
    return a -> {
      VjpAndAux<A, X> v = vjpWithAux(f, a);
      return new JacobianAndAux<>(
          PytreeJacobians.reverse(v::pullback, v.value(), chunkSize), v.aux());
    };
  }

  /** {@link #jacfwd(Function)} of the value of a function with an aux output (has_aux). */
  public static <A, X> Function<A, JacobianAndAux<A, X>> jacfwdWithAux(Function<A, WithAux<X>> f) {
    return jacfwdWithAux(f, 0);
  }

  /** As {@link #jacfwdWithAux(Function)}, with the tangents evaluated in chunks. */
  public static <A, X> Function<A, JacobianAndAux<A, X>> jacfwdWithAux(
      Function<A, WithAux<X>> f, int chunkSize) {
    return a -> PytreeJacobians.forwardWithAux(f, a, chunkSize);
  }

  // ---------------------------------------------------------------- custom rules for pytrees

  /** A reverse-mode rule for {@link #customVjpPytree}: the argument's cotangent. */
  @FunctionalInterface
  public interface PytreeVjpRule<A, R> {
    /** The cotangent of x (x's structure and shapes), given x, y = f(x) and y's cotangent g. */
    A apply(A x, R y, R g);
  }

  /** A forward-mode rule for {@link #customJvpPytree}: the result's tangent. */
  @FunctionalInterface
  public interface PytreeJvpRule<A, R> {
    /** The tangent of y (y's structure and shapes), given x, y = f(x) and x's tangent t. */
    R apply(A x, R y, A t);
  }

  /**
   * {@link #customVjp} for a function of a pytree (a record, a List, a Map...) with a pytree
   * result: {@code backward.apply(x, y, g)} returns the cotangent of x, with x's structure, given y
   * = f(x) and the cotangent g of y (y's structure; zeros for leaves that received none). Same
   * rules of use as {@code customVjp}: it applies when reverse mode is the innermost transform at
   * the call.
   */
  @SuppressWarnings("unchecked")
  public static <A, R> Function<A, R> customVjpPytree(
      Function<A, R> f, PytreeVjpRule<A, R> backward) {
    return x ->
        (R)
            PytreeCustomRules.vjpCall(
                p -> f.apply((A) p), (p, y, g) -> backward.apply((A) p, (R) y, (R) g), x);
  }

  /**
   * {@link #customJvp} for a function of a pytree with a pytree result: {@code forward.apply(x, y,
   * t)} returns y's tangent (y's structure) given x's tangent t (x's structure; zeros for leaves
   * without one).
   */
  @SuppressWarnings("unchecked")
  public static <A, R> Function<A, R> customJvpPytree(
      Function<A, R> f, PytreeJvpRule<A, R> forward) {
    return x ->
        (R)
            PytreeCustomRules.jvpCall(
                p -> f.apply((A) p), (p, y, t) -> forward.apply((A) p, (R) y, (A) t), x);
  }
}
