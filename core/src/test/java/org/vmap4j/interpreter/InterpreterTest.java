package org.vmap4j.interpreter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;

/**
 * The extension point later transforms use: a new interpreter is a Trace and a Tracer, and every
 * Tensor method reaches it through bind without any change to Tensor. This test interpreter records
 * the primitives it sees and computes the values one level down.
 */
class InterpreterTest {
  static final class RecordingTracer extends Tracer {
    final RecordingTrace trace;
    final Tensor value;

    RecordingTracer(RecordingTrace trace, Tensor value) {
      this.trace = trace;
      this.value = value;
    }

    @Override
    public Trace trace() {
      return trace;
    }

    @Override
    public TensorType type() {
      return value.type();
    }
  }

  static final class RecordingTrace extends Trace {
    final List<String> seen;

    RecordingTrace(MainTrace main, List<String> seen) {
      super(main);
      this.seen = seen;
    }

    @Override
    public Tracer lift(Tensor value) {
      return new RecordingTracer(this, value);
    }

    @Override
    public Tensor[] process(Primitive primitive, Tracer[] inputs, Params params) {
      seen.add(primitive.displayName());
      Tensor[] lower = new Tensor[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        lower[i] = ((RecordingTracer) inputs[i]).value;
      }
      Tensor[] out = Interpreters.bind(primitive, params, lower);
      Tensor[] wrapped = new Tensor[out.length];
      for (int i = 0; i < out.length; i++) {
        wrapped[i] = new RecordingTracer(this, out[i]);
      }
      return wrapped;
    }
  }

  @Test
  void bindRoutesTensorMethodsToTheTopInterpreter() {
    List<String> seen = new ArrayList<>();
    Tensor w = Tensor.of(new double[] {1, 2, 3});
    Tensor result;
    try (Interpreters.Level level =
        Interpreters.push("record", main -> new RecordingTrace(main, seen))) {
      RecordingTrace trace = (RecordingTrace) level.main().newTrace();
      Tensor x = trace.lift(Tensor.of(new double[] {0.5, -1, 2}));
      // a closure over the concrete w mixes levels: w is lifted into the trace
      Tensor y = x.mul(w).relu().sum();
      assertThat(y).isInstanceOf(RecordingTracer.class);
      assertThat(y.type()).isEqualTo(new TensorType(DType.F64));
      assertThat(y.toString()).contains("record@1");
      assertThatThrownBy(y::item)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("item()")
          .hasMessageContaining("record")
          .hasMessageContaining("Tensor.where");
      result = ((RecordingTracer) y).value;
    }
    assertThat(seen).containsExactly("mul", "gt", "select", "reduce_sum");
    assertThat(result).isInstanceOf(CpuTensor.class);
    assertThat(result.item()).isEqualTo(0.5 + 6);
  }

  @Test
  void levelsMustCloseInOrder() {
    Interpreters.Level outer = Interpreters.push("a", main -> null);
    Interpreters.Level inner = Interpreters.push("b", main -> null);
    assertThat(inner.main().level()).isEqualTo(outer.main().level() + 1);
    assertThatThrownBy(outer::close).hasMessageContaining("out of order");
    inner.close();
    outer.close();
  }
}
