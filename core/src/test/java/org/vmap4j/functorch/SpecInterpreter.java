package org.vmap4j.functorch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Jvp;
import org.vmap4j.OutDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.Vjp;
import org.vmap4j.VmapOptions;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.transforms.Vmap;

/**
 * Turns a fixture's "spec" (see core/src/test/functorch/README.md) into a vmap4j function of
 * positional arguments, using only the public transforms: Func.vmap/grad/vjp/jvp and the Jacobian
 * helpers below, which generalize jacrev/jacfwd to pytree arguments and results the way functorch
 * does.
 */
final class SpecInterpreter {
  private SpecInterpreter() {}

  /** A function of positional arguments returning a pytree. */
  interface Fn extends Function<List<Object>, Object> {}

  static Fn build(JsonNode spec, Fn leaf) {
    String op = spec.get("op").asText();
    switch (op) {
      case "fn":
        return leaf;
      case "vmap":
        return vmap(spec, build(spec.get("inner"), leaf));
      case "grad":
        return grad(spec.get("argnums"), build(spec.get("inner"), leaf));
      case "jacrev":
        return jacobian(spec.get("argnums"), build(spec.get("inner"), leaf), true);
      case "jacfwd":
        return jacobian(spec.get("argnums"), build(spec.get("inner"), leaf), false);
      case "hessian":
        {
          Fn inner = build(spec.get("inner"), leaf);
          return jacobian(spec.get("argnums"), jacobian(spec.get("argnums"), inner, true), false);
        }
      case "vjp":
        return vjp(build(spec.get("inner"), leaf), true);
      case "pullback":
        return vjp(build(spec.get("inner"), leaf), false);
      case "jvp":
        return jvp(build(spec.get("inner"), leaf));
      case "post":
        {
          Fn inner = build(spec.get("inner"), leaf);
          Fn post = Catalogue.FUNCTIONS.get(spec.get("fn").asText())::apply;
          return args -> post.apply(List.of(inner.apply(args)));
        }
      case "closure":
        return closure(spec, leaf);
      default:
        throw new IllegalArgumentException("unknown spec op " + op);
    }
  }

  private static Fn vmap(JsonNode spec, Fn inner) {
    return args -> {
      Object[] inDims = new Object[args.size()];
      JsonNode in = spec.get("in_dims");
      for (int i = 0; i < inDims.length; i++) {
        JsonNode d = in.isArray() ? in.get(i) : in;
        inDims[i] = d.isNull() ? null : d.asInt();
      }
      JsonNode out = spec.get("out_dims");
      Object[] outDims;
      if (out.isArray()) {
        outDims = new Object[out.size()];
        for (int i = 0; i < outDims.length; i++) {
          outDims[i] = out.get(i).asInt();
        }
      } else {
        outDims = new Object[] {out.asInt()};
      }
      VmapOptions o =
          VmapOptions.defaults().inDims(InDims.tree(inDims)).outDims(OutDims.tree(outDims));
      return Vmap.call(a -> inner.apply(List.of(a)), args.toArray(), o);
    };
  }

  /** Arguments with those at {@code argnums} replaced by {@code x} (one, or a tuple of them). */
  private static List<Object> substitute(List<Object> args, JsonNode argnums, Object x) {
    List<Object> out = new ArrayList<>(args);
    if (argnums.isArray()) {
      List<?> xs = (List<?>) x;
      for (int i = 0; i < argnums.size(); i++) {
        out.set(argnums.get(i).asInt(), xs.get(i));
      }
    } else {
      out.set(argnums.asInt(), x);
    }
    return out;
  }

  private static Object selected(List<Object> args, JsonNode argnums) {
    if (!argnums.isArray()) {
      return args.get(argnums.asInt());
    }
    List<Object> xs = new ArrayList<>();
    argnums.forEach(a -> xs.add(args.get(a.asInt())));
    return xs;
  }

  private static Fn grad(JsonNode argnums, Fn inner) {
    return args ->
        Func.grad((Object x) -> (Tensor) inner.apply(substitute(args, argnums, x)))
            .apply(selected(args, argnums));
  }

  /**
   * functorch's jacrev/jacfwd for pytrees: for each result leaf O_j and argument leaf I_i, the
   * block of shape O_j ++ I_i; the result has the output's structure with each leaf replaced by the
   * (selected) argument's structure of blocks.
   */
  private static Fn jacobian(JsonNode argnums, Fn inner, boolean reverse) {
    return args -> {
      Object x = selected(args, argnums);
      Function<Object, Object> f = v -> inner.apply(substitute(args, argnums, v));
      Tree.Flat in = Tree.flatten(x);
      Tree.Flat outFlat = Tree.flatten(f.apply(x));
      List<List<Tensor>> blocks = new ArrayList<>();
      for (int j = 0; j < outFlat.leaves().size(); j++) {
        blocks.add(new ArrayList<>());
      }
      if (reverse) {
        Vjp<Object, Object> v = Func.vjp(f, x);
        for (int j = 0; j < outFlat.leaves().size(); j++) {
          Object basis = basisFor(outFlat, j);
          Tree.Flat rows = Tree.flatten(Func.vmap(v::pullback).apply(basis));
          Tensor oj = outFlat.leaves().get(j);
          for (int i = 0; i < in.leaves().size(); i++) {
            blocks
                .get(j)
                .add(
                    rows.leaves()
                        .get(i)
                        .reshape(Shapes.concat(oj.shape(), in.leaves().get(i).shape())));
          }
        }
      } else {
        for (int i = 0; i < in.leaves().size(); i++) {
          Object basis = basisFor(in, i);
          Tree.Flat cols =
              Tree.flatten(Func.vmap((Object t) -> Func.jvp(f, x, t).tangent()).apply(basis));
          Tensor xi = in.leaves().get(i);
          for (int j = 0; j < outFlat.leaves().size(); j++) {
            Tensor c = cols.leaves().get(j);
            Tensor moved = BatchRules.moveAxis(c, 0, c.ndim() - 1);
            int[] oj = outFlat.leaves().get(j).shape();
            blocks.get(j).add(moved.reshape(Shapes.concat(oj, xi.shape())));
          }
        }
      }
      List<Object> perOut = new ArrayList<>();
      for (List<Tensor> b : blocks) {
        perOut.add(in.def().unflatten(b));
      }
      return unflattenToObjects(outFlat, perOut);
    };
  }

  /**
   * A pytree shaped like {@code flat} with every leaf batched by the size of leaf {@code k}: leaf k
   * gets the identity basis, the others zeros.
   */
  private static Object basisFor(Tree.Flat flat, int k) {
    Tensor lk = flat.leaves().get(k);
    int n = lk.size();
    List<Tensor> leaves = new ArrayList<>();
    for (int i = 0; i < flat.leaves().size(); i++) {
      Tensor li = flat.leaves().get(i);
      int[] shape = Shapes.concat(new int[] {n}, li.shape());
      leaves.add(
          i == k ? Tensor.eye(li.dtype(), n).reshape(shape) : Tensor.zeros(li.dtype(), shape));
    }
    return flat.def().unflatten(leaves);
  }

  /** Rebuilds the output structure with arbitrary objects (sub-pytrees) in place of leaves. */
  private static Object unflattenToObjects(Tree.Flat outFlat, List<Object> perLeaf) {
    // a pytree whose leaves are themselves pytrees: rebuild the outer structure with
    // placeholders, then substitute
    List<Tensor> placeholders = new ArrayList<>();
    for (int i = 0; i < perLeaf.size(); i++) {
      placeholders.add(Tensor.scalar(i));
    }
    Object skeleton = outFlat.def().unflatten(placeholders);
    return replace(skeleton, placeholders, perLeaf);
  }

  @SuppressWarnings("unchecked")
  private static Object replace(Object node, List<Tensor> placeholders, List<Object> values) {
    if (node instanceof Tensor t) {
      return values.get(placeholders.indexOf(t));
    }
    if (node instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(e -> out.add(replace(e, placeholders, values)));
      return out;
    }
    if (node instanceof java.util.Map<?, ?> m) {
      java.util.Map<String, Object> out = new java.util.TreeMap<>();
      ((java.util.Map<String, Object>) m)
          .forEach((k, v) -> out.put(k, replace(v, placeholders, values)));
      return out;
    }
    throw new IllegalArgumentException("unexpected node " + node);
  }

  private static Fn vjp(Fn inner, boolean withValue) {
    return args -> {
      List<Object> primals = new ArrayList<>(args.subList(0, args.size() - 1));
      Object cotangent = args.get(args.size() - 1);
      Vjp<List<Object>, Object> v = Func.vjp((List<Object> p) -> inner.apply(p), primals);
      List<Object> grads = v.pullback(cotangent);
      return withValue ? List.of(v.value(), grads) : grads;
    };
  }

  private static Fn jvp(Fn inner) {
    return args -> {
      int n = args.size() / 2;
      List<Object> primals = new ArrayList<>(args.subList(0, n));
      List<Object> tangents = new ArrayList<>(args.subList(n, args.size()));
      Jvp<Object> j = Func.jvp((List<Object> p) -> inner.apply(p), primals, tangents);
      return List.of(j.value(), j.tangent());
    };
  }

  private static Fn closure(JsonNode spec, Fn leaf) {
    return outer -> {
      Fn h =
          params -> {
            List<Object> a = new ArrayList<>();
            for (JsonNode la : spec.get("leaf_args")) {
              a.add(
                  la.has("param")
                      ? params.get(la.get("param").asInt())
                      : outer.get(la.get("outer").asInt()));
            }
            return leaf.apply(a);
          };
      Fn t = build(spec.get("inner"), h);
      List<Object> callArgs = new ArrayList<>();
      spec.get("call_args").forEach(i -> callArgs.add(outer.get(i.asInt())));
      return t.apply(callArgs);
    };
  }
}
