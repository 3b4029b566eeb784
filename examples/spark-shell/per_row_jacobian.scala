// A per-row Jacobian on Spark, from spark-shell. From the repository root, after
// ./mvnw -B package -DskipTests:
//
//   spark-shell --jars spark-connector/target/vmap4j-spark-0.1.0-SNAPSHOT-all.jar \
//     -i examples/spark-shell/per_row_jacobian.scala
//
// (or paste it). Each row holds a vector of logits; Jacobians runs vmap(jacrev(softmax)) over each
// batch of rows, and the script checks every row's Jacobian against the closed form
// J = diag(s) - s s^T (s = softmax(x)), computed with a plain Scala loop. A second column
// differentiates a function with constants, tanh(A x) for a matrix A broadcast to the executors,
// in forward mode (jacfwd), against diag(1 - tanh(A x)^2) A.
import org.vmap4j.Tensor
import org.vmap4j.spark.Jacobians

val k = 4
val random = new scala.util.Random(7)
val logits = Vector.fill(1000)(Array.fill(k)(random.nextGaussian()))
val df = logits.indices.map(i => (i, logits(i))).toDF("row", "x")

val softmaxJacobians = Jacobians
  .of((x: Tensor) => x.softmax(0))
  .inputColumn("x")
  .outputColumn("d_softmax")
  .transform(df)

// Constants: a k x k matrix, shipped once per executor. (Scala 2.13 cannot infer the constants'
// type parameter of this Java generic method from the lambda, hence [Tensor].)
val a = Array.tabulate(k, k)((i, j) => 1.0 / (1 + i + j))
val tanhJacobians = Jacobians
  .of[Tensor]((m: Tensor, x: Tensor) => m.matmul(x).tanh(), Tensor.of(a.flatten, k, k))
  .inputColumn("x")
  .outputColumn("d_tanh")
  .forwardMode()
  .transform(softmaxJacobians)

tanhJacobians.printSchema()

def maxAbs(actual: Seq[Seq[Double]], expected: (Int, Int) => Double): Double =
  (for (i <- 0 until k; j <- 0 until k) yield math.abs(actual(i)(j) - expected(i, j))).max

val rows = tanhJacobians.select("row", "d_softmax", "d_tanh").collect()
val softmaxDifference = rows.map { r =>
  val x = logits(r.getInt(0))
  val e = x.map(v => math.exp(v - x.max))
  val s = e.map(_ / e.sum)
  maxAbs(r.getSeq[Seq[Double]](1), (i, j) => (if (i == j) s(i) else 0.0) - s(i) * s(j))
}.max
val tanhDifference = rows.map { r =>
  val x = logits(r.getInt(0))
  val t = Array.tabulate(k)(i => math.tanh((0 until k).map(j => a(i)(j) * x(j)).sum))
  maxAbs(r.getSeq[Seq[Double]](2), (i, j) => (1 - t(i) * t(i)) * a(i)(j))
}.max
println(s"check: softmax Jacobians of ${rows.length} rows against diag(s) - s s^T, max abs difference: $softmaxDifference")
println(s"check: tanh(A x) Jacobians of ${rows.length} rows against diag(1 - tanh(A x)^2) A, max abs difference: $tanhDifference")

// The same function as a Column, and from SQL: install vmap4j's planner on this running session
// once (or start spark-shell with --conf spark.sql.extensions=org.vmap4j.spark.VmapSparkExtensions),
// then use vmapUdf(...).apply(col) in select/withColumn, or register it for SQL. The planner runs
// every call batched; explain() shows its VmapEval operator.
import org.apache.spark.sql.functions.col
import org.vmap4j.spark.{VmapFunctions, VmapSpark}

VmapSpark.install(spark)
val logSumExp = VmapFunctions.vmapUdf((x: Tensor) => x.exp().sum().log()).shape("x", k)
val withLse = df.withColumn("lse", logSumExp.apply(col("x")))
VmapSpark.register(spark, "lse", logSumExp)
df.createOrReplaceTempView("logits")
val viaSql = spark.sql("SELECT row, lse(x) AS lse FROM logits WHERE row % 2 = 0")
val lseRows = withLse.select("row", "lse").collect() ++ viaSql.collect()
val lseDifference = lseRows.map { r =>
  val x = logits(r.getInt(0))
  math.abs(r.getDouble(1) - math.log(x.map(math.exp).sum))
}.max
require(withLse.queryExecution.executedPlan.toString.contains("VmapEval"), "the Column was not planned batched")
println(s"check: log-sum-exp of ${lseRows.length} rows as a Column and from SQL, max abs difference: $lseDifference")
