package org.vmap4j.spark.connect;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.Tensor;
import org.vmap4j.remote.RemoteCall;
import org.vmap4j.spark.Jacobians;
import org.vmap4j.spark.PerSampleGradients;
import org.vmap4j.spark.SerializableBiFunction;
import org.vmap4j.spark.SerializableFunction;
import org.vmap4j.spark.VmapFunctions;
import org.vmap4j.spark.VmapUdf;

/**
 * Turns a client's {@link RemoteCall} into the classic connector's {@link VmapUdf}, through the
 * same builders a classic user calls ({@code vmapUdf}, {@link PerSampleGradients#of}, {@link
 * Jacobians#of}): the traced program stands in for the user's function, so planning, batching,
 * output types, gradient and Jacobian rules and error messages are the classic ones.
 *
 * <p>The udf of one payload is built once per server JVM (by the payload's bytes): a payload used
 * twice in one query (a struct's fields read one by one) is then one call, computed once per row,
 * as the classic planner does for one {@code VmapUdf}.
 */
final class RemoteUdfs {
  private RemoteUdfs() {}

  private static final int MAX_CACHED = 256;

  private static final Map<String, VmapUdf> BUILT =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, VmapUdf> eldest) {
              return size() > MAX_CACHED;
            }
          });

  /** The udf of {@code call} (its argument expressions aside). */
  static VmapUdf udf(RemoteCall call) {
    String key =
        java.util.HexFormat.of().formatHex(sha256(call.withArgumentExpressions(List.of())));
    VmapUdf built = BUILT.get(key);
    if (built == null) {
      built = build(call);
      BUILT.put(key, built);
    }
    return built;
  }

  private static VmapUdf build(RemoteCall call) {
    ClientProgram program = new ClientProgram(call.program());
    org.vmap4j.ir.Program constantsProgram = ClientProgram.read(call.constants());
    if (!constantsProgram.inputs().isEmpty()) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: the constants must be a program of no inputs, it has "
              + constantsProgram.inputs().size());
    }
    List<Tensor> constants = constantsProgram.evaluate(List.of());
    List<String> names = call.argumentNames();
    if (names.isEmpty()) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: a call needs at least one argument");
    }
    int inputs = program.program().inputs().size();
    if (inputs != constants.size() + names.size()) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: the program takes "
              + inputs
              + " inputs, but the call has "
              + constants.size()
              + " constants and "
              + names.size()
              + " arguments "
              + names);
    }
    int outputs = program.program().outputs().size();
    boolean oneOutput = call.kind() != RemoteCall.Kind.VMAP_UDF;
    if (oneOutput ? outputs != 1 : outputs != call.outputNames().size()) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: the program has "
              + outputs
              + " outputs, the call names "
              + call.outputNames()
              + (oneOutput ? " (a loss or Jacobian function has one output)" : ""));
    }
    VmapUdf udf =
        switch (call.kind()) {
          case VMAP_UDF -> plain(program, constants, names, call.outputNames().size());
          case PER_SAMPLE_GRADIENTS -> gradients(program, constants, names, call);
          case JACOBIANS -> jacobians(program, constants, names, call);
        };
    for (int i = 0; i < names.size(); i++) {
      udf = udf.shape(i, call.argumentShapes().get(i));
    }
    if (!call.outputNames().isEmpty()) {
      udf = udf.outputColumns(call.outputNames().toArray(new String[0]));
    }
    if (call.batchSize() > 0) {
      udf = udf.batchSize(call.batchSize());
    }
    return udf;
  }

  /** The example as the classic udf hands it: one column's tensor, or a map by argument name. */
  @SuppressWarnings("unchecked")
  private static List<Tensor> arguments(Object example, List<String> names) {
    if (names.size() == 1) {
      return List.of((Tensor) example);
    }
    Map<String, Tensor> byName = (Map<String, Tensor>) example;
    List<Tensor> out = new ArrayList<>();
    for (String name : names) {
      out.add(byName.get(name));
    }
    return out;
  }

  private static VmapUdf plain(
      ClientProgram program, List<Tensor> constants, List<String> names, int outputs) {
    String[] columns = names.toArray(new String[0]);
    if (constants.isEmpty()) {
      SerializableFunction<Object, Object> fn =
          x -> result(program.run(List.of(), names, arguments(x, names)), outputs);
      return VmapFunctions.vmapUdf(fn).inputColumns(columns);
    }
    SerializableBiFunction<List<Tensor>, Object, Object> fn =
        (c, x) -> result(program.run(c, names, arguments(x, names)), outputs);
    return VmapFunctions.vmapUdf(fn).constants(constants).inputColumns(columns);
  }

  /** One output as itself (its own column), several as a list (one column each). */
  private static Object result(List<Tensor> leaves, int outputs) {
    return outputs == 1 && leaves.size() == 1 ? leaves.get(0) : leaves;
  }

  private static VmapUdf gradients(
      ClientProgram program, List<Tensor> params, List<String> names, RemoteCall call) {
    SerializableBiFunction<List<Tensor>, Object, Tensor> loss =
        (p, x) -> program.run(p, names, arguments(x, names)).get(0);
    PerSampleGradients g =
        PerSampleGradients.of(loss, params).inputColumns(names.toArray(new String[0]));
    if (call.flat()) {
      g = g.flat();
    }
    if (!call.normColumn().isEmpty()) {
      g = g.withNorm(call.normColumn());
    }
    if (call.clip() > 0) {
      g = g.clipNorm(call.clip());
    }
    return g.toVmapUdf();
  }

  private static VmapUdf jacobians(
      ClientProgram program, List<Tensor> constants, List<String> names, RemoteCall call) {
    if (names.size() != 1) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: Jacobians take one argument, the call has " + names);
    }
    Jacobians j =
        constants.isEmpty()
            ? Jacobians.of((Tensor x) -> program.run(List.of(), names, List.of(x)).get(0))
            : Jacobians.of(
                (List<Tensor> c, Tensor x) -> program.run(c, names, List.of(x)).get(0), constants);
    j = j.inputColumn(names.get(0));
    if (call.forwardMode()) {
      j = j.forwardMode();
    }
    return j.toVmapUdf();
  }

  private static byte[] sha256(RemoteCall call) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(call.toBytes());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
