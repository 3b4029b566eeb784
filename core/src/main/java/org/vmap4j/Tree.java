package org.vmap4j;

import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Pytrees: the argument and result structures that transforms accept. A pytree is a {@link Tensor}
 * (a leaf), a Java {@code record} whose components are pytrees, a {@link List}, a {@link Map} with
 * String keys, an array of pytrees, or {@code null} (an empty node). Flattening lists the leaves
 * depth-first (record components in declaration order, map entries by sorted key); {@link
 * TreeDef#unflatten} rebuilds the same structure, records through their canonical constructor.
 */
public final class Tree {
  private Tree() {}

  /** Leaves and structure of a pytree. */
  public record Flat(List<Tensor> leaves, TreeDef def) {}

  public static Flat flatten(Object tree) {
    List<Tensor> leaves = new ArrayList<>();
    TreeDef def = walk(tree, "root", leaves);
    return new Flat(List.copyOf(leaves), def);
  }

  public static List<Tensor> leaves(Object tree) {
    return flatten(tree).leaves();
  }

  public static TreeDef structure(Object tree) {
    return flatten(tree).def();
  }

  /** The same structure with {@code f} applied to every leaf. */
  @SuppressWarnings("unchecked")
  public static <T> T map(T tree, UnaryOperator<Tensor> f) {
    Flat flat = flatten(tree);
    List<Tensor> out = new ArrayList<>(flat.leaves().size());
    for (Tensor t : flat.leaves()) {
      out.add(f.apply(t));
    }
    return (T) flat.def().unflatten(out);
  }

  private static TreeDef walk(Object node, String path, List<Tensor> leaves) {
    if (node == null) {
      return new TreeDef(TreeDef.Kind.NONE, null, List.of(), List.of());
    }
    if (node instanceof Tensor t) {
      leaves.add(t);
      return new TreeDef(TreeDef.Kind.LEAF, null, List.of(), List.of());
    }
    if (node instanceof Record r) {
      RecordComponent[] components = r.getClass().getRecordComponents();
      List<String> keys = new ArrayList<>();
      List<TreeDef> children = new ArrayList<>();
      for (RecordComponent c : components) {
        keys.add(c.getName());
        children.add(walk(component(r, c), path + "." + c.getName(), leaves));
      }
      return new TreeDef(TreeDef.Kind.RECORD, r.getClass(), keys, children);
    }
    if (node instanceof List<?> list) {
      List<TreeDef> children = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        children.add(walk(list.get(i), path + "[" + i + "]", leaves));
      }
      return new TreeDef(TreeDef.Kind.LIST, null, List.of(), children);
    }
    if (node instanceof Map<?, ?> map) {
      TreeMap<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException(
              "pytree map at "
                  + path
                  + " has a key of type "
                  + (e.getKey() == null ? "null" : e.getKey().getClass().getName())
                  + "; only String keys are supported");
        }
        sorted.put(key, e.getValue());
      }
      List<String> keys = new ArrayList<>();
      List<TreeDef> children = new ArrayList<>();
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        keys.add(e.getKey());
        children.add(walk(e.getValue(), path + "[\"" + e.getKey() + "\"]", leaves));
      }
      return new TreeDef(TreeDef.Kind.MAP, null, keys, children);
    }
    if (node.getClass().isArray() && !node.getClass().getComponentType().isPrimitive()) {
      int n = Array.getLength(node);
      List<TreeDef> children = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        children.add(walk(Array.get(node, i), path + "[" + i + "]", leaves));
      }
      return new TreeDef(
          TreeDef.Kind.ARRAY, node.getClass().getComponentType(), List.of(), children);
    }
    throw new IllegalArgumentException(
        "unsupported pytree node of type "
            + node.getClass().getName()
            + " at "
            + path
            + ": a pytree is a Tensor, a record of pytrees, a List, a Map<String, ?>, an array of"
            + " pytrees, or null");
  }

  private static Object component(Record r, RecordComponent c) {
    try {
      Method accessor = c.getAccessor();
      accessor.setAccessible(true);
      return accessor.invoke(r);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(
          "the accessor " + c.getName() + "() of " + r.getClass().getName() + " threw",
          e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot read component " + c.getName() + " of record " + r.getClass().getName(), e);
    }
  }
}
