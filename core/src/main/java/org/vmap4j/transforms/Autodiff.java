package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.vmap4j.Func.DerivativeRule;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.MainTrace;
import org.vmap4j.interpreter.Tangents;
import org.vmap4j.interpreter.Tracer;

/**
 * Runs functions under the differentiation interpreters. {@code Func.jvp}, {@code Func.vjp}, {@code
 * Func.grad} and the Jacobians are its public faces.
 */
public final class Autodiff {
  private Autodiff() {}

  /** Primal and tangent results of a forward-mode pass, as flat leaves with their structure. */
  public record JvpOutcome(Object value, Object tangent) {}

  public static JvpOutcome jvp(Function<Object, Object> f, Object primal, Object tangent) {
    requireDifferentiable("jvp", "argument 0", primal);
    return jvpWithIntegerLeaves(f, primal, tangent);
  }

  /**
   * As {@link #jvp}, but integer and BOOL leaves are allowed and simply get no tangent: for the
   * transforms of sub-programs (a loop's carry may hold an integer counter), where the user did not
   * ask to differentiate with respect to them.
   */
  public static JvpOutcome jvpWithIntegerLeaves(
      Function<Object, Object> f, Object primal, Object tangent) {
    Tree.Flat p = Tree.flatten(primal);
    Tree.Flat t = Tree.flatten(tangent);
    checkSameStructure("jvp", "tangent", p, t);
    try (Interpreters.Level level = Interpreters.push("jvp", JvpTrace::new)) {
      MainTrace main = level.main();
      main.noteInputs(p.leaves());
      JvpTrace trace = (JvpTrace) main.newTrace();
      List<Tensor> wrapped = new ArrayList<>();
      for (int i = 0; i < p.leaves().size(); i++) {
        Tensor x = p.leaves().get(i);
        Tensor dx = Tangents.differentiable(x.dtype()) ? t.leaves().get(i).astype(x.dtype()) : null;
        wrapped.add(trace.withTangent(x, dx));
      }
      Tree.Flat out = Tree.flatten(f.apply(p.def().unflatten(wrapped)));
      List<Tensor> values = new ArrayList<>();
      List<Tensor> tangents = new ArrayList<>();
      for (Tensor leaf : out.leaves()) {
        Tensor value = leaf;
        Tensor dv = null;
        if (leaf instanceof JvpTracer jt && jt.trace().main() == main) {
          value = jt.primal();
          dv = jt.tangent();
        }
        values.add(value);
        tangents.add(dv != null ? dv : Tensor.zeros(value.dtype(), value.shape()));
      }
      return new JvpOutcome(out.def().unflatten(values), out.def().unflatten(tangents));
    }
  }

  /**
   * A reverse-mode pass: the primal results and a pullback from result cotangents to argument
   * cotangents, which can be called many times (and under vmap, for a whole Jacobian).
   */
  public static final class VjpOutcome {
    private final Object value;
    private final Tree.Flat valueFlat;
    private final int[] outSlots;
    private final Tape tape;
    private final Tree.Flat inputs;
    private final int[] inSlots;

    private VjpOutcome(
        Object value,
        Tree.Flat valueFlat,
        int[] outSlots,
        Tape tape,
        Tree.Flat inputs,
        int[] inSlots) {
      this.value = value;
      this.valueFlat = valueFlat;
      this.outSlots = outSlots;
      this.tape = tape;
      this.inputs = inputs;
      this.inSlots = inSlots;
    }

    public Object value() {
      return value;
    }

    public Object pullback(Object cotangent) {
      Tree.Flat ct = Tree.flatten(cotangent);
      checkSameStructure("vjp pullback", "cotangent", valueFlat, ct);
      Map<Integer, Tensor> seed = new HashMap<>();
      for (int i = 0; i < outSlots.length; i++) {
        if (outSlots[i] >= 0) {
          Tensor v = valueFlat.leaves().get(i);
          seed.merge(outSlots[i], ct.leaves().get(i).astype(v.dtype()), Tangents::add);
        }
      }
      Tensor[] grads = tape.backward(seed, inSlots);
      List<Tensor> out = new ArrayList<>();
      for (int i = 0; i < grads.length; i++) {
        Tensor x = inputs.leaves().get(i);
        out.add(grads[i] != null ? grads[i] : Tensor.zeros(x.dtype(), x.shape()));
      }
      return inputs.def().unflatten(out);
    }
  }

  public static VjpOutcome vjp(Function<Object, Object> f, Object primal, String transformName) {
    requireDifferentiable(transformName, "argument 0", primal);
    return vjpWithIntegerLeaves(f, primal, transformName);
  }

  /**
   * As {@link #vjp}, allowing integer and BOOL leaves (they get no cotangent): for sub-programs.
   */
  public static VjpOutcome vjpWithIntegerLeaves(
      Function<Object, Object> f, Object primal, String transformName) {
    Tree.Flat in = Tree.flatten(primal);
    Tape tape = new Tape();
    try (Interpreters.Level level =
        Interpreters.push(transformName, main -> new ReverseTrace(main, tape))) {
      MainTrace main = level.main();
      main.noteInputs(in.leaves());
      ReverseTrace trace = (ReverseTrace) main.newTrace();
      List<Tensor> wrapped = new ArrayList<>();
      int[] inSlots = new int[in.leaves().size()];
      for (int i = 0; i < inSlots.length; i++) {
        Tensor x = in.leaves().get(i);
        if (Tangents.differentiable(x.dtype())) {
          ReverseTracer r = trace.active(x);
          inSlots[i] = r.slot();
          wrapped.add(r);
        } else {
          inSlots[i] = -1;
          wrapped.add(x);
        }
      }
      Tree.Flat out = Tree.flatten(f.apply(in.def().unflatten(wrapped)));
      List<Tensor> values = new ArrayList<>();
      int[] outSlots = new int[out.leaves().size()];
      for (int i = 0; i < outSlots.length; i++) {
        Tensor leaf = out.leaves().get(i);
        outSlots[i] = -1;
        if (leaf instanceof ReverseTracer rt && rt.trace().main() == main) {
          values.add(rt.primal());
          outSlots[i] = rt.slot();
        } else {
          values.add(leaf);
        }
      }
      Object value = out.def().unflatten(values);
      return new VjpOutcome(value, Tree.flatten(value), outSlots, tape, in, inSlots);
    }
  }

  /**
   * The one check that an input about to be differentiated can be: every leaf of {@code tree} must
   * be floating. Integer and BOOL values carry no derivative, so differentiating with respect to
   * one would silently give zeros; JAX and PyTorch refuse too. Every differentiating entry point
   * calls it (grad, valueAndGrad, gradWithAux, vjp, jvp, jacrev, jacfwd, hessian), and callers
   * outside core that differentiate on a user's behalf (the Spark connector's per-sample gradients
   * and Jacobians) call it with their own name for the input, e.g. {@code "column 'features'"}.
   * Inputs that are not differentiated (a loss's integer labels) are never checked.
   *
   * @param transform the transform the user called, first in the message
   * @param argument how the user knows the input ("argument 1", "column 'x'"); each offending
   *     leaf's path inside it ({@code .w}, {@code [0]}) follows
   * @throws IllegalArgumentException naming the input, the leaf path, its dtype and shape, and the
   *     fix
   */
  public static void requireDifferentiable(String transform, String argument, Object tree) {
    Tree.Flat flat = Tree.flatten(tree);
    List<String> paths = flat.def().leafPaths();
    for (int i = 0; i < paths.size(); i++) {
      Tensor leaf = flat.leaves().get(i);
      if (Tangents.differentiable(leaf.dtype())) {
        continue;
      }
      String where = paths.get(i).isEmpty() ? argument : argument + " " + paths.get(i);
      throw new IllegalArgumentException(
          transform
              + ": cannot differentiate with respect to "
              + where
              + ", a tensor of dtype "
              + leaf.dtype().name()
              + " and shape "
              + java.util.Arrays.toString(leaf.shape())
              + ": integer and bool values have no derivative. Convert it to floating first"
              + " (x.astype(DType.F64), or F32), or pass it as an argument that is not"
              + " differentiated (e.g. integer labels as grad's second argument)");
    }
  }

  /**
   * Applies {@code f} to {@code x}, replacing its reverse-mode derivative with {@code backward}
   * when x is being differentiated in reverse mode at the innermost level.
   */
  public static Tensor customVjpCall(
      Function<Tensor, Tensor> f, DerivativeRule backward, Tensor x) {
    if (x instanceof ReverseTracer rt && rt.slot() >= 0) {
      Tensor xp = rt.primal();
      Tensor y = f.apply(xp);
      ReverseTrace trace = (ReverseTrace) rt.trace();
      ReverseTracer out = trace.active(y);
      trace
          .tape()
          .record(
              new int[] {rt.slot()},
              new int[] {out.slot()},
              cts -> new Tensor[] {backward.apply(xp, y, cts[0])});
      return out;
    }
    requireNoHiddenLevel(x, ReverseTracer.class, "customVjp", "grad/vjp");
    return f.apply(x);
  }

  /** As {@link #customVjpCall}, for forward mode: {@code forward} gives y's tangent. */
  public static Tensor customJvpCall(Function<Tensor, Tensor> f, DerivativeRule forward, Tensor x) {
    if (x instanceof JvpTracer jt && jt.tangent() != null) {
      Tensor xp = jt.primal();
      Tensor y = f.apply(xp);
      return ((JvpTrace) jt.trace()).withTangent(y, forward.apply(xp, y, jt.tangent()));
    }
    requireNoHiddenLevel(x, JvpTracer.class, "customJvp", "jvp/jacfwd");
    return f.apply(x);
  }

  /**
   * A custom rule only takes effect when its transform is the innermost one at the call; when it is
   * hidden under another transform (e.g. grad of a vmap that calls the custom function) the rule
   * would be silently skipped, so that is an error instead.
   */
  static void requireNoHiddenLevel(
      Tensor x, Class<? extends Tracer> kind, String hook, String transform) {
    Tensor t = x;
    while (t instanceof Tracer) {
      if (kind.isInstance(t) && t != x) {
        throw new UnsupportedOperationException(
            hook
                + " is called under "
                + ((Tracer) x).trace().main().transformName()
                + " inside "
                + transform
                + "; the custom rule applies only when "
                + transform
                + " is the innermost transform at the call (e.g. vmap(grad(f)) rather than"
                + " grad(vmap(f)))");
      }
      if (t instanceof BatchTracer b) {
        t = b.value();
      } else if (t instanceof JvpTracer j) {
        t = j.primal();
      } else if (t instanceof ReverseTracer r) {
        t = r.primal();
      } else {
        break;
      }
    }
  }

  static void checkSameStructure(String op, String what, Tree.Flat primal, Tree.Flat other) {
    TreeDef a = primal.def();
    TreeDef b = other.def();
    if (!a.equals(b)) {
      throw new IllegalArgumentException(
          op + ": the " + what + " has structure " + b + " but must match " + a);
    }
    for (int i = 0; i < primal.leaves().size(); i++) {
      Tensor p = primal.leaves().get(i);
      Tensor o = other.leaves().get(i);
      if (!java.util.Arrays.equals(p.shape(), o.shape())) {
        throw new IllegalArgumentException(
            op
                + ": leaf "
                + i
                + " of the "
                + what
                + " is "
                + o.type()
                + " but the value there is "
                + p.type());
      }
    }
  }
}
