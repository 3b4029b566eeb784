package org.vmap4j.spark;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.types.DataType;

/**
 * Everything a {@link VmapUdf} was configured with, immutable: each {@code withX} returns a copy
 * with one part changed. The user's values are checked by {@link VmapUdf}'s methods (which know
 * what the user called); what they mean for a DataFrame is worked out by {@link VmapUdfPlanner}.
 *
 * <p>Grouped by what each part decides, so that a copy changes one small record, not one of twenty
 * constructor arguments.
 *
 * @param callable the user's function over its argument array
 * @param arity how many arguments the user's function takes (1 to 4)
 * @param constants the unmapped first argument, or null when there is none
 * @param inputs which columns the function reads, and at which per-example shapes
 * @param outputs how the results become columns
 * @param rows how rows are batched, and what a bad row does
 * @param randomness what core's random primitives in the function do
 * @param differentiation what the function differentiates (for transforms' error messages)
 */
record VmapUdfOptions(
    SerializableFunction<Object[], Object> callable,
    int arity,
    Constants constants,
    Inputs inputs,
    Outputs outputs,
    Rows rows,
    RowRandomness randomness,
    Differentiation differentiation) {

  /** The defaults for a function of {@code arity} arguments (see each method of VmapUdf). */
  static VmapUdfOptions of(SerializableFunction<Object[], Object> callable, int arity) {
    return new VmapUdfOptions(
        Objects.requireNonNull(callable),
        arity,
        null,
        new Inputs(List.of(), Map.of(), Map.of(), false, null),
        new Outputs(null, null, VmapUdf.DEFAULT_OUTPUT, MatrixLayout.NESTED),
        new Rows(0, ErrorPolicy.FAIL, VmapUdf.DEFAULT_ERROR_COLUMN, NonFinitePolicy.ALLOW, true),
        new RowRandomness(org.vmap4j.Randomness.ERROR, 0),
        new Differentiation(Differentiated.NOTHING, "vmapUdf"));
  }

  boolean hasConstants() {
    return constants != null;
  }

  /** The constants' pytree, or null when there are none. */
  Object constantsPytree() {
    return constants == null ? null : constants.pytree();
  }

  VmapUdfOptions withConstants(Object pytree) {
    return new VmapUdfOptions(
        callable, arity, new Constants(pytree), inputs, outputs, rows, randomness, differentiation);
  }

  VmapUdfOptions withInputs(Inputs i) {
    return new VmapUdfOptions(
        callable, arity, constants, i, outputs, rows, randomness, differentiation);
  }

  VmapUdfOptions withOutputs(Outputs o) {
    return new VmapUdfOptions(
        callable, arity, constants, inputs, o, rows, randomness, differentiation);
  }

  VmapUdfOptions withRows(Rows r) {
    return new VmapUdfOptions(
        callable, arity, constants, inputs, outputs, r, randomness, differentiation);
  }

  VmapUdfOptions withRandomness(RowRandomness r) {
    return new VmapUdfOptions(
        callable, arity, constants, inputs, outputs, rows, r, differentiation);
  }

  VmapUdfOptions withDifferentiation(Differentiation d) {
    return new VmapUdfOptions(callable, arity, constants, inputs, outputs, rows, randomness, d);
  }

  /**
   * The unmapped first argument of a function with constants (a record, so that "constants given as
   * null" and "no constants" stay apart).
   */
  record Constants(Object pytree) {}

  /**
   * The columns the function reads and their declared shapes.
   *
   * @param columns the input columns in argument order; empty until given or bound
   * @param shapesByName shapes declared with {@code shape(column, dims...)}
   * @param shapesByPosition shapes declared with {@code shape(position, dims...)}
   * @param namesFromColumns whether {@code columns} are the names of the columns a Column-form call
   *     was applied to (not given by the user): then a single shape declared by name is the
   *     function's own name for its one argument
   * @param keyColumn the column whose value error messages quote for a bad row; null: none
   */
  record Inputs(
      List<String> columns,
      Map<String, int[]> shapesByName,
      Map<Integer, int[]> shapesByPosition,
      boolean namesFromColumns,
      String keyColumn) {

    Inputs withColumns(List<String> c) {
      return new Inputs(checked(c), shapesByName, shapesByPosition, namesFromColumns, keyColumn);
    }

    /** Bound to the columns of a Column-form call (see {@link #namesFromColumns}). */
    Inputs boundTo(List<String> c) {
      return new Inputs(checked(c), shapesByName, shapesByPosition, columns.isEmpty(), keyColumn);
    }

    private static List<String> checked(List<String> columns) {
      List<String> cols = List.copyOf(columns);
      if (cols.isEmpty()) {
        throw new IllegalArgumentException("vmapUdf: inputColumns needs at least one column");
      }
      if (new java.util.HashSet<>(cols).size() != cols.size()) {
        throw new IllegalArgumentException("vmapUdf: inputColumns has duplicates: " + cols);
      }
      return cols;
    }

    Inputs withShape(String column, int[] shape) {
      Map<String, int[]> s = new LinkedHashMap<>(shapesByName);
      s.put(column, shape.clone());
      return new Inputs(columns, Map.copyOf(s), shapesByPosition, namesFromColumns, keyColumn);
    }

    Inputs withShape(int position, int[] shape) {
      Map<Integer, int[]> s = new LinkedHashMap<>(shapesByPosition);
      s.put(position, shape.clone());
      return new Inputs(columns, shapesByName, Map.copyOf(s), namesFromColumns, keyColumn);
    }

    Inputs withKeyColumn(String column) {
      return new Inputs(columns, shapesByName, shapesByPosition, namesFromColumns, column);
    }
  }

  /**
   * How the function's results become columns.
   *
   * @param names the output columns' names; null: derived from the result's pytree and {@code
   *     prefix}
   * @param types the output columns' Spark types; null: from the results' dtypes and shapes
   * @param prefix the name of a single unnamed output, or the prefix of derived names
   * @param layout how a matrix or higher result is written
   */
  record Outputs(List<String> names, List<DataType> types, String prefix, MatrixLayout layout) {
    Outputs withNames(List<String> n) {
      return new Outputs(List.copyOf(n), types, prefix, layout);
    }

    Outputs withTypes(List<DataType> t) {
      return new Outputs(names, List.copyOf(t), prefix, layout);
    }

    Outputs withPrefix(String p) {
      return new Outputs(names, types, p, layout);
    }

    Outputs withLayout(MatrixLayout l) {
      return new Outputs(names, types, prefix, l);
    }
  }

  /**
   * How a partition's rows are run.
   *
   * @param batchSize rows per batch; 0: the session's {@code maxRecordsPerBatch}
   * @param errorPolicy what a bad row does
   * @param errorColumn the error column's name under {@link ErrorPolicy#ERROR_COLUMN}
   * @param nonFinite whether NaN and infinities in inputs are rows like any other
   * @param arrowBatches whether batches pass through Arrow vectors
   */
  record Rows(
      int batchSize,
      ErrorPolicy errorPolicy,
      String errorColumn,
      NonFinitePolicy nonFinite,
      boolean arrowBatches) {
    Rows withBatchSize(int n) {
      return new Rows(n, errorPolicy, errorColumn, nonFinite, arrowBatches);
    }

    Rows withErrorPolicy(ErrorPolicy p) {
      return new Rows(batchSize, p, errorColumn, nonFinite, arrowBatches);
    }

    /** {@link ErrorPolicy#ERROR_COLUMN} with an error column of this name. */
    Rows withErrorColumn(String name) {
      return new Rows(batchSize, ErrorPolicy.ERROR_COLUMN, name, nonFinite, arrowBatches);
    }

    Rows withNonFinite(NonFinitePolicy p) {
      return new Rows(batchSize, errorPolicy, errorColumn, p, arrowBatches);
    }

    Rows withArrowBatches(boolean viaArrow) {
      return new Rows(batchSize, errorPolicy, errorColumn, nonFinite, viaArrow);
    }
  }

  /**
   * What core's random primitives in the function do, and the seed that keys per-row numbers.
   *
   * @param mode ERROR (refused) or DIFFERENT (per-row numbers); SAME is refused by VmapUdf
   * @param seed keys per-row numbers under DIFFERENT
   */
  record RowRandomness(org.vmap4j.Randomness mode, long seed) {
    /** Whether each row draws its own numbers. */
    boolean perRow() {
      return mode == org.vmap4j.Randomness.DIFFERENT;
    }
  }

  /**
   * What the function differentiates with respect to, set by {@link PerSampleGradients} and {@link
   * Jacobians}, and the transform's name for error messages (see {@link Differentiated}).
   */
  record Differentiation(Differentiated what, String transformName) {}
}
