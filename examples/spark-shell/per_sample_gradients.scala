// Per-sample gradients of logistic regression on the breast cancer data, on Spark, from
// spark-shell. From the repository root, after ./mvnw -B package -DskipTests:
//
//   spark-shell --jars spark-connector/target/vmap4j-spark-0.1.0-SNAPSHOT-all.jar \
//     -i examples/spark-shell/per_sample_gradients.scala
//
// (or paste it). The loss is written for one example; PerSampleGradients runs vmap(grad(loss))
// over each batch of rows. The script checks every row's gradient and norm against the closed
// form, computed with a plain Scala loop, and prints the largest difference.
import org.vmap4j.Tensor
import org.vmap4j.spark.PerSampleGradients

// The UCI breast cancer data (569 rows, 30 features, label 1 = benign; attribution in
// examples/src/main/resources/org/vmap4j/examples/data/README.md). First line: a header.
val csvPath = sys.props.getOrElse(
  "vmap4j.breastCancerCsv",
  "examples/src/main/resources/org/vmap4j/examples/data/breast_cancer.csv")
val csvSource = scala.io.Source.fromFile(csvPath)
val csvRows = try csvSource.getLines().drop(1).map(_.split(",").map(_.toDouble)).toVector finally csvSource.close()
val n = csvRows.length
val d = csvRows.head.length - 1

// Standardize each feature (zero mean, unit variance), then train the model with 200 steps of
// full-batch gradient descent in plain Scala.
val mean = Array.tabulate(d)(j => csvRows.map(_(j)).sum / n)
val std = Array.tabulate(d)(j => math.sqrt(csvRows.map(r => math.pow(r(j) - mean(j), 2)).sum / n))
val features = csvRows.map(r => Array.tabulate(d)(j => (r(j) - mean(j)) / std(j)))
val labels = csvRows.map(_(d))
def sigmoid(z: Double): Double = 1 / (1 + math.exp(-z))
def logit(w: Array[Double], b: Double, x: Array[Double]): Double = {
  var z = b
  for (j <- x.indices) z += x(j) * w(j)
  z
}
val w = new Array[Double](d)
var b = 0.0
for (step <- 1 to 200) {
  val gw = new Array[Double](d)
  var gb = 0.0
  for (i <- 0 until n) {
    val residual = sigmoid(logit(w, b, features(i))) - labels(i)
    for (j <- 0 until d) gw(j) += residual * features(i)(j) / n
    gb += residual / n
  }
  for (j <- 0 until d) w(j) -= 0.5 * gw(j)
  b -= 0.5 * gb
}

val df = features.indices.map(i => (i, features(i), labels(i))).toDF("row", "features", "label")

// The loss of ONE example (binary cross-entropy from the logit, written to be stable), with the
// parameters as a map of tensors: the gradient columns are named grad_b and grad_w after its keys.
// (The val's type is spelled out: Scala 2.13 cannot infer a Java generic method's type
// parameters from a lambda passed next to another argument that uses them.)
import org.vmap4j.spark.SerializableBiFunction
type Tensors = java.util.Map[String, Tensor]
val loss: SerializableBiFunction[Tensors, Tensors, Tensor] = (p, row) => {
  val z = row.get("features").dot(p.get("w")).add(p.get("b"))
  // softplus(z) - y z, softplus(z) = log(e^0 + e^z) as a logSumExp: smooth (no kink at z = 0)
  Tensor.stack(0, z.mul(0), z).logSumExp(0).sub(row.get("label").mul(z))
}
val params: Tensors = java.util.Map.of("w", Tensor.of(w), "b", Tensor.scalar(b))
val gradients = PerSampleGradients
  .of(loss, params)
  .inputColumns("features", "label")
  .withNorm("grad_norm")
  .transform(df)

gradients.select("row", "label", "grad_norm").orderBy(desc("grad_norm")).show(5)

// The check: d loss / d w = (sigmoid(z) - y) x and d loss / d b = sigmoid(z) - y for each row.
val collected = gradients.select("row", "grad_w", "grad_b", "grad_norm").collect()
val gradientDifference = collected.map { r =>
  val i = r.getInt(0)
  val residual = sigmoid(logit(w, b, features(i))) - labels(i)
  val gw = r.getSeq[Double](1)
  val expectedNorm = math.sqrt(features(i).map(v => v * residual * v * residual).sum + residual * residual)
  (gw.indices.map(j => math.abs(gw(j) - residual * features(i)(j))) :+
    math.abs(r.getDouble(2) - residual) :+ math.abs(r.getDouble(3) - expectedNorm)).max
}.max
println(s"check: per-sample gradients of $n rows on Spark ${spark.version} against the plain Scala loop, max abs difference: $gradientDifference")
