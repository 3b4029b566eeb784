package org.vmap4j.spark;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.CreateNamedStruct;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal$;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.types.StructField;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * vmap4j's planner strategy, the way Spark plans its Arrow Python UDFs: an operator whose
 * expressions call vmapUdf functions is planned over a {@link VmapEvalNode} that computes the calls
 * batched, with each call replaced by a reference to its result. Every call of one operator shares
 * that node (one pass over the rows); calls nested in another call's arguments are computed by a
 * node below. Filters, aggregates and other single-input operators work alike; an operator with two
 * inputs (a join condition) is an error that says to compute the column first.
 */
public final class VmapStrategy extends SparkStrategy {

  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof VmapEvalNode node) {
      return seq(List.of(new VmapEvalExec(node.calls(), node.results(), planLater(node.child()))));
    }
    List<VmapUdfExpression> calls = innermostCalls(plan);
    if (calls.isEmpty()) {
      return seq(List.of());
    }
    if (plan.children().size() != 1) {
      throw new IllegalArgumentException(
          "vmapUdf: a vmapUdf column is used in "
              + plan.nodeName()
              + ", which has "
              + plan.children().size()
              + " inputs; compute it in a select (withColumn) on one input first");
    }
    return seq(List.of(planLater(rewrite(plan, calls))));
  }

  /** The calls in the plan's expressions whose arguments call no vmapUdf, each once. */
  private static List<VmapUdfExpression> innermostCalls(LogicalPlan plan) {
    Set<VmapUdfExpression> found = new LinkedHashSet<>();
    for (Expression e : CollectionConverters.asJava(plan.expressions())) {
      collect(e, found);
    }
    return new ArrayList<>(found);
  }

  /** Adds the innermost calls under {@code e}; whether {@code e} contains a call. */
  private static boolean collect(Expression e, Set<VmapUdfExpression> found) {
    boolean below = false;
    for (Expression c : CollectionConverters.asJava(e.children())) {
      below |= collect(c, found);
    }
    if (e instanceof VmapUdfExpression call) {
      if (!below) {
        found.add(call);
      }
      return true;
    }
    return below;
  }

  /**
   * {@code plan} over a node computing {@code calls}: arguments that are not columns of the input
   * are computed by a projection below it, and when the operator passes its input's columns through
   * (a filter), a projection above it drops the added ones again.
   */
  private static LogicalPlan rewrite(LogicalPlan plan, List<VmapUdfExpression> calls) {
    LogicalPlan input = plan.children().apply(0);
    List<Attribute> inputColumns = CollectionConverters.asJava(input.output());
    List<NamedExpression> computedArguments = new ArrayList<>();
    List<VmapUdfExpression> evaluated = new ArrayList<>();
    List<Attribute> results = new ArrayList<>();
    Map<VmapUdfExpression, Expression> replacement = new java.util.HashMap<>();
    for (VmapUdfExpression call : calls) {
      List<Expression> args = new ArrayList<>();
      for (Expression a : CollectionConverters.asJava(call.children())) {
        if (a instanceof Attribute at && input.outputSet().contains(at)) {
          args.add(a);
        } else {
          Alias computed = alias(a, "vmap_arg");
          computedArguments.add(computed);
          args.add(computed.toAttribute());
        }
      }
      evaluated.add((VmapUdfExpression) call.withNewChildren(seq(args)));
      List<StructField> fields = call.resultFields();
      List<Expression> structParts = new ArrayList<>();
      Attribute single = null;
      for (StructField f : fields) {
        AttributeReference r = attribute(f);
        results.add(r);
        single = r;
        structParts.add(Literal$.MODULE$.apply((Object) f.name()));
        structParts.add(r);
      }
      replacement.put(call, fields.size() == 1 ? single : new CreateNamedStruct(seq(structParts)));
    }
    LogicalPlan below = input;
    if (!computedArguments.isEmpty()) {
      List<NamedExpression> list = new ArrayList<>(inputColumns);
      list.addAll(computedArguments);
      below = new Project(seq(list), input);
    }
    VmapEvalNode node = new VmapEvalNode(seq(evaluated), seq(results), below);
    LogicalPlan rewritten =
        plan.mapExpressions(e -> replace(e, replacement)).withNewChildren(seq(List.of(node)));
    if (rewritten.output().size() != plan.output().size()) {
      return new Project(seq(new ArrayList<NamedExpression>(asJava(plan.output()))), rewritten);
    }
    return rewritten;
  }

  private static Expression replace(Expression e, Map<VmapUdfExpression, Expression> replacement) {
    if (e instanceof VmapUdfExpression call && replacement.containsKey(call)) {
      return replacement.get(call);
    }
    List<Expression> children = new ArrayList<>();
    for (Expression c : CollectionConverters.asJava(e.children())) {
      children.add(replace(c, replacement));
    }
    return children.isEmpty() ? e : e.withNewChildren(seq(children));
  }

  private static Alias alias(Expression e, String name) {
    return new Alias(
        e,
        name,
        org.apache.spark.sql.catalyst.expressions.NamedExpression$.MODULE$.newExprId(),
        seq(List.of()),
        Option.empty(),
        seq(List.of()));
  }

  private static AttributeReference attribute(StructField f) {
    return new AttributeReference(
        f.name(),
        f.dataType(),
        f.nullable(),
        f.metadata(),
        org.apache.spark.sql.catalyst.expressions.NamedExpression$.MODULE$.newExprId(),
        seq(List.of()));
  }

  private static <T> List<T> asJava(Seq<? extends T> s) {
    return new ArrayList<>(CollectionConverters.asJava(s));
  }

  static <T> Seq<T> seq(List<T> list) {
    return scala.collection.immutable.List.from(CollectionConverters.asScala(list));
  }
}
