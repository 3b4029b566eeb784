package org.vmap4j.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/** Discovery through ServiceLoader (the providers in test resources), choices and their errors. */
class BackendsTest {
  private static final Backend ABSENT = new TestBackends.Absent();

  private static final Function<Tensor, Tensor> F = x -> x.mul(x).add(x.sin()).sum();

  @Test
  void discoversRegisteredProvidersAfterTheCpu() {
    List<Backend> all = Backends.discovered();
    assertThat(all.get(0)).isSameAs(Backends.cpu());
    assertThat(all).extracting(Backend::name).contains("test-accel", "test-absent");
  }

  @Test
  void aProviderThatCannotBeInstantiatedIsUnavailableWithItsError() {
    Backend broken =
        Backends.discovered().stream()
            .filter(b -> b.name().contains("Broken"))
            .findFirst()
            .orElseThrow();
    assertThat(broken.availability().available()).isFalse();
    assertThat(broken.availability().description()).contains("broken test provider");
  }

  @Test
  void cpuIsAlwaysAvailable() {
    assertThat(Backends.select("cpu").kind()).isEqualTo(Backend.Kind.CPU);
    assertThat(Backends.select(" CPU ")).isSameAs(Backends.cpu());
    assertThat(Backends.cpu().availability().available()).isTrue();
  }

  @Test
  void autoPrefersAnAvailableAcceleratorAndOtherwiseFallsBackToTheCpu() {
    assertThat(Backends.select("auto").name()).isEqualTo("test-accel");
    assertThat(Backends.select("auto", List.of(Backends.cpu(), ABSENT))).isSameAs(Backends.cpu());
    assertThat(Backends.select("auto", List.of(Backends.cpu()))).isSameAs(Backends.cpu());
  }

  @Test
  void gpuChoosesAnAvailableAccelerator() {
    assertThat(Backends.select("gpu").name()).isEqualTo("test-accel");
  }

  @Test
  void gpuWithoutAnyGpuBackendSaysWhatToAdd() {
    assertThatThrownBy(() -> Backends.select("gpu", List.of(Backends.cpu())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no GPU backend is on the classpath")
        .hasMessageContaining("vmap4j-gpu");
  }

  @Test
  void gpuWithOnlyUnavailableBackendsGivesEachReason() {
    assertThatThrownBy(() -> Backends.select("gpu", List.of(Backends.cpu(), ABSENT)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("test-absent: test: no such device");
  }

  @Test
  void anExplicitUnavailableBackendIsAnErrorWithTheReason() {
    assertThatThrownBy(() -> Backends.select("test-absent"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backend 'test-absent' is not available: test: no such device");
  }

  @Test
  void unknownAndEmptyChoicesListTheKnownNames() {
    assertThatThrownBy(() -> Backends.select("tpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown backend 'tpu'")
        .hasMessageContaining("test-accel");
    assertThatThrownBy(() -> Backends.select(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backend choice is empty");
  }

  @Test
  void jitCompilesOnceForTheChosenBackendAndGivesTheCpuResult() {
    Backend accel = Backends.select("test-accel");
    Function<Tensor, Tensor> onAccel = Func.jit(F, accel);
    int before = TestBackends.Counting.COMPILED.get();
    Tensor x = Tensor.randomNormal(7, DType.F64, 5);
    Tensor a = onAccel.apply(x);
    Tensor b = onAccel.apply(Tensor.randomNormal(8, DType.F64, 5));
    assertThat(TestBackends.Counting.COMPILED.get() - before).isEqualTo(1);
    assertThat(a.allClose(F.apply(x), 1e-12, 1e-12)).isTrue();
    assertThat(b.shape()).isEmpty();
  }

  @Test
  void jitWithoutABackendUsesTheSystemProperty() {
    String old = System.getProperty(Backends.PROPERTY);
    try {
      System.setProperty(Backends.PROPERTY, "test-accel");
      int before = TestBackends.Counting.COMPILED.get();
      Func.jit(F).apply(Tensor.randomNormal(9, DType.F64, 3));
      assertThat(TestBackends.Counting.COMPILED.get() - before).isEqualTo(1);

      System.setProperty(Backends.PROPERTY, "test-absent");
      Function<Tensor, Tensor> f = Func.jit(F);
      assertThatThrownBy(() -> f.apply(Tensor.randomNormal(9, DType.F64, 3)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("-Dvmap4j.backend=test-absent")
          .hasMessageContaining("test: no such device");

      System.clearProperty(Backends.PROPERTY);
      before = TestBackends.Counting.COMPILED.get();
      Func.jit(F).apply(Tensor.randomNormal(9, DType.F64, 3));
      assertThat(TestBackends.Counting.COMPILED.get()).isEqualTo(before);
    } finally {
      if (old == null) {
        System.clearProperty(Backends.PROPERTY);
      } else {
        System.setProperty(Backends.PROPERTY, old);
      }
    }
  }
}
