package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.vmap4j.TreeDef;

/**
 * Expands an in_dims/out_dims spec (Integer, null, or nested List/Map) over a pytree's structure
 * into one dimension per leaf ({@link BatchRules#NOT_MAPPED} for null), as a prefix: an Integer or
 * null covers its whole subtree.
 */
final class DimSpecs {
  private DimSpecs() {}

  static List<Integer> perLeaf(Object spec, TreeDef def, String path, String what) {
    List<Integer> out = new ArrayList<>();
    expand(spec, def, path, what, out);
    return out;
  }

  private static void expand(
      Object spec, TreeDef def, String path, String what, List<Integer> out) {
    if (spec == null || spec instanceof Integer) {
      Integer d = (Integer) spec;
      for (int i = 0; i < def.leafCount(); i++) {
        out.add(d);
      }
      return;
    }
    List<TreeDef> children = def.children();
    if (spec instanceof List<?> list) {
      boolean positional =
          def.kind() == TreeDef.Kind.LIST
              || def.kind() == TreeDef.Kind.ARRAY
              || def.kind() == TreeDef.Kind.RECORD;
      if (!positional || list.size() != children.size()) {
        throw new IllegalArgumentException(
            what
                + " at "
                + path
                + " is a list of "
                + list.size()
                + " entries but the value there"
                + " is "
                + def);
      }
      for (int i = 0; i < list.size(); i++) {
        expand(list.get(i), children.get(i), path + "[" + i + "]", what, out);
      }
      return;
    }
    if (spec instanceof Map<?, ?> map) {
      if (def.kind() != TreeDef.Kind.MAP && def.kind() != TreeDef.Kind.RECORD) {
        throw new IllegalArgumentException(
            what + " at " + path + " is a map but the value there is " + def);
      }
      for (Object key : map.keySet()) {
        if (!def.keys().contains(key)) {
          throw new IllegalArgumentException(
              what + " at " + path + " names '" + key + "', which " + def + " does not have");
        }
      }
      for (int i = 0; i < children.size(); i++) {
        String key = def.keys().get(i);
        if (!map.containsKey(key)) {
          throw new IllegalArgumentException(
              what + " at " + path + " gives no dimension for '" + key + "' of " + def);
        }
        expand(map.get(key), children.get(i), path + "." + key, what, out);
      }
      return;
    }
    throw new IllegalArgumentException(
        what
            + " at "
            + path
            + " must be an Integer, null, a List or a Map, got "
            + spec.getClass().getName());
  }
}
