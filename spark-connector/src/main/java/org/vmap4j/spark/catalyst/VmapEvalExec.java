package org.vmap4j.spark.catalyst;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SortOrder;
import org.apache.spark.sql.catalyst.plans.physical.Partitioning;
import org.apache.spark.sql.execution.SparkPlan;
import org.vmap4j.spark.executor.InputColumn;
import org.vmap4j.spark.executor.PartitionProcessor;
import org.vmap4j.spark.executor.ResolvedFunction;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The batched physical operator of vmapUdf columns (what {@code explain()} shows as {@code
 * VmapEval}): the child's rows, in order, each with the outputs of every vmapUdf call of the
 * operator above appended. The calls run in one pass over the partition, pipelined: each cuts the
 * rows into batches, runs its kernel once per batch (see {@link PartitionProcessor}) and hands the
 * rows with its outputs to the next.
 *
 * <p>Internal: public only because Catalyst copies plan nodes through their public constructors.
 */
public final class VmapEvalExec extends SparkPlan {
  /**
   * Driver-side only: whole-stage code generation ships the plan tree to executors, but what they
   * need of the calls travels in {@link #doExecute}'s processors.
   */
  private final transient Seq<VmapUdfExpression> calls;

  private final Seq<Attribute> results;
  private final SparkPlan child;

  public VmapEvalExec(Seq<VmapUdfExpression> calls, Seq<Attribute> results, SparkPlan child) {
    this.calls = calls;
    this.results = results;
    this.child = child;
  }

  @Override
  public RDD<InternalRow> doExecute() {
    List<Attribute> in = CollectionConverters.asJava(child.output());
    List<PartitionProcessor> processors = new ArrayList<>();
    for (VmapUdfExpression call : CollectionConverters.asJava(calls)) {
      ResolvedFunction resolved = call.resolvedFunction();
      List<Expression> args = call.arguments();
      InputColumn[] inputs = new InputColumn[args.size()];
      for (int a = 0; a < inputs.length; a++) {
        inputs[a] = resolved.inputs()[a].at(ordinal(in, args.get(a), call));
      }
      Expression key = call.key();
      processors.add(
          call.udf()
              .processor(
                  resolved,
                  inputs,
                  session(),
                  key == null ? -1 : ordinal(in, key, call),
                  key == null ? null : key.dataType()));
    }
    return child.execute().toJavaRDD().mapPartitions(new Pipeline(processors)).rdd();
  }

  /** Where an argument is in the child's rows (the strategy makes every argument an attribute). */
  private static int ordinal(List<Attribute> in, Expression arg, VmapUdfExpression call) {
    if (arg instanceof Attribute a) {
      for (int i = 0; i < in.size(); i++) {
        if (in.get(i).exprId().equals(a.exprId())) {
          return i;
        }
      }
    }
    throw new IllegalStateException(
        "internal: argument " + arg + " of " + call + " is not a column of its input " + in);
  }

  /** The calls' processors, each consuming the rows (with earlier outputs) the last produced. */
  private record Pipeline(List<PartitionProcessor> processors)
      implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
      Iterator<InternalRow> out = rows;
      for (PartitionProcessor p : processors) {
        out = p.call(out);
      }
      return out;
    }
  }

  @Override
  public Seq<Attribute> output() {
    List<Attribute> all = new ArrayList<>(CollectionConverters.asJava(child.output()));
    all.addAll(CollectionConverters.asJava(results));
    return VmapStrategy.seq(all);
  }

  @Override
  public Partitioning outputPartitioning() {
    return child.outputPartitioning();
  }

  @Override
  public Seq<SortOrder> outputOrdering() {
    return child.outputOrdering();
  }

  @Override
  public Seq<SparkPlan> children() {
    return scala.collection.immutable.List.from(
        CollectionConverters.asScala(java.util.List.of(child)));
  }

  @Override
  public SparkPlan withNewChildrenInternal(IndexedSeq<SparkPlan> newChildren) {
    return new VmapEvalExec(calls, results, newChildren.apply(0));
  }

  /**
   * The constructor arguments in order: Catalyst's Product view and copies, and this node's
   * equality , all come from here.
   */
  private Object[] fields() {
    return new Object[] {calls, results, child};
  }

  @Override
  public int productArity() {
    return fields().length;
  }

  @Override
  public Object productElement(int n) {
    return fields()[n];
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof VmapEvalExec;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VmapEvalExec other && java.util.Arrays.equals(fields(), other.fields());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(fields());
  }
}
