package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanResult;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.ir.Program;
import org.vmap4j.prim.Cond;
import org.vmap4j.prim.Scan;
import org.vmap4j.prim.While;

/**
 * The user-facing side of {@code Func.cond}, {@code Func.whileLoop} and {@code Func.scan}: traces
 * the user's Java functions into closed sub-programs (values they capture from enclosing transforms
 * become extra operands), checks that structures and types agree, and binds the control-flow
 * primitive, so every transform sees one primitive and applies its rules.
 */
public final class ControlFlow {
  private ControlFlow() {}

  public static Object cond(
      Tensor predicate,
      Function<Object, Object> whenTrue,
      Function<Object, Object> whenFalse,
      Object operand) {
    if (predicate == null || predicate.dtype() != DType.BOOL || predicate.ndim() != 0) {
      throw new IllegalArgumentException(
          "cond: the predicate must be a 0-d BOOL tensor, got "
              + (predicate == null ? "null" : predicate.type().toString())
              + "; reduce it to one boolean (e.g. x.sum().gt(0)), or for a choice per element"
              + " use Tensor.where");
    }
    Staging.Traced t = Staging.trace(a -> whenTrue.apply(a[0]), new Object[] {operand}, "cond");
    Staging.Traced f = Staging.trace(a -> whenFalse.apply(a[0]), new Object[] {operand}, "cond");
    if (!t.resultDef().equals(f.resultDef())) {
      throw new IllegalArgumentException(
          "cond: the true branch returns the structure "
              + t.resultDef()
              + " but the false branch returns "
              + f.resultDef()
              + "; both branches must return the same pytree structure");
    }
    List<TensorType> tOut = t.program().outputTypes();
    List<TensorType> fOut = f.program().outputTypes();
    for (int i = 0; i < tOut.size(); i++) {
      if (!tOut.get(i).equals(fOut.get(i))) {
        throw new IllegalArgumentException(
            "cond: result leaf "
                + i
                + " is "
                + tOut.get(i)
                + " in the true branch but "
                + fOut.get(i)
                + " in the false branch; both branches must return the same dtypes and shapes"
                + " (convert with astype, or broadcast)");
      }
    }
    List<Tensor> operands = Tree.leaves(operand);
    int n = operands.size();
    // Both branches take the operands and the values either of them captured.
    Program tp =
        SubPrograms.withUnusedInputs(t.program(), types(f.captured()), n + t.captured().size());
    Program fp = SubPrograms.withUnusedInputs(f.program(), types(t.captured()), n);
    List<Tensor> in = new ArrayList<>();
    in.add(predicate);
    in.addAll(operands);
    in.addAll(t.captured());
    in.addAll(f.captured());
    Tensor[] out = Interpreters.bind(Cond.COND, Cond.params(tp, fp), in.toArray(new Tensor[0]));
    return t.resultDef().unflatten(Arrays.asList(out));
  }

  public static Object whileLoop(
      Function<Object, Object> condFn, Function<Object, Object> bodyFn, Object init) {
    Tree.Flat carry = Tree.flatten(init);
    Staging.Traced c = Staging.trace(a -> condFn.apply(a[0]), new Object[] {init}, "whileLoop");
    List<TensorType> cOut = c.program().outputTypes();
    if (c.resultDef().kind() != TreeDef.Kind.LEAF
        || cOut.get(0).dtype() != DType.BOOL
        || cOut.get(0).ndim() != 0) {
      throw new IllegalArgumentException(
          "whileLoop: the condition must return a 0-d BOOL tensor, but it returns "
              + (c.resultDef().kind() == TreeDef.Kind.LEAF ? cOut.get(0) : c.resultDef())
              + "; reduce it to one boolean (e.g. err.abs().max().gt(tol))");
    }
    Staging.Traced b = Staging.trace(a -> bodyFn.apply(a[0]), new Object[] {init}, "whileLoop");
    checkCarry("whileLoop: the body", b.resultDef(), b.program().outputTypes(), carry);
    List<Tensor> in = new ArrayList<>(carry.leaves());
    in.addAll(c.captured());
    in.addAll(b.captured());
    Tensor[] out =
        Interpreters.bind(
            While.WHILE, While.params(c.program(), b.program()), in.toArray(new Tensor[0]));
    return carry.def().unflatten(Arrays.asList(out));
  }

  public static <C, X, Y> ScanResult<C, Y> scan(
      BiFunction<C, X, ScanStep<C, Y>> fn, C init, X xs, ScanOptions options) {
    Tree.Flat carry = Tree.flatten(init);
    Tree.Flat xsFlat = Tree.flatten(xs);
    int length = options.length();
    List<TensorType> sliceTypes = new ArrayList<>();
    for (int i = 0; i < xsFlat.leaves().size(); i++) {
      TensorType t = xsFlat.leaves().get(i).type();
      if (t.ndim() == 0) {
        throw new IllegalArgumentException(
            "scan: xs leaf "
                + i
                + " is a 0-d tensor; every xs leaf needs a leading dimension to scan");
      }
      if (length < 0) {
        length = t.shape()[0];
      } else if (t.shape()[0] != length) {
        throw new IllegalArgumentException(
            "scan: xs leaf "
                + i
                + " is "
                + t
                + " but the scan has length "
                + length
                + " (from "
                + (options.length() >= 0 ? "ScanOptions.length" : "xs leaf 0")
                + "); every xs leaf must have the same leading dimension");
      }
      sliceTypes.add(t.withShape(Arrays.copyOfRange(t.shape(), 1, t.ndim())));
    }
    if (length < 0) {
      throw new IllegalArgumentException(
          "scan: xs has no tensors, so the number of steps is unknown; give it with"
              + " ScanOptions.defaults().length(n)");
    }
    int k = options.saveEvery();
    if (k > 1 && length % k != 0) {
      throw new IllegalArgumentException(
          "scan: saveEvery "
              + k
              + " must divide the length "
              + length
              + " (reverse mode recomputes segments of equal size); choose a divisor of the"
              + " length, or 0 to save every carry");
    }
    List<TensorType> carryTypes = new ArrayList<>();
    carry.leaves().forEach(t -> carryTypes.add(t.type()));
    @SuppressWarnings("unchecked")
    Staging.Traced b =
        Staging.traceAt(
            a -> {
              ScanStep<C, Y> step = fn.apply((C) a[0], (X) a[1]);
              if (step == null) {
                throw new IllegalArgumentException(
                    "scan: the step function returned null; return new ScanStep<>(carry, y)");
              }
              return step;
            },
            List.of(carry.def(), xsFlat.def()),
            List.of(carryTypes, sliceTypes),
            "scan");
    TreeDef carryDef = b.resultDef().children().get(0);
    TreeDef yDef = b.resultDef().children().get(1);
    int nc = carry.leaves().size();
    List<TensorType> outTypes = b.program().outputTypes();
    checkCarry("scan: the step function", carryDef, outTypes.subList(0, nc), carry);
    List<Tensor> in = new ArrayList<>(carry.leaves());
    in.addAll(xsFlat.leaves());
    in.addAll(b.captured());
    Tensor[] out =
        Interpreters.bind(
            Scan.SCAN,
            Scan.params(
                b.program(),
                length,
                options.reverse(),
                nc,
                xsFlat.leaves().size(),
                options.saveEvery()),
            in.toArray(new Tensor[0]));
    List<Tensor> all = Arrays.asList(out);
    @SuppressWarnings("unchecked")
    C finalCarry = (C) carry.def().unflatten(all.subList(0, nc));
    @SuppressWarnings("unchecked")
    Y ys = (Y) yDef.unflatten(all.subList(nc, all.size()));
    return new ScanResult<>(finalCarry, ys);
  }

  private static void checkCarry(
      String who, TreeDef returned, List<TensorType> types, Tree.Flat carry) {
    if (!returned.equals(carry.def())) {
      throw new IllegalArgumentException(
          who
              + " returns the carry with structure "
              + returned
              + " but the initial carry is "
              + carry.def()
              + "; the carry must keep its pytree structure");
    }
    for (int i = 0; i < types.size(); i++) {
      TensorType init = carry.leaves().get(i).type();
      if (!types.get(i).equals(init)) {
        throw new IllegalArgumentException(
            who
                + " returns carry leaf "
                + i
                + " as "
                + types.get(i)
                + " but it starts as "
                + init
                + "; the carry must keep its dtypes and shapes (convert with astype)");
      }
    }
  }

  private static List<TensorType> types(List<Tensor> values) {
    List<TensorType> t = new ArrayList<>();
    values.forEach(v -> t.add(v.type()));
    return t;
  }
}
