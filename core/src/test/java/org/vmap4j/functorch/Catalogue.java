package org.vmap4j.functorch;

import static org.vmap4j.Tensor.where;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.vmap4j.Tensor;

/**
 * The fixture functions of {@code generate_fixtures.py}, written with the vmap4j Tensor API, one
 * line for each line of the Python catalogue (printed in {@code cases.json}'s "catalogue"). Each
 * takes its positional arguments as a list: a tensor, or a tuple (List) or dict (Map) of tensors.
 */
final class Catalogue {
  private Catalogue() {}

  static final Map<String, Function<List<Object>, Object>> FUNCTIONS = new HashMap<>();

  private static Tensor t(List<Object> a, int i) {
    return (Tensor) a.get(i);
  }

  @SuppressWarnings("unchecked")
  private static Tensor param(List<Object> a, int i, String key) {
    return ((Map<String, Tensor>) a.get(i)).get(key);
  }

  @SuppressWarnings("unchecked")
  private static Tensor param(List<Object> a, int i, int k) {
    return ((List<Tensor>) a.get(i)).get(k);
  }

  private static void def(String id, Function<List<Object>, Object> f) {
    FUNCTIONS.put(id, f);
  }

  static {
    def("square", a -> t(a, 0).pow(2.0));
    def("sin_x_sq", a -> t(a, 0).sin().mul(t(a, 0).pow(2.0)));
    def("sum_sin_x_sq", a -> t(a, 0).sin().mul(t(a, 0).pow(2.0)).sum());
    def("sin_Ax_x_sq", a -> t(a, 0).matmul(t(a, 1)).sin().mul(t(a, 1).pow(2.0)));
    def("sum_tanh_Ax", a -> t(a, 0).matmul(t(a, 1)).tanh().sum());
    def("dot", a -> t(a, 0).dot(t(a, 1)));
    def("relu_dot", a -> t(a, 0).dot(t(a, 1)).relu());
    def(
        "mse_relu_dot",
        a -> {
          Tensor y = t(a, 1).dot(t(a, 0)).relu();
          return y.sub(t(a, 2)).pow(2.0).mean();
        });
    def("quad_form", a -> t(a, 0).dot(t(a, 1).matmul(t(a, 0))));
    def(
        "rosenbrock",
        a -> {
          Tensor x = t(a, 0);
          int n = x.shape()[0];
          Tensor p = x.slice(0, 1, n).sub(x.slice(0, 0, n - 1).pow(2.0));
          Tensor q = x.slice(0, 0, n - 1).neg().add(1.0);
          return p.pow(2.0).mul(100.0).add(q.pow(2.0)).sum();
        });
    def(
        "logreg_loss",
        a -> {
          Tensor z = t(a, 1).dot(param(a, 0, "w")).add(param(a, 0, "b"));
          return z.neg().exp().log1p().add(t(a, 2).neg().add(1.0).mul(z));
        });
    def(
        "mlp2_loss_dict",
        a -> {
          Tensor h = param(a, 0, "W1").matmul(t(a, 1)).add(param(a, 0, "b1")).relu();
          Tensor logits = param(a, 0, "W2").matmul(h).add(param(a, 0, "b2"));
          return t(a, 2).mul(logits.logSoftmax(0)).sum().neg();
        });
    def(
        "mlp2_loss_tuple",
        a -> {
          Tensor h = param(a, 0, 0).matmul(t(a, 1)).add(param(a, 0, 1)).tanh();
          Tensor logits = param(a, 0, 2).matmul(h).add(param(a, 0, 3));
          return logits.logSumExp(0).sub(t(a, 2).mul(logits).sum());
        });
    def(
        "mlp2_forward",
        a -> {
          Tensor h = param(a, 0, "W1").matmul(t(a, 1)).add(param(a, 0, "b1")).relu();
          return param(a, 0, "W2").matmul(h).add(param(a, 0, "b2"));
        });
    def("softmax_xent", a -> t(a, 1).mul(t(a, 0).logSoftmax(1)).sum(1).mean().neg());
    def("softmax_xent_vec", a -> t(a, 1).mul(t(a, 0).logSoftmax(0)).sum().neg());
    def("softmax_xent_lse", a -> t(a, 0).logSumExp(0).sub(t(a, 1).mul(t(a, 0)).sum()));
    def("softmax0", a -> t(a, 0).softmax(0));
    def("log_softmax1", a -> t(a, 0).logSoftmax(1));
    def("logsumexp0", a -> t(a, 0).logSumExp(0));
    def(
        "exp_log_mix",
        a -> {
          Tensor x = t(a, 0);
          return x.neg()
              .exp()
              .mul(x.mul(x).add(1.0).log())
              .add(x.square().log1p())
              .sub(x.mul(0.5).expm1());
        });
    def(
        "sqrt_rsqrt_mix",
        a -> {
          Tensor x = t(a, 0);
          return x.mul(x).add(1.0).sqrt().add(x.mul(x).add(2.0).rsqrt());
        });
    def(
        "pow_frac",
        a -> {
          Tensor x = t(a, 0);
          return x.mul(x).add(1.0).pow(1.5).add(x.mul(x).add(0.5).pow(-0.5));
        });
    def(
        "sigmoid_cos_div",
        a -> {
          Tensor x = t(a, 0);
          Tensor y = t(a, 1);
          return x.sigmoid().mul(y.cos()).div(y.mul(y).add(1.0)).add(x.neg().mul(y));
        });
    def(
        "abs_relu",
        a -> {
          Tensor x = t(a, 0);
          return x.abs().mul(x.cos()).add(x.relu().mul(x.exp()));
        });
    def(
        "max_min_where",
        a -> {
          Tensor x = t(a, 0);
          Tensor y = t(a, 1);
          return x.maximum(y)
              .mul(x.minimum(y).sin())
              .add(where(x.gt(y), x.mul(y), y.sub(x)))
              .add(where(x.lt(0.0), x.mul(x), x.sin()));
        });
    def("max_dim1", a -> t(a, 0).max(1).mul(t(a, 0).mean(1)));
    def(
        "sum_mean_dims",
        a -> {
          Tensor x = t(a, 0);
          return x.sum(0).sin().sum().mul(x.mean()).add(x.mean(1).square().sum());
        });
    def("matmul_tanh", a -> t(a, 0).matmul(t(a, 1)).tanh());
    def("gram_transpose", a -> t(a, 0).transpose().matmul(t(a, 0)).sin());
    def("reshape_matvec", a -> t(a, 0).reshape(2, 3).matmul(t(a, 1)));
    def(
        "row_index",
        a -> {
          Tensor x = t(a, 0);
          return x.index(0, 1).mul(x.index(0, 2).sin()).sub(x.index(0, 0));
        });
    def(
        "slice_prod",
        a -> {
          Tensor x = t(a, 0);
          return x.slice(0, 1, 4).mul(x.slice(0, 0, 3)).add(x.slice(0, 2, 5).exp());
        });
    def("cat_sin_mul", a -> Tensor.concat(0, t(a, 0).sin(), t(a, 0).mul(t(a, 1))));
    def(
        "stack_mix",
        a -> {
          Tensor x = t(a, 0);
          Tensor y = t(a, 1);
          return Tensor.stack(1, x.mul(y), x.add(y), x.sub(y)).tanh();
        });
    def("tuple_out", a -> List.of(t(a, 0).mul(t(a, 1)), t(a, 0).tanh().sum()));
    def("sin_wx_sum", a -> t(a, 0).mul(t(a, 1)).sin().sum());
    def("sum_all", a -> t(a, 0).sum());
    def("mean_all", a -> t(a, 0).mean());
  }
}
