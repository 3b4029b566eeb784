package org.vmap4j.arrow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.vector.extension.InvalidExtensionMetadataException;

/**
 * The parameters of {@code arrow.fixed_shape_tensor} and their JSON serialization, as the Arrow
 * canonical extension types specification defines it: an object with the key {@code shape} (an
 * array of non-negative integers) and the optional keys {@code dim_names} (strings, one per
 * dimension) and {@code permutation} (a permutation of {@code 0..ndim-1}).
 *
 * <p>Writing emits exactly these keys, in this order, and only the optional ones that are set.
 * Reading rejects a malformed value of a known key and ignores keys it does not know, so that a
 * later revision of the specification that adds keys can still be read.
 */
record FixedShapeTensorMetadata(int[] shape, List<String> dimNames, int[] permutation) {
  static final String SHAPE = "shape";
  static final String DIM_NAMES = "dim_names";
  static final String PERMUTATION = "permutation";

  // ObjectMapper is thread-safe once configured; JSON is what the specification prescribes.
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Validates the parameters; throws IllegalArgumentException naming the first problem. */
  FixedShapeTensorMetadata {
    if (shape == null) {
      throw new IllegalArgumentException("fixed_shape_tensor needs a shape");
    }
    shape = shape.clone();
    long size = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "fixed_shape_tensor shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      size *= d;
      if (size > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "fixed_shape_tensor shape "
                + Arrays.toString(shape)
                + " has more elements than a FixedSizeList can hold");
      }
    }
    if (dimNames != null) {
      dimNames = List.copyOf(dimNames);
      if (dimNames.size() != shape.length) {
        throw new IllegalArgumentException(
            "fixed_shape_tensor dim_names "
                + dimNames
                + " must have one name per dimension of shape "
                + Arrays.toString(shape));
      }
    }
    if (permutation != null) {
      permutation = permutation.clone();
      if (permutation.length != shape.length) {
        throw new IllegalArgumentException(
            "fixed_shape_tensor permutation "
                + Arrays.toString(permutation)
                + " must have one entry per dimension of shape "
                + Arrays.toString(shape));
      }
      boolean[] seen = new boolean[shape.length];
      for (int p : permutation) {
        if (p < 0 || p >= shape.length || seen[p]) {
          throw new IllegalArgumentException(
              "fixed_shape_tensor permutation "
                  + Arrays.toString(permutation)
                  + " is not a permutation of 0.."
                  + (shape.length - 1));
        }
        seen[p] = true;
      }
    }
  }

  /** The number of elements per tensor: the FixedSizeList's list size. */
  int listSize() {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** The JSON text stored under {@code ARROW:extension:metadata}. */
  String toJson() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode shapeNode = root.putArray(SHAPE);
    for (int d : shape) {
      shapeNode.add(d);
    }
    if (dimNames != null) {
      ArrayNode names = root.putArray(DIM_NAMES);
      dimNames.forEach(names::add);
    }
    if (permutation != null) {
      ArrayNode perm = root.putArray(PERMUTATION);
      for (int p : permutation) {
        perm.add(p);
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize fixed_shape_tensor metadata", e);
    }
  }

  /**
   * Parses the JSON text of {@code ARROW:extension:metadata}.
   *
   * @throws InvalidExtensionMetadataException naming the text and the problem
   */
  static FixedShapeTensorMetadata fromJson(String text) {
    try {
      JsonNode root = JSON.readTree(text == null ? "" : text);
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException("it is not a JSON object");
      }
      JsonNode shapeNode = root.get(SHAPE);
      if (shapeNode == null) {
        throw new IllegalArgumentException("it has no \"shape\"");
      }
      int[] shape = ints(shapeNode, SHAPE);
      JsonNode namesNode = root.get(DIM_NAMES);
      List<String> names = namesNode == null ? null : strings(namesNode);
      JsonNode permNode = root.get(PERMUTATION);
      int[] perm = permNode == null ? null : ints(permNode, PERMUTATION);
      return new FixedShapeTensorMetadata(shape, names, perm);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new InvalidExtensionMetadataException(
          "invalid arrow.fixed_shape_tensor metadata '" + text + "': " + e.getMessage(), e);
    }
  }

  private static int[] ints(JsonNode node, String key) {
    if (!node.isArray()) {
      throw new IllegalArgumentException("\"" + key + "\" is not an array");
    }
    int[] out = new int[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new IllegalArgumentException("\"" + key + "\" holds " + v + ", not an integer");
      }
      out[i] = v.intValue();
    }
    return out;
  }

  private static List<String> strings(JsonNode node) {
    if (!node.isArray()) {
      throw new IllegalArgumentException("\"" + DIM_NAMES + "\" is not an array");
    }
    List<String> out = new ArrayList<>(node.size());
    for (JsonNode v : node) {
      if (!v.isTextual()) {
        throw new IllegalArgumentException("\"" + DIM_NAMES + "\" holds " + v + ", not a string");
      }
      out.add(v.textValue());
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FixedShapeTensorMetadata m
        && Arrays.equals(shape, m.shape)
        && java.util.Objects.equals(dimNames, m.dimNames)
        && Arrays.equals(permutation, m.permutation);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(Arrays.hashCode(shape), dimNames, Arrays.hashCode(permutation));
  }

  @Override
  public String toString() {
    return toJson();
  }
}
