package org.vmap4j.interpreter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.vmap4j.DType;
import org.vmap4j.ir.Program;

/**
 * The static parameters of one primitive application (axes, permutation, dtype, ...): an ordered,
 * immutable name-to-value map. Values are restricted to a small closed set of types (int, long,
 * double, boolean, String, {@link DType}, int[]) so that every equation of a program can be
 * compared, hashed, printed and serialized by this one class rather than by each primitive.
 *
 * <p>Control-flow primitives ({@code cond}, {@code while}, {@code scan}) also take sub-programs:
 * closed, typed {@link Program} values (the branches, the loop body). A program parameter compares
 * by identity (two traces of the same function are different parameters, which only costs a missed
 * common subexpression), prints in full in program text and serializes with the program around it.
 */
public final class Params {
  public static final Params NONE = new Params(new LinkedHashMap<>());

  private final Map<String, Object> values;

  private Params(LinkedHashMap<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /** {@code Params.of("axes", new int[] {1}, "dtype", DType.F32)}. */
  public static Params of(Object... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("Params.of needs name/value pairs");
    }
    LinkedHashMap<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String name = (String) namesAndValues[i];
      Object v = namesAndValues[i + 1];
      if (v instanceof int[] a) {
        v = a.clone();
      } else if (!(v instanceof Integer
          || v instanceof Long
          || v instanceof Double
          || v instanceof Boolean
          || v instanceof String
          || v instanceof DType
          || v instanceof Program)) {
        throw new IllegalArgumentException(
            "parameter '" + name + "' has unsupported type " + (v == null ? "null" : v.getClass()));
      }
      m.put(name, v);
    }
    return new Params(m);
  }

  /** A copy with one parameter replaced (or added at the end). */
  public Params with(String name, Object value) {
    Object[] pairs = new Object[2 * (values.size() + (values.containsKey(name) ? 0 : 1))];
    int i = 0;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      pairs[i++] = e.getKey();
      pairs[i++] = e.getKey().equals(name) ? value : e.getValue();
    }
    if (!values.containsKey(name)) {
      pairs[i++] = name;
      pairs[i] = value;
    }
    return of(pairs);
  }

  /** A copy without the named parameters (those absent are ignored). */
  public Params without(String... names) {
    List<String> dropped = List.of(names);
    List<Object> pairs = new ArrayList<>();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (!dropped.contains(e.getKey())) {
        pairs.add(e.getKey());
        pairs.add(e.getValue());
      }
    }
    return of(pairs.toArray());
  }

  public Map<String, Object> asMap() {
    return values;
  }

  private Object get(String name) {
    Object v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing parameter '" + name + "' in " + this);
    }
    return v;
  }

  /**
   * The parameter as {@code type}; a parameter of another type (a program read from bytes someone
   * else wrote) is an {@link IllegalArgumentException} naming it, not a ClassCastException.
   */
  private <T> T get(String name, Class<T> type, String typeName) {
    Object v = get(name);
    if (!type.isInstance(v)) {
      throw new IllegalArgumentException(
          "parameter '"
              + name
              + "' must be "
              + typeName
              + ", but it is "
              + (v instanceof int[] ? "an int array" : v.getClass().getSimpleName())
              + " in "
              + this);
    }
    return type.cast(v);
  }

  public int integer(String name) {
    return get(name, Integer.class, "an int");
  }

  public long longValue(String name) {
    return get(name, Long.class, "a long");
  }

  public double real(String name) {
    return get(name, Double.class, "a double");
  }

  public boolean bool(String name) {
    return get(name, Boolean.class, "a boolean");
  }

  public String string(String name) {
    return get(name, String.class, "a string");
  }

  public DType dtype(String name) {
    return get(name, DType.class, "a dtype");
  }

  /** A sub-program parameter (a branch of {@code cond}, the body of a loop). */
  public Program program(String name) {
    return get(name, Program.class, "a program");
  }

  /** A copy of an int-array parameter. */
  public int[] ints(String name) {
    return get(name, int[].class, "an int array").clone();
  }

  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof Params p)
        || p.hashCode() != hashCode()
        || p.values.size() != values.size()) {
      return false;
    }
    for (Map.Entry<String, Object> e : values.entrySet()) {
      Object other = p.values.get(e.getKey());
      boolean same =
          e.getValue() instanceof int[] a
              ? other instanceof int[] b && Arrays.equals(a, b)
              : Objects.equals(e.getValue(), other);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  /**
   * Computed once (0: not yet; a hash that is 0 is recomputed each time, which is only slower): the
   * eager kernel cache ({@code cpu.PreparedKernels}) hashes the parameters on every call.
   */
  private int hash;

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 1;
      for (Map.Entry<String, Object> e : values.entrySet()) {
        Object v = e.getValue();
        h = 31 * h + e.getKey().hashCode();
        h = 31 * h + (v instanceof int[] a ? Arrays.hashCode(a) : v.hashCode());
      }
      hash = h;
    }
    return h;
  }

  /** {@code [axes=(0,1) dtype=f32]}, or the empty string when there are none. */
  @Override
  public String toString() {
    if (values.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("[");
    boolean first = true;
    for (Map.Entry<String, Object> e : values.entrySet()) {
      if (!first) {
        sb.append(' ');
      }
      first = false;
      sb.append(e.getKey()).append('=');
      if (e.getValue() instanceof int[] a) {
        sb.append('(');
        for (int i = 0; i < a.length; i++) {
          sb.append(i > 0 ? "," : "").append(a[i]);
        }
        sb.append(')');
      } else if (e.getValue() instanceof Program p) {
        sb.append("{ program of ").append(p.equations().size()).append(" equations }");
      } else {
        sb.append(e.getValue());
      }
    }
    return sb.append(']').toString();
  }
}
