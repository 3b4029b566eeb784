package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;
import org.vmap4j.backend.Backend;
import org.vmap4j.backend.Backends;
import org.vmap4j.gpu.cuda.CudaAvailability;

/** The CUDA backend as core's service loader sees it; the no-GPU answers where there is none. */
class CudaBackendTest {
  @Test
  void isDiscoveredThroughTheServiceLoader() {
    assertThat(Backends.discovered())
        .anySatisfy(
            b -> {
              assertThat(b).isInstanceOf(CudaBackend.class);
              assertThat(b.name()).isEqualTo("cuda");
              assertThat(b.kind()).isEqualTo(Backend.Kind.GPU);
            });
  }

  @Test
  void availabilityAgreesWithTheProbeAndNeverThrows() {
    CudaBackend b = new CudaBackend();
    assertThat(b.availability().available()).isEqualTo(CudaAvailability.probe().available());
    assertThat(b.availability().description()).isNotBlank();
  }

  @Test
  void withoutAGpuAnExplicitChoiceFailsWithTheReasonAndAutoFallsBack() {
    CudaAvailability a = CudaAvailability.probe();
    assumeFalse(a.available(), "this machine has a GPU");
    assertThat(Backends.select("auto")).isSameAs(Backends.cpu());
    assertThatThrownBy(() -> Backends.select("gpu"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cuda: " + a.description());
    assertThatThrownBy(() -> Backends.select("cuda"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backend 'cuda' is not available: " + a.description());
  }

  @Test
  void onDeviceTakesSparkStyleOrdinals() {
    CudaBackend b = new CudaBackend();
    assertThat(b.onDevice("0")).isSameAs(b);
    assertThat(b.onDevice(" 3 ").ordinal()).isEqualTo(3);
    assertThatThrownBy(() -> b.onDevice("gpu0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'gpu0'");
    assertThatThrownBy(() -> b.onDevice("-1")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aDeviceBeyondTheVisibleOnesIsUnavailable() {
    assertThat(new CudaBackend().onDevice("4096").availability().available()).isFalse();
  }
}
