package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.vmap4j.spark.executor.ArrowBatching;
import org.vmap4j.spark.executor.InputColumn;

/**
 * Resolves a vmapUdf's input columns on the driver: each column's kind (scalar, array, nested
 * array, MLlib vector), element source and per-example shape. A shape is, in this order: declared
 * by position or by name; in the column's metadata under {@value VmapUdf#SHAPE_METADATA_KEY}; the
 * scalar shape for scalars; else read from the data (one small Spark job, {@code transform} only).
 */
final class InputColumnResolver {
  private final List<String> inputColumns;
  private final Map<String, int[]> shapes;
  private final Map<Integer, int[]> argumentShapes;
  private final boolean namesFromColumns;
  private final Differentiated differentiated;
  private final String transformName;
  private final int batchSize;

  InputColumnResolver(VmapUdfOptions options) {
    this.inputColumns = options.inputs().columns();
    this.shapes = options.inputs().shapesByName();
    this.argumentShapes = options.inputs().shapesByPosition();
    this.namesFromColumns = options.inputs().namesFromColumns();
    this.differentiated = options.differentiation().what();
    this.transformName = options.differentiation().transformName();
    this.batchSize = options.rows().batchSize();
  }

  /**
   * The input columns in {@code schema}; {@code df}, when given, is read for array lengths that are
   * neither declared nor in the column metadata; without it such a column is an error.
   */
  InputColumn[] resolve(Dataset<Row> df, StructType schema) {
    InputColumn[] inputs = new InputColumn[inputColumns.size()];
    InputColumn.Kind[] kinds = new InputColumn.Kind[inputs.length];
    InputColumn.Source[] sources = new InputColumn.Source[inputs.length];
    int[][] known = new int[inputs.length][];
    List<String> toInfer = new ArrayList<>();
    for (int c = 0; c < inputs.length; c++) {
      String name = inputColumns.get(c);
      StructField f = field(schema, name);
      DataType t = f.dataType();
      int depth = 0;
      while (t instanceof ArrayType a) {
        t = a.elementType();
        depth++;
      }
      InputColumn.Source source = InputColumn.sourceOf(t);
      InputColumn.Kind kind;
      if (source != null) {
        kind =
            depth == 0
                ? InputColumn.Kind.SCALAR
                : depth == 1 ? InputColumn.Kind.ARRAY : InputColumn.Kind.NESTED;
      } else if (depth == 0 && InputColumn.isVectorUdt(f.dataType())) {
        kind = InputColumn.Kind.VECTOR;
        source = InputColumn.Source.DOUBLE;
      } else {
        throw new IllegalArgumentException(
            "vmapUdf: column '"
                + name
                + "' has Spark type "
                + f.dataType().simpleString()
                + ", which is not a tensor; supported: numeric and boolean scalars, arrays and"
                + " nested arrays of them, and MLlib vectors");
      }
      differentiated.checkColumn(transformName, name, f.dataType(), InputColumn.dtypeOf(source));
      kinds[c] = kind;
      sources[c] = source;
      int[] declared = declared(c);
      int[] fromMetadata = metadataShape(f.metadata());
      int[] shape = declared != null ? declared : fromMetadata;
      if (kind == InputColumn.Kind.SCALAR) {
        if (shape != null && shape.length != 0) {
          throw new IllegalArgumentException(
              "vmapUdf: column '"
                  + name
                  + "' is a scalar column ("
                  + f.dataType().simpleString()
                  + ") but its shape is declared as "
                  + Arrays.toString(shape));
        }
        shape = new int[0];
      } else if (shape != null) {
        checkRank(name, f.dataType(), kind, depth, shape, declared != null);
      } else {
        toInfer.add(name);
      }
      known[c] = shape;
    }
    if (!toInfer.isEmpty() && df == null) {
      throw new IllegalArgumentException(
          "vmapUdf: the per-example shape of column(s) "
              + toInfer
              + " is unknown: declare it with shape(column, dims...) (a vmapUdf Column's type is"
              + " fixed before any job runs, so it cannot be read from the first row as"
              + " transform(...) does)");
    }
    if (!toInfer.isEmpty()) {
      inferShapes(df, schema, toInfer, kinds, known);
    }
    for (int c = 0; c < inputs.length; c++) {
      String name = inputColumns.get(c);
      int ordinal = java.util.Arrays.asList(schema.fields()).indexOf(field(schema, name));
      inputs[c] = new InputColumn(name, ordinal, kinds[c], sources[c], known[c]);
    }
    return inputs;
  }

  /**
   * The shape declared for the argument at {@code position}: by position; else by the name it is
   * bound under; else, for a function of one argument, the one shape declared by name (the
   * function's own name for its argument, whatever the column is called). Null when none.
   */
  private int[] declared(int position) {
    int[] byPosition = argumentShapes.get(position);
    if (byPosition != null) {
      return byPosition;
    }
    int[] byName = shapes.get(inputColumns.get(position));
    if (byName != null) {
      return byName;
    }
    if (oneNamedShapeForOneArgument()) {
      return shapes.values().iterator().next();
    }
    return null;
  }

  /** Whether the one shape declared by name is the function's own name for its one argument. */
  private boolean oneNamedShapeForOneArgument() {
    return namesFromColumns && inputColumns.size() == 1 && shapes.size() == 1;
  }

  /** Fails, with the fix, when a shape is declared for a name no argument is bound under. */
  void checkShapeNames() {
    if (oneNamedShapeForOneArgument()) {
      return;
    }
    for (Map.Entry<String, int[]> e : shapes.entrySet()) {
      if (!inputColumns.contains(e.getKey())) {
        int[] dims = e.getValue();
        String shape =
            Arrays.stream(dims)
                .mapToObj(Integer::toString)
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        throw new IllegalArgumentException(
            "vmapUdf: a shape is declared for '"
                + e.getKey()
                + "', but the function's arguments are bound as "
                + inputColumns
                + " (the input columns, or the argument columns' own names; argN for an"
                + " expression); declare it by position, e.g. shape(0"
                + (shape.isEmpty() ? "" : ", " + shape)
                + "), or under one of those names");
      }
    }
  }

  private static StructField field(StructType schema, String name) {
    boolean caseSensitive = org.apache.spark.sql.internal.SQLConf.get().caseSensitiveAnalysis();
    StructField match = null;
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
      if (!caseSensitive && f.name().equalsIgnoreCase(name)) {
        if (match != null) {
          throw new IllegalArgumentException(
              "vmapUdf: column '"
                  + name
                  + "' is ambiguous: the DataFrame has '"
                  + match.name()
                  + "' and '"
                  + f.name()
                  + "' (spark.sql.caseSensitive is false)");
        }
        match = f;
      }
    }
    if (match != null) {
      return match;
    }
    throw new IllegalArgumentException(
        "vmapUdf: no column '"
            + name
            + "' in the DataFrame; its columns are "
            + Arrays.toString(schema.fieldNames()));
  }

  private static int[] metadataShape(Metadata m) {
    if (!m.contains(VmapUdf.SHAPE_METADATA_KEY)) {
      return null;
    }
    long[] s = m.getLongArray(VmapUdf.SHAPE_METADATA_KEY);
    int[] shape = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      shape[i] = Math.toIntExact(s[i]);
    }
    return shape;
  }

  private static void checkRank(
      String name, DataType type, InputColumn.Kind kind, int depth, int[] shape, boolean declared) {
    boolean ok =
        switch (kind) {
          case ARRAY -> true;
          case NESTED -> shape.length == depth;
          case VECTOR -> shape.length == 1;
          case SCALAR -> shape.length == 0;
        };
    if (!ok) {
      throw new IllegalArgumentException(
          "vmapUdf: column '"
              + name
              + "' of Spark type "
              + type.simpleString()
              + " has "
              + (kind == InputColumn.Kind.NESTED ? depth + " array levels" : "one dimension")
              + ", but its shape "
              + (declared ? "is declared as " : "in the column metadata is ")
              + Arrays.toString(shape));
    }
  }

  /**
   * Infers the shapes of the columns still without one from the data, before any job of the
   * transform: for arrays, the most common lengths among the first batch of rows with no null in
   * these columns (so one ragged row among them is the one reported bad, not every good one); for
   * vectors, the size in the first such row. One small Spark job; only lengths are collected.
   */
  private void inferShapes(
      Dataset<Row> df,
      StructType schema,
      List<String> names,
      InputColumn.Kind[] kinds,
      int[][] known) {
    Column notNull = null;
    for (String name : names) {
      Column c = functions.col(quoted(name));
      notNull = notNull == null ? c.isNotNull() : notNull.and(c.isNotNull());
    }
    List<Column> sizes = new ArrayList<>();
    List<String> vectors = new ArrayList<>();
    for (String name : names) {
      int c = inputColumns.indexOf(name);
      if (kinds[c] == InputColumn.Kind.VECTOR) {
        vectors.add(name);
        continue;
      }
      Column level = functions.col(quoted(name));
      for (DataType t = field(schema, name).dataType(); t instanceof ArrayType a; ) {
        sizes.add(functions.size(level));
        level = level.getItem(0);
        t = kinds[c] == InputColumn.Kind.ARRAY ? null : a.elementType();
      }
    }
    int rows = batchSize > 0 ? batchSize : ArrowBatching.recordsPerBatch(df.sparkSession());
    List<Row> lengths =
        sizes.isEmpty()
            ? List.of()
            : df.where(notNull).select(sizes.toArray(new Column[0])).limit(rows).collectAsList();
    List<Row> firstVector =
        vectors.isEmpty()
            ? List.of()
            : df.where(notNull)
                .select(vectors.stream().map(v -> functions.col(quoted(v))).toArray(Column[]::new))
                .limit(1)
                .collectAsList();
    if (sizes.isEmpty() ? firstVector.isEmpty() : lengths.isEmpty()) {
      throw new ShapeUnknownException(
          names,
          "vmapUdf: cannot infer the per-example shape of column(s) "
              + names
              + ": the DataFrame has no row where they are all non-null (is it empty?); declare"
              + " them with shape(column, dims...)");
    }
    int next = 0;
    int nextVector = 0;
    for (String name : names) {
      int c = inputColumns.indexOf(name);
      DataType t = field(schema, name).dataType();
      if (kinds[c] == InputColumn.Kind.VECTOR) {
        known[c] = new int[] {vectorSize(firstVector.get(0).get(nextVector++), t)};
        continue;
      }
      int levels = kinds[c] == InputColumn.Kind.ARRAY ? 1 : depth(t);
      known[c] = mostCommon(lengths, next, levels);
      next += levels;
    }
  }

  private static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private static int depth(DataType t) {
    int d = 0;
    while (t instanceof ArrayType a) {
      t = a.elementType();
      d++;
    }
    return d;
  }

  /** The most common tuple of {@code levels} lengths from column {@code first} on (ties: first). */
  private static int[] mostCommon(List<Row> rows, int first, int levels) {
    Map<List<Integer>, Integer> counts = new LinkedHashMap<>();
    for (Row r : rows) {
      List<Integer> dims = new ArrayList<>();
      for (int l = 0; l < levels; l++) {
        dims.add(r.isNullAt(first + l) ? -1 : r.getInt(first + l));
      }
      counts.merge(dims, 1, Integer::sum);
    }
    List<Integer> best = null;
    int bestCount = 0;
    for (Map.Entry<List<Integer>, Integer> e : counts.entrySet()) {
      if (e.getValue() > bestCount) {
        best = e.getKey();
        bestCount = e.getValue();
      }
    }
    return best.stream().mapToInt(d -> Math.max(d, 0)).toArray();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int vectorSize(Object vector, DataType t) {
    InternalRow struct = (InternalRow) ((UserDefinedType) t).serialize(vector);
    return struct.getByte(0) == 1 ? struct.getArray(3).numElements() : struct.getInt(1);
  }
}
