package org.vmap4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Layers applied in order; its parameters are the list of theirs, so their state-dict names are
 * {@code "0.weight"}, {@code "1.bias"}, ... as {@code nn.Sequential}'s. Layers without parameters
 * (activations) are written as lambdas: {@code Sequential.of(new Linear(4, 8),
 * Sequential.function(Functional::relu), new Linear(8, 2))}; their parameters are null.
 */
public record Sequential(List<Layer<?>> layers) implements Layer<List<Object>> {
  public Sequential {
    layers = List.copyOf(layers);
  }

  public static Sequential of(Layer<?>... layers) {
    return new Sequential(List.of(layers));
  }

  /** A parameterless layer. */
  public static Layer<Object> function(java.util.function.UnaryOperator<Tensor> f) {
    return new Layer<>() {
      @Override
      public Object init(long seed, DType dtype) {
        return null;
      }

      @Override
      public Tensor apply(Object params, Tensor x) {
        return f.apply(x);
      }
    };
  }

  @Override
  public List<Object> init(long seed, DType dtype) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      out.add(layers.get(i).init(Init.split(seed, i), dtype));
    }
    return out;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Tensor apply(List<Object> params, Tensor x) {
    if (params.size() != layers.size()) {
      throw new IllegalArgumentException(
          "Sequential: " + layers.size() + " layers but " + params.size() + " parameter entries");
    }
    for (int i = 0; i < layers.size(); i++) {
      x = ((Layer<Object>) layers.get(i)).apply(params.get(i), x);
    }
    return x;
  }
}
