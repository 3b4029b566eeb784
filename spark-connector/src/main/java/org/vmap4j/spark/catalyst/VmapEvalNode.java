package org.vmap4j.spark.catalyst;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeSet;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The logical form of {@link VmapEvalExec}: the child's rows with the results of some vmapUdf calls
 * appended ({@code results}: for each call in order, one attribute per output field). Created by
 * {@link VmapStrategy} while planning, never by the analyzer or optimizer.
 *
 * <p>Internal: public only because Catalyst copies plan nodes through their public constructors.
 */
public final class VmapEvalNode extends LogicalPlan {
  private final Seq<VmapUdfExpression> calls;
  private final Seq<Attribute> results;
  private final LogicalPlan child;

  public VmapEvalNode(Seq<VmapUdfExpression> calls, Seq<Attribute> results, LogicalPlan child) {
    this.calls = calls;
    this.results = results;
    this.child = child;
  }

  Seq<VmapUdfExpression> calls() {
    return calls;
  }

  Seq<Attribute> results() {
    return results;
  }

  LogicalPlan child() {
    return child;
  }

  @Override
  public Seq<Attribute> output() {
    List<Attribute> all = new ArrayList<>(CollectionConverters.asJava(child.output()));
    all.addAll(CollectionConverters.asJava(results));
    return VmapStrategy.seq(all);
  }

  @Override
  public AttributeSet producedAttributes() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    scala.collection.Iterable<org.apache.spark.sql.catalyst.expressions.Expression> attrs =
        (scala.collection.Iterable) results;
    return AttributeSet.apply(attrs);
  }

  @Override
  public Seq<LogicalPlan> children() {
    return scala.collection.immutable.List.from(
        scala.jdk.javaapi.CollectionConverters.asScala(java.util.List.of(child)));
  }

  @Override
  public LogicalPlan withNewChildrenInternal(IndexedSeq<LogicalPlan> newChildren) {
    return new VmapEvalNode(calls, results, newChildren.apply(0));
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
    return that instanceof VmapEvalNode;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VmapEvalNode other && java.util.Arrays.equals(fields(), other.fields());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(fields());
  }
}
