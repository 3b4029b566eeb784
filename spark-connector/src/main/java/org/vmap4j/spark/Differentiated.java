package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.TreeDef;

/**
 * What a {@link VmapUdf}'s function differentiates with respect to, and the one driver-side check
 * that it is floating. The derivative with respect to an integer tensor is not defined; core treats
 * integer tensors as constants, so without this check {@link PerSampleGradients} of integer
 * parameters and {@link Jacobians} of an {@code array<int>} column would return zeros. They fail
 * instead, before any job, naming the parameter's leaf path or the column, its type and the fix.
 */
enum Differentiated {
  /** Nothing: plain function evaluation. */
  NOTHING,
  /** The constants (model parameters), as {@link PerSampleGradients} does. */
  CONSTANTS,
  /** The input columns, as {@link Jacobians} does. */
  INPUTS;

  /**
   * Throws when this function differentiates the constants and one of their leaves is not floating.
   */
  void checkConstants(String transform, Object constants) {
    if (this != CONSTANTS) {
      return;
    }
    Tree.Flat flat = Tree.flatten(constants);
    List<String> paths = new ArrayList<>();
    paths(flat.def(), "", paths);
    for (int i = 0; i < paths.size(); i++) {
      Tensor leaf = flat.leaves().get(i);
      if (!leaf.dtype().isFloating()) {
        String path = paths.get(i).isEmpty() ? "(the parameters tensor itself)" : paths.get(i);
        throw new IllegalArgumentException(
            transform
                + ": parameter "
                + path
                + " is "
                + leaf.dtype().shortName()
                + Arrays.toString(leaf.shape())
                + ", an integer tensor, and gradients are only defined for floating parameters"
                + " (an integer parameter would get zero gradients); give it as floating, e.g."
                + " astype(DType.F64)");
      }
    }
  }

  /**
   * Throws when this function differentiates its input columns and {@code column}, of Spark type
   * {@code type}, becomes a tensor of the non-floating {@code dtype}.
   */
  void checkColumn(String transform, String column, DataType type, DType dtype) {
    if (this != INPUTS || dtype.isFloating()) {
      return;
    }
    String element = type.simpleString();
    DataType e = type;
    while (e instanceof ArrayType a) {
      e = a.elementType();
    }
    String floating = element.replace(e.simpleString(), "double");
    throw new IllegalArgumentException(
        transform
            + ": column '"
            + column
            + "' is "
            + element
            + " ("
            + dtype.shortName()
            + "), and derivatives with respect to an integer or boolean column are not defined"
            + " (they would be zeros); cast it to a floating type first, e.g. df.withColumn(\""
            + column
            + "\", col(\""
            + column
            + "\").cast(\""
            + floating
            + "\"))");
  }

  /** Leaf paths as a user writes them: record components and map keys by name, indices [i]. */
  static void paths(TreeDef def, String path, List<String> out) {
    switch (def.kind()) {
      case LEAF -> out.add(path);
      case NONE -> {}
      case RECORD, MAP -> {
        for (int i = 0; i < def.children().size(); i++) {
          String key = def.keys().get(i);
          paths(def.children().get(i), path.isEmpty() ? key : path + "." + key, out);
        }
      }
      case LIST, ARRAY -> {
        for (int i = 0; i < def.children().size(); i++) {
          paths(def.children().get(i), path + "[" + i + "]", out);
        }
      }
    }
  }
}
