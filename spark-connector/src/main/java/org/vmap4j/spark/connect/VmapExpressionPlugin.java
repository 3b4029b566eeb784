package org.vmap4j.spark.connect;

import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.connect.planner.SparkConnectPlanner;
import org.apache.spark.sql.connect.plugin.ExpressionPlugin;
import org.vmap4j.remote.RemoteCall;
import org.vmap4j.spark.VmapSpark;

/**
 * Spark Connect's entry for vmap4j columns: a client's {@link RemoteCall} (an expression extension
 * of type {@value RemoteCall#TYPE_URL}) becomes the classic vmapUdf call on the client's argument
 * expressions, planned by vmap4j's planner as {@code VmapEval} like any classic vmapUdf column.
 * Register it on the server with
 *
 * <pre>
 * --conf spark.connect.extensions.expression.classes=org.vmap4j.spark.connect.VmapExpressionPlugin
 * --conf spark.sql.extensions=org.vmap4j.spark.VmapSparkExtensions
 * </pre>
 *
 * (the planner is also installed on the client's session when missing).
 */
public final class VmapExpressionPlugin implements ExpressionPlugin {

  @Override
  public Optional<Expression> transform(byte[] any, SparkConnectPlanner planner) {
    Optional<byte[]> payload = ProtoAny.unpack(any, RemoteCall.TYPE_URL);
    if (payload.isEmpty()) {
      return Optional.empty();
    }
    RemoteCall call = RemoteCall.fromBytes(payload.get());
    VmapSpark.install(planner.session());
    List<byte[]> expressions = call.argumentExpressions();
    if (expressions.size() != call.argumentNames().size()) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: the call declares "
              + call.argumentNames().size()
              + " arguments "
              + call.argumentNames()
              + " but carries "
              + expressions.size()
              + " argument expressions");
    }
    Column[] arguments = new Column[expressions.size()];
    for (int i = 0; i < arguments.length; i++) {
      arguments[i] = ExpressionUtils.column(planner.transformExpression(parse(expressions.get(i))));
    }
    return Optional.of(ExpressionUtils.expression(RemoteUdfs.udf(call).apply(arguments)));
  }

  private static org.apache.spark.connect.proto.Expression parse(byte[] bytes) {
    try {
      return org.apache.spark.connect.proto.Expression.parseFrom(bytes);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect: an argument expression is not a Spark Connect Expression: "
              + e.getMessage(),
          e);
    }
  }
}
