package org.vmap4j.spark.catalyst;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.CreateNamedStruct;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GetStructField;
import org.apache.spark.sql.catalyst.expressions.Literal$;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.SparkStrategy;
import org.apache.spark.sql.types.StructField;
import org.vmap4j.spark.VmapSparkExtensions;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * vmap4j's planner strategy, the way Spark plans its Arrow Python UDFs: an operator whose
 * expressions call vmapUdf functions is planned over a {@link VmapEvalNode} that computes the calls
 * batched, with each call replaced by a reference to its result.
 *
 * <p>The first operator with calls that the planner reaches (the topmost) has its whole subtree
 * rewritten at once, bottom-up: every call of one operator shares one node (one pass over the
 * rows); calls nested in another call's arguments are computed by a node below; a call equal to one
 * a node further down already computes (SQL's {@code SELECT f(x) ... WHERE f(x) > 0.5}) reuses that
 * result instead of running again. Then Catalyst's own column pruning runs over the rewritten
 * subtree, so each node reads only the columns its operator and calls need (a Parquet scan under it
 * reads no others). Filters, aggregates and other single-input operators work alike; an operator
 * with two inputs (a join condition) is an error that says to compute the column first.
 */
public final class VmapStrategy extends SparkStrategy {

  /** What to do when vmap4j's planner is missing, for error messages. */
  static final String HOW_TO_INSTALL =
      "vmapUdf columns run batched through vmap4j's planner, which this session does not have;"
          + " start Spark with --conf spark.sql.extensions="
          + VmapSparkExtensions.class.getName()
          + ", or call org.vmap4j.spark.VmapSpark.install(spark) on the running session";

  /** Whether {@code spark} plans vmapUdf columns (through this strategy). */
  public static boolean isInstalled(SparkSession spark) {
    for (SparkStrategy s :
        CollectionConverters.asJava(classic(spark).sessionState().planner().strategies())) {
      if (s instanceof VmapStrategy) {
        return true;
      }
    }
    return false;
  }

  /** Null when the active session (if any) plans vmapUdf columns, else what to do. */
  static String missingPlannerMessage() {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isEmpty() || isInstalled(active.get())) {
      return null;
    }
    return HOW_TO_INSTALL;
  }

  private static org.apache.spark.sql.classic.SparkSession classic(SparkSession spark) {
    if (spark instanceof org.apache.spark.sql.classic.SparkSession c) {
      return c;
    }
    throw new UnsupportedOperationException(
        "vmapUdf runs inside Spark's JVM (Spark classic); this session is a "
            + spark.getClass().getName()
            + " (Spark Connect?)");
  }

  @Override
  public Seq<SparkPlan> apply(LogicalPlan plan) {
    if (plan instanceof VmapEvalNode node) {
      return seq(List.of(new VmapEvalExec(node.calls(), node.results(), planLater(node.child()))));
    }
    if (innermostCalls(plan).isEmpty()) {
      return seq(List.of());
    }
    LogicalPlan rewritten = extractAll(plan);
    for (int i = 0; i < 8; i++) {
      LogicalPlan pruned =
          org.apache.spark.sql.catalyst.optimizer.RemoveNoopOperators$.MODULE$.apply(
              org.apache.spark.sql.catalyst.optimizer.ColumnPruning$.MODULE$.apply(rewritten));
      if (pruned.fastEquals(rewritten)) {
        break;
      }
      rewritten = pruned;
    }
    return seq(List.of(planLater(rewritten)));
  }

  /** {@code plan} with every call in it or below it computed by {@link VmapEvalNode}s. */
  private static LogicalPlan extractAll(LogicalPlan plan) {
    if (plan instanceof VmapEvalNode) {
      return plan;
    }
    List<LogicalPlan> children = new ArrayList<>();
    boolean changed = false;
    for (LogicalPlan c : CollectionConverters.asJava(plan.children())) {
      LogicalPlan r = extractAll(c);
      changed |= r != c;
      children.add(r);
    }
    LogicalPlan node = changed ? plan.withNewChildren(seq(children)) : plan;
    List<VmapUdfExpression> calls = innermostCalls(node);
    if (calls.isEmpty()) {
      return node;
    }
    if (node.children().size() != 1) {
      throw new IllegalArgumentException(
          "vmapUdf: a vmapUdf column is used in "
              + node.nodeName()
              + ", which has "
              + node.children().size()
              + " inputs; compute it in a select (withColumn) on one input first");
    }
    List<Attribute> output = CollectionConverters.asJava(node.output());
    if (node instanceof Filter f) {
      node = splitFilter(f);
    }
    while (!calls.isEmpty()) {
      node = extractOnce(node, calls);
      calls = innermostCalls(node);
    }
    if (!CollectionConverters.asJava(node.output()).equals(output)) {
      node = new Project(seq(new ArrayList<NamedExpression>(output)), node);
    }
    return node;
  }

  /**
   * A filter whose condition mixes predicates with and without calls (Catalyst combines adjacent
   * filters) as two: those without calls first, so that rows they reject are never batched.
   */
  private static LogicalPlan splitFilter(Filter f) {
    List<Expression> plain = new ArrayList<>();
    List<Expression> withCalls = new ArrayList<>();
    for (Expression c : conjuncts(f.condition(), new ArrayList<>())) {
      Set<VmapUdfExpression> calls = new LinkedHashSet<>();
      collect(c, calls);
      (calls.isEmpty() && c.deterministic() ? plain : withCalls).add(c);
    }
    if (plain.isEmpty() || withCalls.isEmpty()) {
      return f;
    }
    return new Filter(and(withCalls), new Filter(and(plain), f.child()));
  }

  private static List<Expression> conjuncts(Expression e, List<Expression> out) {
    if (e instanceof org.apache.spark.sql.catalyst.expressions.And a) {
      conjuncts(a.left(), out);
      conjuncts(a.right(), out);
    } else {
      out.add(e);
    }
    return out;
  }

  private static Expression and(List<Expression> predicates) {
    Expression all = predicates.get(0);
    for (int i = 1; i < predicates.size(); i++) {
      all = new org.apache.spark.sql.catalyst.expressions.And(all, predicates.get(i));
    }
    return all;
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
   * {@code plan} over a node computing those of {@code calls} that no node below computes already
   * (those reuse its result): arguments that are not columns of the input are computed by a
   * projection below the new node. The operator may then output more columns than before (a filter
   * passes the results through); {@link #extractAll} restores its output.
   */
  private static LogicalPlan extractOnce(LogicalPlan plan, List<VmapUdfExpression> calls) {
    LogicalPlan input = plan.children().apply(0);
    Map<VmapUdfExpression, List<Attribute>> replacement = new HashMap<>();
    List<VmapUdfExpression> toEvaluate = new ArrayList<>();
    for (VmapUdfExpression call : calls) {
      Exposed found = expose(input, call);
      if (found != null) {
        input = found.plan();
        replacement.put(call, found.results());
      } else {
        toEvaluate.add(call);
      }
    }
    if (!toEvaluate.isEmpty()) {
      input = evaluate(input, toEvaluate, replacement);
    }
    return plan.mapExpressions(e -> replace(e, replacement)).withNewChildren(seq(List.of(input)));
  }

  /** A node over {@code input} computing {@code calls}; their result columns go to {@code into}. */
  private static LogicalPlan evaluate(
      LogicalPlan input,
      List<VmapUdfExpression> calls,
      Map<VmapUdfExpression, List<Attribute>> into) {
    List<NamedExpression> computedArguments = new ArrayList<>();
    List<VmapUdfExpression> evaluated = new ArrayList<>();
    List<Attribute> results = new ArrayList<>();
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
      List<Attribute> callResults = new ArrayList<>();
      for (StructField f : call.resultFields()) {
        callResults.add(attribute(f));
      }
      results.addAll(callResults);
      into.put(call, callResults);
    }
    LogicalPlan below = input;
    if (!computedArguments.isEmpty()) {
      List<NamedExpression> list = new ArrayList<>(CollectionConverters.asJava(input.output()));
      list.addAll(computedArguments);
      below = new Project(seq(list), input);
    }
    return new VmapEvalNode(seq(evaluated), seq(results), below);
  }

  /** A plan that outputs the results of a call a node in it computes, and those results. */
  private record Exposed(LogicalPlan plan, List<Attribute> results) {}

  /**
   * Looks for a node computing {@code call} below {@code plan}, through filters and projections
   * that only select columns (what {@link #extractAll} builds for a filter with calls), and widens
   * those projections so the results reach {@code plan}'s output; null when there is none.
   */
  private static Exposed expose(LogicalPlan plan, VmapUdfExpression call) {
    if (plan instanceof VmapEvalNode node) {
      List<VmapUdfExpression> done = CollectionConverters.asJava(node.calls());
      List<Attribute> results = CollectionConverters.asJava(node.results());
      int first = 0;
      for (VmapUdfExpression d : done) {
        int n = d.resultFields().size();
        if (d.sameCall(call)) {
          return new Exposed(plan, new ArrayList<>(results.subList(first, first + n)));
        }
        first += n;
      }
      return null;
    }
    if (plan instanceof Filter f) {
      Exposed below = expose(f.child(), call);
      return below == null
          ? null
          : new Exposed(f.withNewChildren(seq(List.of(below.plan()))), below.results());
    }
    if (plan instanceof Project p
        && CollectionConverters.asJava(p.projectList()).stream()
            .allMatch(e -> e instanceof Attribute)) {
      Exposed below = expose(p.child(), call);
      if (below == null) {
        return null;
      }
      List<NamedExpression> list = new ArrayList<>(CollectionConverters.asJava(p.projectList()));
      for (Attribute r : below.results()) {
        if (!list.contains(r)) {
          list.add(r);
        }
      }
      return new Exposed(new Project(seq(list), below.plan()), below.results());
    }
    return null;
  }

  /**
   * {@code e} with each call replaced by its result columns: the user-facing result field ({@link
   * VmapUdfExpression#result}) by the single output's column or a struct of the outputs.
   */
  private static Expression replace(Expression e, Map<VmapUdfExpression, List<Attribute>> done) {
    if (e instanceof GetStructField g && g.child() instanceof VmapUdfExpression call) {
      List<Attribute> results = done.get(call);
      if (results != null) {
        return results.size() == 1 ? results.get(0) : struct(results);
      }
    }
    if (e instanceof VmapUdfExpression call && done.containsKey(call)) {
      List<Attribute> results = done.get(call);
      Attribute r = results.get(0);
      Expression value = results.size() == 1 ? r : struct(results);
      return struct(List.of(value), call.resultField().name());
    }
    List<Expression> children = new ArrayList<>();
    for (Expression c : CollectionConverters.asJava(e.children())) {
      children.add(replace(c, done));
    }
    return children.isEmpty() ? e : e.withNewChildren(seq(children));
  }

  private static Expression struct(List<Attribute> fields) {
    List<Expression> parts = new ArrayList<>();
    for (Attribute a : fields) {
      parts.add(Literal$.MODULE$.apply((Object) a.name()));
      parts.add(a);
    }
    return new CreateNamedStruct(seq(parts));
  }

  private static Expression struct(List<Expression> values, String name) {
    return new CreateNamedStruct(
        seq(List.of(Literal$.MODULE$.apply((Object) name), values.get(0))));
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

  public static <T> Seq<T> seq(List<T> list) {
    return scala.collection.immutable.List.from(CollectionConverters.asScala(list));
  }
}
