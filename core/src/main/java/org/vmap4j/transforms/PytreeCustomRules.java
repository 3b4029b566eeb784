package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.interpreter.Trace;
import org.vmap4j.interpreter.Tracer;

/**
 * User-supplied derivatives for functions of pytrees ({@code Func.customVjpPytree}, {@code
 * Func.customJvpPytree}): the pytree counterpart of {@link Autodiff#customVjpCall} and {@link
 * Autodiff#customJvpCall}. The rule takes effect when its mode is the innermost transform among the
 * argument's leaves; a rule hidden under another transform is an error, as for tensors.
 */
public final class PytreeCustomRules {
  private PytreeCustomRules() {}

  /** A derivative rule on whole pytrees: {@code (x, y, g)} to x's cotangent or y's tangent. */
  @FunctionalInterface
  public interface Rule {
    Object apply(Object x, Object y, Object g);
  }

  /**
   * Applies {@code f} to {@code x}; when reverse mode differentiates some leaf of x at the
   * innermost level, f runs one level down and one tape step (backed by {@code backward}) replaces
   * its derivative.
   */
  public static Object vjpCall(Function<Object, Object> f, Rule backward, Object x) {
    Tree.Flat in = Tree.flatten(x);
    Trace top = innermost(in.leaves());
    if (!(top instanceof ReverseTrace trace) || !anyActive(in.leaves(), top)) {
      requireNoHiddenLevels(in.leaves(), ReverseTracer.class, "customVjpPytree", "grad/vjp");
      return f.apply(x);
    }
    int n = in.leaves().size();
    List<Tensor> primals = new ArrayList<>(n);
    int[] inSlots = new int[n];
    for (int i = 0; i < n; i++) {
      Tensor leaf = in.leaves().get(i);
      inSlots[i] = -1;
      if (leaf instanceof ReverseTracer rt && rt.trace().main() == top.main()) {
        primals.add(rt.primal());
        inSlots[i] = Tangents.differentiable(rt.primal().dtype()) ? rt.slot() : -1;
      } else {
        primals.add(leaf);
      }
    }
    Tree.Flat primalFlat = new Tree.Flat(primals, in.def());
    Object xp = in.def().unflatten(primals);
    Object y = f.apply(xp);
    Tree.Flat out = Tree.flatten(y);
    int[] outSlots = new int[out.leaves().size()];
    List<Tensor> wrapped = new ArrayList<>();
    for (int i = 0; i < outSlots.length; i++) {
      Tensor leaf = out.leaves().get(i);
      outSlots[i] = -1;
      if (Tangents.differentiable(leaf.dtype())) {
        ReverseTracer r = trace.active(leaf);
        outSlots[i] = r.slot();
        wrapped.add(r);
      } else {
        wrapped.add(leaf);
      }
    }
    trace
        .tape()
        .record(
            inSlots,
            outSlots,
            cts -> {
              List<Tensor> g = new ArrayList<>(cts.length);
              for (int i = 0; i < cts.length; i++) {
                Tensor yi = out.leaves().get(i);
                g.add(cts[i] != null ? cts[i] : Tensor.zeros(yi.dtype(), yi.shape()));
              }
              Tree.Flat gx = Tree.flatten(backward.apply(xp, y, out.def().unflatten(g)));
              Autodiff.checkSameStructure(
                  "customVjpPytree", "cotangent its rule returned", primalFlat, gx);
              return gx.leaves().toArray(new Tensor[0]);
            });
    return out.def().unflatten(wrapped);
  }

  /**
   * Applies {@code f} to {@code x}; when forward mode carries a tangent on some leaf of x at the
   * innermost level, f runs one level down and {@code forward} gives the result's tangents.
   */
  public static Object jvpCall(Function<Object, Object> f, Rule forward, Object x) {
    Tree.Flat in = Tree.flatten(x);
    Trace top = innermost(in.leaves());
    if (!(top instanceof JvpTrace trace) || !anyActive(in.leaves(), top)) {
      requireNoHiddenLevels(in.leaves(), JvpTracer.class, "customJvpPytree", "jvp/jacfwd");
      return f.apply(x);
    }
    List<Tensor> primals = new ArrayList<>();
    List<Tensor> tangents = new ArrayList<>();
    for (Tensor leaf : in.leaves()) {
      if (leaf instanceof JvpTracer jt && jt.trace().main() == top.main()) {
        primals.add(jt.primal());
        tangents.add(
            jt.tangent() != null
                ? jt.tangent()
                : Tensor.zeros(jt.primal().dtype(), jt.primal().shape()));
      } else {
        primals.add(leaf);
        tangents.add(Tensor.zeros(leaf.dtype(), leaf.shape()));
      }
    }
    Object xp = in.def().unflatten(primals);
    Object y = f.apply(xp);
    Tree.Flat out = Tree.flatten(y);
    Tree.Flat ty = Tree.flatten(forward.apply(xp, y, in.def().unflatten(tangents)));
    Autodiff.checkSameStructure("customJvpPytree", "tangent its rule returned", out, ty);
    List<Tensor> wrapped = new ArrayList<>();
    for (int i = 0; i < out.leaves().size(); i++) {
      Tensor yi = out.leaves().get(i);
      wrapped.add(
          Tangents.differentiable(yi.dtype())
              ? trace.withTangent(yi, ty.leaves().get(i).astype(yi.dtype()))
              : yi);
    }
    return out.def().unflatten(wrapped);
  }

  /** The trace of the highest level among the leaves, as {@code bind} would choose; or null. */
  private static Trace innermost(List<Tensor> leaves) {
    Trace top = null;
    for (Tensor t : leaves) {
      if (t instanceof Tracer tracer && (top == null || tracer.trace().level() > top.level())) {
        top = tracer.trace();
      }
    }
    return top;
  }

  /** Whether some leaf of {@code top}'s level carries a derivative. */
  private static boolean anyActive(List<Tensor> leaves, Trace top) {
    for (Tensor t : leaves) {
      if (t instanceof DifferentiatedTracer d
          && d.trace().main() == top.main()
          && d.hasDerivative()) {
        return true;
      }
    }
    return false;
  }

  private static void requireNoHiddenLevels(
      List<Tensor> leaves, Class<? extends Tracer> kind, String hook, String transform) {
    for (Tensor leaf : leaves) {
      Autodiff.requireNoHiddenLevel(leaf, kind, hook, transform);
    }
  }
}
