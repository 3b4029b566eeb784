package org.vmap4j.examples;

import static org.vmap4j.Func.gradAll;
import static org.vmap4j.Func.jacfwd;
import static org.vmap4j.Func.jacrev;
import static org.vmap4j.Func.vmap;

import java.io.PrintStream;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.vmap4j.DType;
import org.vmap4j.Fn3;
import org.vmap4j.Grads3;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;

/**
 * Two of core's newer forms, each checked against central finite differences: a loss of three
 * arguments ({@link Fn3}) differentiated in all of them at once ({@code gradAll}) and per example
 * ({@code vmap(gradAll(...))}), and the Jacobian of a function of a record ({@code jacrev}, {@code
 * jacfwd}), which comes back as the same record with each field holding the Jacobian with respect
 * to it.
 */
final class NewTransformForms {
  private NewTransformForms() {}

  /** A dense layer's parameters: {@code w} {@code [2, 3]}, {@code b} {@code [2]}. */
  record Layer(Tensor w, Tensor b) {}

  /** Central differences with step 1e-6 on smooth F64 functions: good to about 1e-9. */
  static final double TOLERANCE = 1e-7;

  /** The largest differences to finite differences, for tests. */
  record Result(
      double gradAllError, double perExampleError, double jacrevError, double jacfwdError) {}

  static Result run(PrintStream out) {
    Tensor w = Tensor.randomNormal(11, DType.F64, 3);
    Tensor xs = Tensor.randomNormal(12, DType.F64, 4, 3);
    Tensor ys = Tensor.randomNormal(13, DType.F64, 4);
    Fn3<Tensor, Tensor, Tensor, Tensor> loss = (wt, x, y) -> x.dot(wt).tanh().sub(y).square();

    Tensor x0 = xs.index(0, 0);
    Tensor y0 = ys.index(0, 0);
    Grads3<Tensor, Tensor, Tensor> all = gradAll(loss).apply(w, x0, y0);
    double gradAllError =
        Math.max(
            Math.max(
                maxDiff(all.first(), centralDifferences(v -> loss.apply(v, x0, y0).item(), w)),
                maxDiff(all.second(), centralDifferences(v -> loss.apply(w, v, y0).item(), x0))),
            maxDiff(all.third(), centralDifferences(v -> loss.apply(w, x0, v).item(), y0)));
    out.println(
        "   Fn3 loss(w, x, y) = (tanh(x.w) - y)^2; gradAll(loss) gives "
            + "Grads3(dw "
            + all.first()
            + ", dx, dy "
            + all.third()
            + ")");
    out.printf(
        "   against central differences in each argument: max abs difference %.3g%n", gradAllError);

    Grads3<Tensor, Tensor, Tensor> perExample =
        vmap(gradAll(loss), InDims.of(null, 0, 0)).apply(w, xs, ys);
    double perExampleError = 0;
    for (int i = 0; i < 4; i++) {
      Tensor x = xs.index(0, i);
      Tensor y = ys.index(0, i);
      perExampleError =
          Math.max(
              perExampleError,
              maxDiff(
                  perExample.first().index(0, i),
                  centralDifferences(v -> loss.apply(v, x, y).item(), w)));
    }
    out.printf(
        "   vmap(gradAll(loss), InDims.of(null, 0, 0)) over 4 examples: dw %s; against central"
            + " differences per example: max abs difference %.3g%n",
        java.util.Arrays.toString(perExample.first().shape()), perExampleError);

    Layer layer =
        new Layer(Tensor.randomNormal(14, DType.F64, 2, 3), Tensor.randomNormal(15, DType.F64, 2));
    Tensor input = Tensor.randomNormal(16, DType.F64, 3);
    Function<Layer, Tensor> dense = p -> p.w().matmul(input).add(p.b()).tanh();
    Layer reverse = jacrev(dense).apply(layer);
    Layer forward = jacfwd(dense).apply(layer);
    // finite differences of each output component with respect to each field
    double jacrevError = 0;
    double jacfwdError = 0;
    for (int o = 0; o < 2; o++) {
      int component = o;
      Tensor dW =
          centralDifferences(
              v -> dense.apply(new Layer(v, layer.b())).index(0, component).item(), layer.w());
      Tensor dB =
          centralDifferences(
              v -> dense.apply(new Layer(layer.w(), v)).index(0, component).item(), layer.b());
      jacrevError =
          Math.max(
              jacrevError,
              Math.max(maxDiff(reverse.w().index(0, o), dW), maxDiff(reverse.b().index(0, o), dB)));
      jacfwdError =
          Math.max(
              jacfwdError,
              Math.max(maxDiff(forward.w().index(0, o), dW), maxDiff(forward.b().index(0, o), dB)));
    }
    out.printf(
        "   jacrev of tanh(w x + b) with respect to the record Layer(w [2,3], b [2]): a Layer with"
            + " w %s, b %s%n",
        java.util.Arrays.toString(reverse.w().shape()),
        java.util.Arrays.toString(reverse.b().shape()));
    out.printf(
        "   against central differences of every parameter: jacrev %.3g, jacfwd %.3g%n",
        jacrevError, jacfwdError);
    Result r = new Result(gradAllError, perExampleError, jacrevError, jacfwdError);
    check(r);
    out.printf("   checks passed (tolerance %.0e)%n", TOLERANCE);
    return r;
  }

  static void check(Result r) {
    double worst =
        Math.max(
            Math.max(r.gradAllError(), r.perExampleError()),
            Math.max(r.jacrevError(), r.jacfwdError()));
    if (!(worst <= TOLERANCE)) {
      throw new IllegalStateException(
          String.format(
              "new transform forms check failed: %s differs from finite differences (tolerance"
                  + " %.0e)",
              r, TOLERANCE));
    }
  }

  /** Central differences (step 1e-6) of a scalar function of a tensor, in the tensor's shape. */
  static Tensor centralDifferences(ToDoubleFunction<Tensor> f, Tensor at) {
    double[] x = at.toDoubleArray();
    double[] d = new double[x.length];
    double h = 1e-6;
    for (int j = 0; j < x.length; j++) {
      double[] up = x.clone();
      double[] down = x.clone();
      up[j] += h;
      down[j] -= h;
      d[j] =
          (f.applyAsDouble(Tensor.of(up, at.shape()))
                  - f.applyAsDouble(Tensor.of(down, at.shape())))
              / (2 * h);
    }
    return Tensor.of(d, at.shape());
  }

  private static double maxDiff(Tensor a, Tensor b) {
    double d = a.sub(b).abs().max().item();
    return Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
  }
}
