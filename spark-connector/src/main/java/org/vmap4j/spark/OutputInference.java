package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.spark.executor.EagerKernel;
import org.vmap4j.spark.executor.InputColumn;
import org.vmap4j.spark.executor.OutputColumn;

/**
 * Infers a vmapUdf's output columns on the driver by running the function once, under vmap, on a
 * batch of one row of zeros of the input shapes: the names (given, or from the result's pytree),
 * per-example shapes and dtypes of the results, and the Spark types (given, or from those).
 */
final class OutputInference {
  private final Object constants;
  private final boolean hasConstants;
  private final int arity;
  private final List<String> inputColumns;
  private final List<String> outputNames;
  private final List<DataType> outputTypes;
  private final String outputPrefix;
  private final MatrixLayout matrixLayout;

  OutputInference(VmapUdfOptions options) {
    this.constants = options.constantsPytree();
    this.hasConstants = options.hasConstants();
    this.arity = options.arity();
    this.inputColumns = options.inputs().columns();
    this.outputNames = options.outputs().names();
    this.outputTypes = options.outputs().types();
    this.outputPrefix = options.outputs().prefix();
    this.matrixLayout = options.outputs().layout();
  }

  /** The output columns of {@code kernel}'s function over {@code inputs}. */
  OutputColumn[] infer(EagerKernel kernel, InputColumn[] inputs) {
    List<Tensor> zeros = new ArrayList<>();
    for (InputColumn c : inputs) {
      int[] shape = new int[c.shape.length + 1];
      shape[0] = 1;
      System.arraycopy(c.shape, 0, shape, 1, c.shape.length);
      zeros.add(Tensor.zeros(c.dtype, shape));
    }
    Object result;
    try {
      result = kernel.callTree(constants, zeros);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(argumentMismatch(e, inputs), e);
    } catch (RuntimeException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("vmapUdf: the function reads")) {
        throw e;
      }
      throw new IllegalArgumentException(
          "vmapUdf: the function failed when run once on the driver on zeros of the input"
              + " shapes, to infer its outputs (inputs: "
              + describe(inputs)
              + "): "
              + e.getMessage(),
          e);
    }
    Tree.Flat flat = Tree.flatten(result);
    List<String> names =
        flat.def().leafNames(outputPrefix, outputPrefix.equals(VmapUdf.DEFAULT_OUTPUT));
    if (outputNames != null) {
      if (outputNames.size() != names.size()) {
        throw new IllegalArgumentException(
            "vmapUdf: "
                + outputNames.size()
                + " output column names were given "
                + outputNames
                + ", but the function returns "
                + names.size()
                + " tensors "
                + names);
      }
      names = outputNames;
    }
    if (outputTypes != null && outputTypes.size() != names.size()) {
      throw new IllegalArgumentException(
          "vmapUdf: "
              + outputTypes.size()
              + " output types were given, but the function returns "
              + names.size()
              + " tensors "
              + names);
    }
    OutputColumn[] outputs = new OutputColumn[names.size()];
    for (int o = 0; o < outputs.length; o++) {
      Tensor t = flat.leaves().get(o);
      int[] s = t.shape();
      if (s.length == 0 || s[0] != 1) {
        throw new IllegalStateException(
            "vmapUdf: output " + names.get(o) + " lost its batch dimension: " + t.type());
      }
      int[] shape = Arrays.copyOfRange(s, 1, s.length);
      DType dtype = t.dtype();
      OutputColumn column = new OutputColumn(names.get(o), dtype, shape, matrixLayout);
      if (outputTypes != null) {
        DataType given = outputTypes.get(o);
        DataType e = given;
        int depth = 0;
        while (e instanceof ArrayType a) {
          e = a.elementType();
          depth++;
        }
        DType d = OutputColumn.dtypeOf(e);
        if (d == null || depth != column.arrayDepth()) {
          throw new IllegalArgumentException(
              "vmapUdf: output '"
                  + names.get(o)
                  + "' has per-example shape "
                  + Arrays.toString(shape)
                  + " ("
                  + dtype.shortName()
                  + "), which is a Spark "
                  + column.sparkType().simpleString()
                  + " column; the type given, "
                  + given.simpleString()
                  + ", "
                  + (d == null ? "has no tensor element type" : "has " + depth + " array levels"));
        }
        column = new OutputColumn(names.get(o), d, shape, matrixLayout);
      }
      outputs[o] = column;
    }
    return outputs;
  }

  /**
   * What the function takes against what the columns give, when it could not take its argument (a
   * ClassCastException on the driver's run on zeros).
   */
  private String argumentMismatch(ClassCastException e, InputColumn[] inputs) {
    String m = String.valueOf(e.getMessage());
    String given =
        switch (inputs.length == 1 || arity == 2 && !hasConstants
            ? EagerKernel.Binding.TENSOR
            : EagerKernel.Binding.MAP) {
          case MAP -> "a Map<String, Tensor> of the " + inputs.length + " columns " + inputColumns;
          default ->
              "the Tensor of "
                  + (inputs.length == 1 ? "the column " : "the columns ")
                  + inputColumns;
        };
    String fix;
    if (m.contains("to class org.vmap4j.Tensor")) {
      fix =
          "it takes one Tensor, so apply it to one column (or write it over a Map<String, Tensor>"
              + " to read several)";
    } else if (m.contains("to class java.util.Map")) {
      fix =
          "it takes a Map<String, Tensor>, which it gets for several columns; for one column"
              + " write it over a Tensor";
    } else {
      fix = "its argument type does not fit";
    }
    return "vmapUdf: the function cannot take its argument: it was given "
        + given
        + ", but "
        + fix
        + " ("
        + m
        + ")";
  }

  private static String describe(InputColumn[] inputs) {
    StringBuilder s = new StringBuilder();
    for (InputColumn c : inputs) {
      s.append(s.length() == 0 ? "" : ", ")
          .append(c.name)
          .append(' ')
          .append(c.dtype.shortName())
          .append(Arrays.toString(c.shape));
    }
    return s.toString();
  }
}
