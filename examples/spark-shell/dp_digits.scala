// DP-SGD on the digits from spark-shell: the MLP (64-32-10, tanh, softmax cross-entropy) trained
// with org.vmap4j.spark.dp.DpSgd at epsilon = 1, 3 and 8 (delta = 1e-5), against non-private
// minibatch SGD of the same model, initialisation, optimizer, sample rate and steps. From the
// repository root, after ./mvnw -B package -DskipTests:
//
//   spark-shell --jars spark-connector/target/vmap4j-spark-0.1.0-SNAPSHOT-all.jar \
//     -i examples/spark-shell/dp_digits.scala
//
// (or paste it). Prints, per epsilon, the noise multiplier, the epsilon the RDP and the PLD
// accountants report for the run and the test accuracy, then a text chart of accuracy against
// epsilon. The checks: the reported epsilon is the accountant's and within its target, PLD is
// tighter than RDP, and the trained model's logits from vmap4j agree with a plain Scala forward
// pass. The standalone Java version (more steps, an SVG chart) is
// examples/src/main/java/org/vmap4j/examples/DigitsPrivateTraining.java; docs/dp.md explains it.
import org.vmap4j.{DType, Tensor}
import org.vmap4j.privacy.{NoiseCalibration, PldAccountant, RdpAccountant}
import org.vmap4j.spark.SerializableBiFunction
import org.vmap4j.spark.dp.DpSgd

// The UCI digits (1797 rows of 64 pixels 0..16 and the digit; attribution in
// examples/src/main/resources/org/vmap4j/examples/data/README.md), pixels scaled to [0, 1].
val digitsPath = sys.props.getOrElse(
  "vmap4j.digitsCsvGz",
  "examples/src/main/resources/org/vmap4j/examples/data/digits.csv.gz")
val digitsSource = scala.io.Source.fromInputStream(
  new java.util.zip.GZIPInputStream(new java.io.FileInputStream(digitsPath)))
val digitRows = try digitsSource.getLines().map(_.split(",").map(_.toDouble)).toVector finally digitsSource.close()
val pixels = digitRows.map(r => r.take(64).map(_ / 16))
val labels = digitRows.map(_(64).toInt)
val nTrain = digitRows.length * 5 / 6
val train = (0 until nTrain).map(i => (i, pixels(i), labels(i))).toDF("row", "pixels", "digit").repartition(2).cache()
train.count()

val q = 0.1
val steps = 30
val delta = 1e-5
val hidden = 32

// The loss of ONE example; the parameters are a map of tensors (w1 [64, 32], b1, w2 [32, 10], b2).
type Tensors = java.util.Map[String, Tensor]
val loss: SerializableBiFunction[Tensors, Tensors, Tensor] = (p, row) => {
  val logits = row.get("pixels").matmul(p.get("w1")).add(p.get("b1")).tanh().matmul(p.get("w2")).add(p.get("b2"))
  val oneHot = Tensor.arange(10).eq(row.get("digit")).astype(DType.F64)
  logits.logSoftmax(0).mul(oneHot).sum().neg()
}
val init: Tensors = java.util.Map.of(
  "w1", Tensor.randomNormal(9, DType.F64, 64, hidden).div(8.0),
  "b1", Tensor.zeros(DType.F64, hidden),
  "w2", Tensor.randomNormal(10, DType.F64, hidden, 10).div(math.sqrt(hidden)),
  "b2", Tensor.zeros(DType.F64, 10))

// A plain Scala forward pass, for accuracy and for the check of vmap4j's logits.
def logits(w1: Array[Double], b1: Array[Double], w2: Array[Double], b2: Array[Double], x: Array[Double]): (Array[Double], Array[Double]) = {
  val h = Array.tabulate(hidden)(j => math.tanh(b1(j) + (0 until 64).map(i => x(i) * w1(i * hidden + j)).sum))
  (h, Array.tabulate(10)(k => b2(k) + (0 until hidden).map(j => h(j) * w2(j * 10 + k)).sum))
}
def accuracy(w1: Array[Double], b1: Array[Double], w2: Array[Double], b2: Array[Double]): Double = {
  val test = nTrain until digitRows.length
  test.count(i => { val z = logits(w1, b1, w2, b2, pixels(i))._2; z.indexOf(z.max) == labels(i) }).toDouble / test.length
}
def arrays(p: Tensors) = Seq("w1", "b1", "w2", "b2").map(k => p.get(k).toDoubleArray)

val rdpAccountant: java.util.function.Supplier[RdpAccountant] = () => new RdpAccountant()
case class PrivateRun(target: Double, sigma: Double, rdp: Double, pld: Double, accuracy: Double)
var epsilonDifference = 0.0
var aboveTarget = 0.0
var pldAboveRdp = 0.0
var logitDifference = 0.0
val runs = Seq(1.0, 3.0, 8.0).map { target =>
  val sigma = NoiseCalibration.noiseMultiplier(rdpAccountant, target, delta, q, steps)
  val result = DpSgd.of(loss, init)
    .inputColumns("pixels", "digit")
    .sampleRate(q).noiseMultiplier(sigma).clipNorm(1.0).delta(delta).steps(steps)
    .learningRate(0.5).momentum(0.9)
    .fit(train)
  val pld = new PldAccountant().step(sigma, q, steps).epsilon(delta)
  val rdp = new RdpAccountant().step(sigma, q, steps).epsilon(delta)
  epsilonDifference = math.max(epsilonDifference, math.abs(result.epsilon - rdp))
  aboveTarget = math.max(aboveTarget, math.max(0, result.epsilon - target))
  pldAboveRdp = math.max(pldAboveRdp, math.max(0, pld - result.epsilon))
  val Seq(w1, b1, w2, b2) = arrays(result.params)
  val p = result.params
  val x = Tensor.of(pixels(nTrain))
  val z = x.matmul(p.get("w1")).add(p.get("b1")).tanh().matmul(p.get("w2")).add(p.get("b2")).toDoubleArray
  val plainZ = logits(w1, b1, w2, b2, pixels(nTrain))._2
  logitDifference = math.max(logitDifference, z.indices.map(k => math.abs(z(k) - plainZ(k))).max)
  val run = PrivateRun(target, sigma, result.epsilon, pld, accuracy(w1, b1, w2, b2))
  println(f"epsilon target ${run.target}%.0f: sigma ${run.sigma}%.3f, RDP reports ${run.rdp}%.3f, PLD ${run.pld}%.3f, test accuracy ${run.accuracy}%.3f")
  run
}

// Non-private: the same model, start, momentum SGD, q and steps, on Poisson samples drawn with a
// seeded scala.util.Random; no clipping, no noise; backpropagation written out in Scala.
val Seq(w1, b1, w2, b2) = arrays(init).map(_.clone)
val velocities = Seq(w1, b1, w2, b2).map(a => new Array[Double](a.length))
val sampler = new scala.util.Random(9)
for (step <- 1 to steps) {
  val grads = Seq(w1, b1, w2, b2).map(a => new Array[Double](a.length))
  val Seq(gw1, gb1, gw2, gb2) = grads
  for (i <- 0 until nTrain if sampler.nextDouble() < q) {
    val x = pixels(i)
    val (h, z) = logits(w1, b1, w2, b2, x)
    val e = z.map(v => math.exp(v - z.max))
    val dz = Array.tabulate(10)(k => e(k) / e.sum - (if (k == labels(i)) 1 else 0))
    for (j <- 0 until hidden; k <- 0 until 10) gw2(j * 10 + k) += h(j) * dz(k)
    for (k <- 0 until 10) gb2(k) += dz(k)
    val dh = Array.tabulate(hidden)(j => (0 until 10).map(k => w2(j * 10 + k) * dz(k)).sum * (1 - h(j) * h(j)))
    for (a <- 0 until 64; j <- 0 until hidden) gw1(a * hidden + j) += x(a) * dh(j)
    for (j <- 0 until hidden) gb1(j) += dh(j)
  }
  for (((param, grad), velocity) <- Seq(w1, b1, w2, b2).zip(grads).zip(velocities); k <- param.indices) {
    velocity(k) = 0.9 * velocity(k) + grad(k) / (q * nTrain)
    param(k) -= 0.5 * velocity(k)
  }
}
val nonPrivate = accuracy(w1, b1, w2, b2)
println(f"non-private (same model, start, optimizer, q and steps): test accuracy $nonPrivate%.3f")

println("test accuracy against epsilon (delta 1e-5):")
def bar(label: String, a: Double) = println(f"$label%-9s|${"#" * math.round(a * 50).toInt}%-50s| $a%.3f")
runs.foreach(r => bar(f"eps ${r.target}%4.1f", r.accuracy))
bar("non-priv", nonPrivate)

println(s"check: epsilon DpSgd reports against the RDP accountant for (sigma, q, steps), max abs difference: $epsilonDifference")
println(s"check: RDP epsilon above its target (0 when within), max abs difference: $aboveTarget")
println(s"check: PLD epsilon above RDP epsilon (0 when tighter), max abs difference: $pldAboveRdp")
println(s"check: trained logits of a test row, vmap4j against a plain Scala forward pass, max abs difference: $logitDifference")
