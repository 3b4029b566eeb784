package org.vmap4j.spark.dp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;

/**
 * The per-example shapes of array input columns, read once from one row of the whole data set: a
 * step's sample may be empty, and {@code VmapUdf} cannot infer a shape from an empty DataFrame.
 */
final class InputShapes {
  private InputShapes() {}

  /** Column name to shape, for the columns of {@code row} that hold (nested) arrays. */
  static Map<String, int[]> of(Row row, String[] columns) {
    Map<String, int[]> shapes = new LinkedHashMap<>();
    for (String c : columns) {
      Object v = row.get(row.fieldIndex(c));
      if (isArray(v)) {
        List<Integer> dims = new ArrayList<>();
        while (isArray(v)) {
          List<?> list = asList(v);
          dims.add(list.size());
          v = list.isEmpty() ? null : list.get(0);
        }
        shapes.put(c, dims.stream().mapToInt(Integer::intValue).toArray());
      }
    }
    return shapes;
  }

  private static boolean isArray(Object v) {
    return v instanceof List<?> || v instanceof scala.collection.Seq<?>;
  }

  private static List<?> asList(Object v) {
    if (v instanceof List<?> l) {
      return l;
    }
    return scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
  }
}
