package org.vmap4j.prim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.interpreter.Primitive;

/**
 * The closed set of primitives. Adding an operation means adding one enum constant (or one enum)
 * and listing its enum here; everything that enumerates primitives (program readers, rule coverage
 * tests) goes through this list.
 */
public final class Primitives {
  private static final List<Class<? extends Enum<? extends Primitive>>> ENUMS =
      List.of(
          Unary.class,
          Binary.class,
          Compare.class,
          Select.class,
          Convert.class,
          Reduce.class,
          Argmax.class,
          DotGeneral.class,
          ConvGeneralDilated.class,
          ReduceWindow.class,
          SelectAndScatter.class,
          BroadcastInDim.class,
          Reshape.class,
          Transpose.class,
          Slice.class,
          Pad.class,
          Concatenate.class,
          Gather.class,
          ScatterAdd.class,
          Iota.class,
          RandomUniform.class,
          Cond.class,
          While.class,
          Scan.class);

  private static final Map<String, Primitive> BY_NAME = index();

  private Primitives() {}

  private static Map<String, Primitive> index() {
    Map<String, Primitive> m = new LinkedHashMap<>();
    for (Class<? extends Enum<? extends Primitive>> e : ENUMS) {
      for (Enum<? extends Primitive> c : e.getEnumConstants()) {
        Primitive p = (Primitive) c;
        if (m.put(p.name(), p) != null) {
          throw new IllegalStateException("two primitives named " + p.name());
        }
      }
    }
    return Collections.unmodifiableMap(m);
  }

  public static List<Primitive> all() {
    return new ArrayList<>(BY_NAME.values());
  }

  /** The primitive with this {@link Primitive#name()} (or its lower-case display name). */
  public static Primitive byName(String name) {
    Primitive p = BY_NAME.get(name.toUpperCase(java.util.Locale.ROOT));
    if (p == null) {
      throw new IllegalArgumentException("unknown primitive '" + name + "'");
    }
    return p;
  }
}
