package org.vmap4j;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The structure of a pytree without its leaves: what {@link Tree#flatten} returns beside the
 * leaves, and what {@link #unflatten} fills with new leaves to build the same structure again. Two
 * trees with equal structure have equal TreeDefs (so they can key caches).
 */
public final class TreeDef {
  /** The kinds of node a pytree is made of. */
  public enum Kind {
    LEAF,
    NONE,
    RECORD,
    LIST,
    MAP,
    ARRAY
  }

  private final Kind kind;
  private final Class<?> type;
  private final List<String> keys;
  private final List<TreeDef> children;
  private final int leafCount;

  TreeDef(Kind kind, Class<?> type, List<String> keys, List<TreeDef> children) {
    this.kind = kind;
    this.type = type;
    this.keys = List.copyOf(keys);
    this.children = List.copyOf(children);
    int n = kind == Kind.LEAF ? 1 : 0;
    for (TreeDef c : children) {
      n += c.leafCount;
    }
    this.leafCount = n;
  }

  public Kind kind() {
    return kind;
  }

  /** The record class, or an array's component type; null for other kinds. */
  public Class<?> type() {
    return type;
  }

  /** Record component names or map keys (sorted), matching {@link #children()}. */
  public List<String> keys() {
    return keys;
  }

  public List<TreeDef> children() {
    return children;
  }

  /** Number of tensors in a tree of this structure. */
  public int leafCount() {
    return leafCount;
  }

  /**
   * Where each leaf sits, in {@link Tree#flatten} order, for error messages: {@code ".w"} for a
   * record component, {@code "[1]"} for a list or array element, {@code "[\"k\"]"} for a map entry,
   * joined from the root down ({@code "[0].w"}); the empty string for a tree that is one tensor.
   */
  public List<String> leafPaths() {
    List<String> out = new ArrayList<>(leafCount);
    collectPaths("", out);
    return out;
  }

  private void collectPaths(String prefix, List<String> out) {
    if (kind == Kind.LEAF) {
      out.add(prefix);
      return;
    }
    for (int i = 0; i < children.size(); i++) {
      String step =
          switch (kind) {
            case RECORD -> "." + keys.get(i);
            case MAP -> "[\"" + keys.get(i) + "\"]";
            default -> "[" + i + "]";
          };
      children.get(i).collectPaths(prefix + step, out);
    }
  }

  /**
   * Names for the leaves, in {@link Tree#flatten} order, made for column names: {@code prefix},
   * then each record component, map key or list index joined by '_' ({@code grad_w}, {@code
   * grad_layers_0_b}); the prefix alone for a tree that is one tensor. With {@code keysAtRoot}, the
   * components of a record or map at the root are named by their keys alone ({@code price}, {@code
   * delta} rather than {@code output_price}). The Spark connector and its Spark Connect client both
   * name columns this way: one rule, so that their columns agree.
   */
  public List<String> leafNames(String prefix, boolean keysAtRoot) {
    List<String> out = new ArrayList<>(leafCount);
    collectNames(prefix, keysAtRoot, out);
    return out;
  }

  private void collectNames(String name, boolean keysAtRoot, List<String> out) {
    switch (kind) {
      case LEAF -> out.add(name);
      case RECORD, MAP -> {
        for (int i = 0; i < children.size(); i++) {
          String key = keys.get(i);
          children.get(i).collectNames(keysAtRoot ? key : name + "_" + key, false, out);
        }
      }
      default -> {
        for (int i = 0; i < children.size(); i++) {
          children.get(i).collectNames(name + "_" + i, false, out);
        }
      }
    }
  }

  /** Builds a tree of this structure from leaves in {@link Tree#flatten} order. */
  public Object unflatten(List<? extends Tensor> leaves) {
    if (leaves.size() != leafCount) {
      throw new IllegalArgumentException(
          "this structure "
              + this
              + " has "
              + leafCount
              + " leaves, but "
              + leaves.size()
              + " were given");
    }
    return build(leaves.iterator());
  }

  private Object build(Iterator<? extends Tensor> it) {
    switch (kind) {
      case LEAF:
        return it.next();
      case NONE:
        return null;
      case LIST:
        {
          List<Object> out = new ArrayList<>(children.size());
          for (TreeDef c : children) {
            out.add(c.build(it));
          }
          return Collections.unmodifiableList(out);
        }
      case MAP:
        {
          Map<String, Object> out = new LinkedHashMap<>();
          for (int i = 0; i < children.size(); i++) {
            out.put(keys.get(i), children.get(i).build(it));
          }
          return Collections.unmodifiableMap(out);
        }
      case ARRAY:
        {
          Object out = Array.newInstance(type, children.size());
          for (int i = 0; i < children.size(); i++) {
            Array.set(out, i, children.get(i).build(it));
          }
          return out;
        }
      case RECORD:
        {
          Object[] args = new Object[children.size()];
          for (int i = 0; i < args.length; i++) {
            args[i] = children.get(i).build(it);
          }
          return newRecord(type, args);
        }
      default:
        throw new AssertionError(kind);
    }
  }

  private static Object newRecord(Class<?> recordClass, Object[] args) {
    RecordComponent[] components = recordClass.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
    }
    try {
      Constructor<?> ctor = recordClass.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(
          "the constructor of record "
              + recordClass.getName()
              + " rejected rebuilt components: "
              + e.getCause(),
          e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalArgumentException(
          "cannot rebuild record "
              + recordClass.getName()
              + " through its canonical constructor: "
              + e,
          e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TreeDef t
        && t.kind == kind
        && Objects.equals(t.type, type)
        && t.keys.equals(keys)
        && t.children.equals(children);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, type, keys, children);
  }

  /** E.g. {@code Mlp(w=*, b=*)}, {@code [*, *]}, {@code {a=*}}. */
  @Override
  public String toString() {
    switch (kind) {
      case LEAF:
        return "*";
      case NONE:
        return "null";
      default:
        StringBuilder sb = new StringBuilder();
        String open =
            switch (kind) {
              case RECORD -> type.getSimpleName() + "(";
              case MAP -> "{";
              case ARRAY -> type.getSimpleName() + "[]{";
              default -> "[";
            };
        sb.append(open);
        for (int i = 0; i < children.size(); i++) {
          if (i > 0) {
            sb.append(", ");
          }
          if (kind == Kind.RECORD || kind == Kind.MAP) {
            sb.append(keys.get(i)).append('=');
          }
          sb.append(children.get(i));
        }
        return sb.append(
                switch (kind) {
                  case RECORD -> ")";
                  case MAP, ARRAY -> "}";
                  default -> "]";
                })
            .toString();
    }
  }
}
