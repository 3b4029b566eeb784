// The seed's use cases in jshell, on vmap4j's core alone (no Spark). From the repository root:
//
//   ./mvnw -B -q -pl core package -DskipTests
//   ./mvnw -B -q -pl core dependency:build-classpath -DincludeScope=runtime \
//     -Dmdep.outputFile=target/deps.classpath
//   jshell --class-path "core/target/vmap4j-core-0.1.0-SNAPSHOT.jar:$(cat core/target/deps.classpath)" \
//     -R--add-modules=jdk.incubator.vector examples/jshell/seed.jsh
//
// (deps.classpath names Janino, core's one dependency; -R--add-modules gives the JVM that runs
// the snippets the Vector API, core's fast path for matrix products.)
// Each case prints a "check:" line: the largest difference to the same result computed one
// example at a time with a plain loop.
import static org.vmap4j.Func.*;
import java.util.List;
import java.util.function.*;
import org.vmap4j.*;

double maxAbsDiff(Tensor batched, Tensor[] perExample) {
  return batched.sub(Tensor.stack(0, perExample)).abs().max().item();
}

// 1. Batched dot products: vmap lifts Tensor::dot (one pair of vectors) to rows of [64, 5].
Tensor x = Tensor.randomNormal(1, DType.F64, 64, 5);
Tensor y = Tensor.randomNormal(2, DType.F64, 64, 5);
BiFunction<Tensor, Tensor, Tensor> batchedDot = vmap(Tensor::dot);
Tensor dots = batchedDot.apply(x, y);
Tensor[] dotLoop = new Tensor[64];
for (int i = 0; i < 64; i++) {
  double sum = 0;
  for (int j = 0; j < 5; j++) sum += x.index(0, i).index(0, j).item() * y.index(0, i).index(0, j).item();
  dotLoop[i] = Tensor.scalar(sum);
}
System.out.println("batched dot: " + dots.type());
System.out.println("check: vmap(Tensor::dot) against a loop of sums, max abs difference: " + maxAbsDiff(dots, dotLoop));

// 2. A model written for one example, lifted to a batch of examples.
Tensor weights = Tensor.randomNormal(3, DType.F64, 5);
Function<Tensor, Tensor> model = example -> example.dot(weights).relu();
Tensor examples = Tensor.randomNormal(4, DType.F64, 8, 5);
Tensor lifted = vmap(model).apply(examples);
Tensor[] modelLoop = new Tensor[8];
for (int i = 0; i < 8; i++) modelLoop[i] = model.apply(examples.index(0, i));
System.out.println("vmap(model) on [8, 5]: " + lifted);
System.out.println("check: vmap(model) against model applied per example, max abs difference: " + maxAbsDiff(lifted, modelLoop));

// 3. A full Jacobian in one call: vmap the VJP's pullback over the rows of the identity.
Tensor x5 = Tensor.randomNormal(5, DType.F64, 5);
Function<Tensor, Tensor> f = v -> v.sin().mul(v.square());
Vjp<Tensor, Tensor> pullback = vjp(f, x5);
Tensor jacobian = vmap(pullback::pullback).apply(Tensor.eye(5));
Tensor[] closedForm = new Tensor[5];
for (int i = 0; i < 5; i++) {
  double[] row = new double[5];
  double v = x5.index(0, i).item();
  row[i] = Math.cos(v) * v * v + 2 * v * Math.sin(v);  // d/dv sin(v) v^2, on the diagonal only
  closedForm[i] = Tensor.of(row);
}
System.out.println("Jacobian of sin(x) x^2: " + jacobian.type());
System.out.println("check: vmap(vjp pullback) against the closed form, max abs difference: " + maxAbsDiff(jacobian, closedForm));
System.out.println("check: jacrev against vmap(vjp pullback), max abs difference: " + jacrev(f).apply(x5).sub(jacobian).abs().max().item());

// 4. Per-sample gradients: vmap(grad(loss)) with the weights unmapped (InDims.of(null, 0)).
Tensor w = Tensor.randomNormal(6, DType.F64, 5);
Tensor samples = Tensor.randomNormal(7, DType.F64, 64, 5);
Tensor targets = Tensor.randomNormal(8, DType.F64, 64);
BiFunction<Tensor, List<Tensor>, Tensor> loss =
    (weights, sample) -> sample.get(0).dot(weights).tanh().sub(sample.get(1)).square();
Tensor grads = vmap(grad(loss), InDims.of(null, 0)).apply(w, List.of(samples, targets));
Tensor[] gradLoop = new Tensor[64];
for (int i = 0; i < 64; i++) {
  // closed form: d/dw (tanh(s.w) - t)^2 = 2 (tanh(s.w) - t) (1 - tanh(s.w)^2) s
  Tensor s = samples.index(0, i);
  double th = Math.tanh(s.dot(w).item());
  gradLoop[i] = s.mul(2 * (th - targets.index(0, i).item()) * (1 - th * th));
}
System.out.println("per-sample gradients: " + grads.type());
System.out.println("check: vmap(grad(loss)) against the closed-form gradient per sample, max abs difference: " + maxAbsDiff(grads, gradLoop));
/exit
