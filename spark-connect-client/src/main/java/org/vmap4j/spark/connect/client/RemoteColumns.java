package org.vmap4j.spark.connect.client;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.connect.proto.Command;
import org.apache.spark.connect.proto.Expression;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connect.ColumnNodeToProtoConverter;
import org.apache.spark.sql.connect.ProtoColumnNode;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.internal.ColumnNode;
import org.apache.spark.sql.internal.UnresolvedAttribute;
import org.sparkproject.com.google.protobuf.Any;
import org.sparkproject.com.google.protobuf.ByteString;
import org.vmap4j.remote.RemoteCall;

/**
 * How a traced call reaches the server through the Spark Connect JVM client: as a {@link Column}
 * whose proto expression is an extension ({@code google.protobuf.Any} of type {@value
 * RemoteCall#TYPE_URL}), and as a command extension that registers a SQL function. The client's
 * {@code ProtoColumnNode} is what lets a Column carry a ready-made proto expression.
 */
final class RemoteColumns {
  private RemoteColumns() {}

  /** The call as a Column, on the given argument columns (shipped as proto expressions). */
  static Column column(RemoteCall call, Column... arguments) {
    List<byte[]> expressions = new ArrayList<>();
    for (Column c : arguments) {
      expressions.add(ColumnNodeToProtoConverter.toExpr(c).toByteArray());
    }
    byte[] payload = call.withArgumentExpressions(expressions).toBytes();
    Expression e =
        Expression.newBuilder()
            .setExtension(
                Any.newBuilder()
                    .setTypeUrl(RemoteCall.TYPE_URL)
                    .setValue(ByteString.copyFrom(payload)))
            .build();
    return new Column(ProtoColumnNode.apply(e, ProtoColumnNode.apply$default$2()));
  }

  /** Registers the call as the session's SQL function {@code name}. */
  static void register(SparkSession spark, String name, RemoteCall call) {
    if (!(spark instanceof org.apache.spark.sql.connect.SparkSession remote)) {
      throw new IllegalArgumentException(
          "vmap4j Spark Connect client: "
              + spark.getClass().getName()
              + " is not a Spark Connect session; in classic Spark use org.vmap4j.spark.VmapSpark"
              + ".register");
    }
    Command command =
        Command.newBuilder()
            .setExtension(
                Any.newBuilder()
                    .setTypeUrl(RemoteCall.REGISTER_TYPE_URL)
                    .setValue(ByteString.copyFrom(RemoteCall.registration(name, call))))
            .build();
    remote.execute(command);
  }

  /** A column's own name (as the classic connector binds arguments), or null for an expression. */
  static String name(Column c) {
    ColumnNode node = c.node();
    if (node instanceof UnresolvedAttribute a) {
      return a.nameParts().last();
    }
    if (node instanceof org.apache.spark.sql.internal.Alias a && a.name().size() == 1) {
      return a.name().head();
    }
    return null;
  }

  /** Argument names: each column's own name, else {@code argN}. */
  static List<String> names(Column... arguments) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < arguments.length; i++) {
      String n = name(arguments[i]);
      names.add(n == null ? "arg" + i : n);
    }
    return names;
  }

  /** {@code df}'s columns, then the call's outputs as columns (as classic {@code transform}). */
  static Dataset<Row> append(
      Dataset<Row> df, RemoteCall call, List<String> inputColumns, List<String> outputs) {
    Column[] args = inputColumns.stream().map(functions::col).toArray(Column[]::new);
    Column result = column(call, args);
    if (outputs.size() == 1) {
      return df.withColumn(outputs.get(0), result);
    }
    String tmp = "__vmap4j_call";
    List<Column> out = new ArrayList<>();
    for (String c : df.columns()) {
      out.add(df.col(c));
    }
    for (String o : outputs) {
      out.add(functions.col(tmp).getField(o).as(o));
    }
    return df.withColumn(tmp, result).select(out.toArray(new Column[0]));
  }
}
