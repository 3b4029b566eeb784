package org.vmap4j.spark.catalyst;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.Unevaluable;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.vmap4j.spark.ErrorPolicy;
import org.vmap4j.spark.VmapUdf;
import org.vmap4j.spark.executor.ResolvedFunction;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A {@link VmapUdf} applied to argument columns, as a Catalyst expression ({@link VmapUdf#apply}).
 * It is never evaluated row by row: vmap4j's planner ({@link VmapStrategy}) replaces every
 * occurrence with the output of a batched {@link VmapEvalExec} below the operator. Evaluating it
 * any other way is the error that says how to install that planner.
 *
 * <p>Its type is a struct of one field, the call's result: the single output's column (named after
 * it, with its {@code vmap4j.shape}/{@code vmap4j.dtype} metadata) or, for several outputs or an
 * error column, a struct of them. Users get that field ({@link #result}): Spark carries a struct
 * field's metadata through {@code GetStructField} and aliases, so a Column-form output keeps its
 * shape metadata in {@code withColumn}, {@code select} and SQL, as {@code transform}'s outputs do.
 *
 * <p>Internal: public only because Catalyst copies plan nodes through their public constructors.
 * Marked {@link Unevaluable} so that the optimizer never tries to evaluate it on the driver.
 */
public final class VmapUdfExpression extends Expression implements Unevaluable {
  /** Functions resolved per udf and argument schema, shared by this expression's many copies. */
  private static final Map<VmapCallPlanner, Map<StructType, ResolvedFunction>> RESOLVED =
      java.util.Collections.synchronizedMap(new WeakHashMap<>());

  private final VmapCallPlanner udf;
  private final Seq<Expression> children;
  private final List<String> argumentNames;

  /** A call from SQL: arguments named after the columns they are (see {@link VmapUdf#apply}). */
  public static VmapUdfExpression call(VmapCallPlanner udf, List<Expression> arguments) {
    return call(udf, arguments, argumentNames(udf, arguments, null));
  }

  /**
   * A call of {@code udf} on {@code arguments}, bound under {@code names}; the udf's key column, if
   * it has one, is appended as a last child (read for error messages, not passed to the function).
   */
  public static VmapUdfExpression call(
      VmapCallPlanner udf, List<Expression> arguments, List<String> names) {
    List<Expression> children = new ArrayList<>(arguments);
    if (udf.keyColumn() != null) {
      children.add(
          org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute$.MODULE$.quoted(
              udf.keyColumn()));
    }
    return new VmapUdfExpression(udf, seq(children), names);
  }

  /** The function's argument expressions: the children without the key column. */
  List<Expression> arguments() {
    List<Expression> all = CollectionConverters.asJava(children);
    return udf.keyColumn() == null ? all : all.subList(0, all.size() - 1);
  }

  /** The key column's expression, or null. */
  Expression key() {
    return udf.keyColumn() == null ? null : children.last();
  }

  /** Catalyst's copy constructor: the product elements in order. */
  public VmapUdfExpression(
      VmapCallPlanner udf, Seq<Expression> children, List<String> argumentNames) {
    this.udf = Objects.requireNonNull(udf);
    this.children = children;
    this.argumentNames = List.copyOf(argumentNames);
  }

  /** What users see of a call: its result field (see the class comment). */
  public static Expression result(VmapUdfExpression call) {
    return new org.apache.spark.sql.catalyst.expressions.GetStructField(
        call, 0, scala.Option.empty());
  }

  static Seq<Expression> seq(List<Expression> expressions) {
    return CollectionConverters.asScala(expressions).toList();
  }

  /**
   * The names the arguments are bound under: the udf's input columns when given, else each column's
   * own name ({@code columnNames}, or the expression's when that is null), else {@code argN}; made
   * unique with a suffix.
   */
  public static List<String> argumentNames(
      VmapCallPlanner udf, List<Expression> args, List<String> columnNames) {
    List<String> given = udf.inputColumns();
    if (!given.isEmpty()) {
      if (given.size() != args.size()) {
        throw new IllegalArgumentException(
            "vmapUdf: "
                + args.size()
                + " argument columns were given, but inputColumns names "
                + given.size()
                + ": "
                + given);
      }
      return given;
    }
    List<String> names = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < args.size(); i++) {
      String own =
          columnNames != null
              ? columnNames.get(i)
              : args.get(i) instanceof NamedExpression n ? n.name() : null;
      String name = own != null ? own : "arg" + i;
      String unique = name;
      for (int k = 1; !taken.add(unique); k++) {
        unique = name + "_" + k;
      }
      names.add(unique);
    }
    return names;
  }

  VmapCallPlanner udf() {
    return udf;
  }

  List<String> argumentNames() {
    return argumentNames;
  }

  /**
   * Whether {@code other} is the same function on the same arguments (so one evaluation serves
   * both): the same {@link VmapUdf} instance, semantically equal arguments, the same names.
   */
  boolean sameCall(VmapUdfExpression other) {
    if (udf != other.udf || !argumentNames.equals(other.argumentNames)) {
      return false;
    }
    List<Expression> a = CollectionConverters.asJava(children);
    List<Expression> b = CollectionConverters.asJava(other.children);
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).semanticEquals(b.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** The argument columns as the function sees them: names, Spark types, shape metadata. */
  StructType argumentSchema() {
    List<Expression> args = arguments();
    StructField[] fields = new StructField[args.size()];
    for (int i = 0; i < fields.length; i++) {
      Expression a = args.get(i);
      Metadata m = metadataOf(a);
      fields[i] = new StructField(argumentNames.get(i), a.dataType(), a.nullable(), m);
    }
    return new StructType(fields);
  }

  /**
   * An argument's column metadata: an attribute's or alias's own, or a struct field's (the result
   * of an inner vmapUdf call, so nested calls read their inner call's output shape).
   */
  private static Metadata metadataOf(Expression a) {
    if (a instanceof NamedExpression n) {
      return n.metadata();
    }
    if (a instanceof org.apache.spark.sql.catalyst.expressions.GetStructField g && g.resolved()) {
      return g.metadata();
    }
    return Metadata.empty();
  }

  /**
   * Records what {@code udf} resolved to for arguments of this schema (what {@code transform}
   * resolved on the driver, shapes read from the data included), so a call does not resolve again.
   */
  public static void remember(
      VmapCallPlanner udf, StructType arguments, ResolvedFunction resolved) {
    RESOLVED.computeIfAbsent(udf, u -> new ConcurrentHashMap<>()).put(arguments, resolved);
  }

  /** The function resolved against the argument types (run once on zeros, traced), cached. */
  ResolvedFunction resolvedFunction() {
    StructType schema = argumentSchema();
    Map<StructType, ResolvedFunction> byArguments =
        RESOLVED.computeIfAbsent(udf, u -> new ConcurrentHashMap<>());
    return byArguments.computeIfAbsent(schema, s -> udf.resolve(argumentNames, s));
  }

  /** The fields this call adds per row, in the order the batched operator emits them. */
  List<StructField> resultFields() {
    return udf.outputFields(resolvedFunction());
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    try {
      resolvedFunction();
    } catch (RuntimeException e) {
      return new TypeCheckResult.TypeCheckFailure(e.getMessage());
    }
    String missing = VmapStrategy.missingPlannerMessage();
    return missing == null
        ? TypeCheckResult.TypeCheckSuccess$.MODULE$
        : new TypeCheckResult.TypeCheckFailure(missing);
  }

  /**
   * The call's result as one struct field: the single output's own field, or a struct of all the
   * fields (outputs, then the error column).
   */
  StructField resultField() {
    List<StructField> fields = resultFields();
    if (fields.size() == 1) {
      return fields.get(0);
    }
    return new StructField(
        "result", new StructType(fields.toArray(new StructField[0])), nullable(), Metadata.empty());
  }

  @Override
  public DataType dataType() {
    return new StructType(new StructField[] {resultField()});
  }

  @Override
  public boolean nullable() {
    return udf.errorPolicy() == ErrorPolicy.ERROR_COLUMN;
  }

  /**
   * A call drawing per-row random numbers depends on each row's position: see {@link
   * VmapUdf#randomness}.
   */
  @Override
  public boolean deterministic() {
    return !udf.perRowRandom() && super.deterministic();
  }

  @Override
  public boolean foldable() {
    return false;
  }

  @Override
  public Seq<Expression> children() {
    return children;
  }

  @Override
  public Object eval(InternalRow input) {
    throw notPlanned();
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    throw notPlanned();
  }

  private static IllegalStateException notPlanned() {
    return new IllegalStateException(
        "a vmapUdf column reached row-at-a-time evaluation: "
            + VmapStrategy.HOW_TO_INSTALL
            + " (or it is used where vmap4j's planner cannot take it out, e.g. a join"
            + " condition: compute it in a select first)");
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new VmapUdfExpression(udf, newChildren, argumentNames);
  }

  @Override
  public String prettyName() {
    return "vmapUdf";
  }

  @Override
  public String toString() {
    return "vmapUdf" + argumentNames + "(" + CollectionConverters.asJava(children) + ")";
  }

  @Override
  public String sql() {
    List<String> args = new ArrayList<>();
    CollectionConverters.asJava(children).forEach(c -> args.add(c.sql()));
    return "vmapUdf(" + String.join(", ", args) + ")";
  }

  /**
   * The constructor arguments in order: Catalyst's Product view and copies, and this node's
   * equality ({@code udf} compares by identity: one planner per {@link VmapUdf}), all come from
   * here.
   */
  private Object[] fields() {
    return new Object[] {udf, children, argumentNames};
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
    return that instanceof VmapUdfExpression;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VmapUdfExpression other
        && java.util.Arrays.equals(fields(), other.fields());
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(fields());
  }
}
