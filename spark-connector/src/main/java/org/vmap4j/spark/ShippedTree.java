package org.vmap4j.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;
import org.vmap4j.ir.TensorCodec;

/**
 * A pytree (a tensor, a record, a List, a Map, an array of pytrees, or null) in a form that Java
 * serialization and Kryo can ship: the structure (kinds, record and array classes by name, keys)
 * and each leaf's dtype, shape and values. Core's tensors are not {@link Serializable}; this is how
 * unmapped constants such as model parameters travel to executors, in a broadcast.
 *
 * <p>{@link #toPytree()} rebuilds the tree on the executor, records through their canonical
 * constructor (found with the thread's context class loader, which Spark sets to the one holding
 * the application's classes), over the tensors decoded once when the tree was deserialized.
 */
public final class ShippedTree implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Node root;
  private final int leafCount;

  private ShippedTree(Node root, int leafCount) {
    this.root = root;
    this.leafCount = leafCount;
  }

  /** Captures {@code pytree}; concrete tensors only (a traced tensor cannot be shipped). */
  public static ShippedTree of(Object pytree) {
    Tree.Flat flat = Tree.flatten(pytree);
    Iterator<Tensor> leaves = flat.leaves().iterator();
    Node root = node(flat.def(), leaves);
    return new ShippedTree(root, flat.leaves().size());
  }

  /** The number of tensors in the tree. */
  public int leafCount() {
    return leafCount;
  }

  /** A fresh copy of the tree's structure over the shipped (immutable) tensors. */
  public Object toPytree() {
    return build(root);
  }

  /**
   * A leaf: a concrete tensor, written in Java serialization as core's {@link TensorCodec} bytes
   * (dtype, shape, little-endian values), the one form every shipped tensor takes.
   */
  static final class TensorData implements Serializable {
    private static final long serialVersionUID = 2L;

    private transient Tensor tensor;

    private TensorData(Tensor tensor) {
      this.tensor = tensor;
    }

    static TensorData of(Tensor t) {
      return new TensorData(TensorCodec.concrete(t));
    }

    /** The shipped tensor; tensors are immutable, so every rebuilt tree may share it. */
    Tensor toTensor() {
      return tensor;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      TensorCodec.write(tensor, out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      tensor = TensorCodec.read(in);
    }
  }

  private record Node(
      TreeDef.Kind kind, String className, List<String> keys, List<Node> children, TensorData leaf)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private static Node node(TreeDef def, Iterator<Tensor> leaves) {
    if (def.kind() == TreeDef.Kind.LEAF) {
      return new Node(def.kind(), null, List.of(), List.of(), TensorData.of(leaves.next()));
    }
    List<Node> children = new ArrayList<>();
    for (TreeDef c : def.children()) {
      children.add(node(c, leaves));
    }
    String className = def.type() == null ? null : def.type().getName();
    return new Node(def.kind(), className, new ArrayList<>(def.keys()), children, null);
  }

  private static Object build(Node n) {
    switch (n.kind()) {
      case LEAF:
        return n.leaf().toTensor();
      case NONE:
        return null;
      case LIST:
        {
          List<Object> list = new ArrayList<>();
          for (Node c : n.children()) {
            list.add(build(c));
          }
          return list;
        }
      case MAP:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          for (int i = 0; i < n.children().size(); i++) {
            map.put(n.keys().get(i), build(n.children().get(i)));
          }
          return map;
        }
      case ARRAY:
        {
          Object array = Array.newInstance(load(n.className()), n.children().size());
          for (int i = 0; i < n.children().size(); i++) {
            Array.set(array, i, build(n.children().get(i)));
          }
          return array;
        }
      case RECORD:
        return record(n);
      default:
        throw new IllegalStateException("unknown pytree node kind " + n.kind());
    }
  }

  private static Object record(Node n) {
    Class<?> type = load(n.className());
    RecordComponent[] components = type.getRecordComponents();
    Objects.requireNonNull(components, () -> n.className() + " is not a record");
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = build(n.children().get(i));
    }
    try {
      Constructor<?> c = type.getDeclaredConstructor(types);
      c.setAccessible(true);
      return c.newInstance(values);
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new IllegalStateException(
          "cannot rebuild record " + n.className() + " through its canonical constructor", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(
          "the canonical constructor of " + n.className() + " failed", e.getCause());
    }
  }

  private static Class<?> load(String name) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ShippedTree.class.getClassLoader();
    }
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "class " + name + " of a shipped pytree is not on this JVM's classpath", e);
    }
  }
}
