package org.vmap4j.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;

/**
 * PyTorch state-dict names for the leaves of a parameter pytree, and loading a state dict onto one.
 * A leaf's name is its path joined by dots: record components in snake_case ({@code inProjWeight}
 * is {@code in_proj_weight}, {@code selfAttn} is {@code self_attn}), list and array positions as
 * numbers, map keys as they are: the names {@code torch.nn.Module.state_dict()} gives a module of
 * the same structure.
 */
public final class StateDict {
  private StateDict() {}

  /** The state-dict name of each leaf of {@code params}, in {@link Tree#flatten} order. */
  public static List<String> names(Object params) {
    List<String> out = new ArrayList<>();
    collect(Tree.structure(params), "", out);
    return out;
  }

  /** The leaves of {@code params} by state-dict name (e.g. to {@link SafeTensors#save}). */
  public static Map<String, Tensor> of(Object params) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    List<String> names = names(params);
    List<Tensor> leaves = Tree.leaves(params);
    for (int i = 0; i < names.size(); i++) {
      out.put(names.get(i), leaves.get(i));
    }
    return out;
  }

  /**
   * A pytree of {@code template}'s structure with each leaf taken from {@code stateDict} by name,
   * converted to the template leaf's dtype. Every name must be present with the template leaf's
   * shape, and the state dict must hold nothing else; otherwise the error names each key, with the
   * expected and found shapes.
   */
  @SuppressWarnings("unchecked")
  public static <T> T load(T template, Map<String, Tensor> stateDict) {
    TreeDef def = Tree.structure(template);
    List<String> names = names(template);
    List<Tensor> leaves = Tree.leaves(template);
    List<String> problems = new ArrayList<>();
    List<Tensor> loaded = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      Tensor expected = leaves.get(i);
      Tensor found = stateDict.get(name);
      if (found == null) {
        problems.add(
            "missing key \"" + name + "\" (expected shape " + Checks.shape(expected) + ")");
      } else if (!java.util.Arrays.equals(found.shape(), expected.shape())) {
        problems.add(
            "key \""
                + name
                + "\": expected shape "
                + Checks.shape(expected)
                + ", found "
                + Checks.shape(found));
      }
      loaded.add(found == null ? null : found.astype(expected.dtype()));
    }
    Set<String> extra = new LinkedHashSet<>(stateDict.keySet());
    names.forEach(extra::remove);
    for (String name : extra) {
      problems.add(
          "unexpected key \""
              + name
              + "\" (shape "
              + Checks.shape(stateDict.get(name))
              + ") has no parameter in "
              + template.getClass().getSimpleName());
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "state dict does not match "
              + template.getClass().getSimpleName()
              + ": "
              + String.join("; ", problems));
    }
    return (T) def.unflatten(loaded);
  }

  private static void collect(TreeDef d, String prefix, List<String> out) {
    switch (d.kind()) {
      case LEAF -> out.add(prefix);
      case NONE -> {}
      case RECORD, MAP, LIST, ARRAY -> {
        List<TreeDef> children = d.children();
        for (int i = 0; i < children.size(); i++) {
          String key =
              switch (d.kind()) {
                case RECORD -> snakeCase(d.keys().get(i));
                case MAP -> d.keys().get(i);
                default -> Integer.toString(i);
              };
          collect(children.get(i), prefix.isEmpty() ? key : prefix + "." + key, out);
        }
      }
    }
  }

  /** {@code inProjWeight} to {@code in_proj_weight}; digits stay attached ({@code linear1}). */
  static String snakeCase(String camel) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c)) {
        sb.append('_').append(Character.toLowerCase(c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
