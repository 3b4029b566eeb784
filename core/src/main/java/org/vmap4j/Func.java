package org.vmap4j;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.backend.Backend;
import org.vmap4j.compiler.Jit;
import org.vmap4j.core.BatchRules;
import org.vmap4j.core.Shapes;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Autodiff;
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
   * The Jacobian by reverse mode: one pullback per output element, all at once under vmap. Shape:
   * the output's shape followed by the input's.
   */
  public static Function<Tensor, Tensor> jacrev(Function<Tensor, Tensor> f) {
    return jacrev(f, 0);
  }

  /** As {@link #jacrev(Function)}, with the pullbacks evaluated {@code chunkSize} at a time. */
  public static Function<Tensor, Tensor> jacrev(Function<Tensor, Tensor> f, int chunkSize) {
    return x -> {
      Autodiff.requireDifferentiable("jacrev", "argument 0", x);
      Vjp<Tensor, Tensor> v = vjp(f, x);
      Tensor y = v.value();
      int m = y.size();
      Tensor basis = Tensor.eye(y.dtype(), m).reshape(Shapes.concat(new int[] {m}, y.shape()));
      Tensor rows = vmap(v::pullback, VmapOptions.defaults().chunkSize(chunkSize)).apply(basis);
      return rows.reshape(Shapes.concat(y.shape(), x.shape()));
    };
  }

  /**
   * The Jacobian by forward mode: one tangent per input element, all at once under vmap. Shape: the
   * output's shape followed by the input's.
   */
  public static Function<Tensor, Tensor> jacfwd(Function<Tensor, Tensor> f) {
    return x -> {
      Autodiff.requireDifferentiable("jacfwd", "argument 0", x);
      int n = x.size();
      Tensor basis = Tensor.eye(x.dtype(), n).reshape(Shapes.concat(new int[] {n}, x.shape()));
      Tensor columns = vmap((Tensor t) -> jvp(f, x, t).tangent()).apply(basis);
      int[] outShape = Shapes.select(columns.shape(), Shapes.range(1, columns.ndim()));
      Tensor moved = BatchRules.moveAxis(columns, 0, columns.ndim() - 1);
      return moved.reshape(Shapes.concat(outShape, x.shape()));
    };
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
  public interface DerivativeRule extends Autodiff.CustomRule {}

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
}
