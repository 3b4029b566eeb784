package org.vmap4j.gpu.cublas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The once-per-JVM decision between cuBLAS and our own GEMM, on any machine. */
class CublasAvailabilityTest {
  @Test
  void offDisablesCublasWithoutLoadingIt() {
    CublasAvailability a = CublasAvailability.detect("off");
    assertThat(a.available()).isFalse();
    assertThat(a.description()).contains("-Dvmap4j.cuda.cublas=off").contains("vmap4j's GEMM");
  }

  @Test
  void aBadSettingIsAnErrorNamingTheProperty() {
    assertThatThrownBy(() -> CublasAvailability.detect("yes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vmap4j.cuda.cublas")
        .hasMessageContaining("'yes'");
  }

  /**
   * Where JCublas's native library loads, cuBLAS is used; where it does not (no CUDA 12 cuBLAS, as
   * on CI and on CUDA 13 machines), the reason names the library the dynamic linker missed.
   */
  @Test
  void autoUsesCublasExactlyWhereItsLibraryLoads() {
    // only the JVM's one probe: a second attempt to load a library that failed gives a vaguer error
    CublasAvailability a = CublasAvailability.probe();
    System.out.println("cuBLAS here: " + a.description());
    if (a.available()) {
      assertThat(a.description()).contains("libcublas.so.12 loaded");
    } else {
      assertThat(a.description()).contains("cannot be loaded").contains("libcublas.so.12");
    }
    assertThat(CublasAvailability.probe()).isSameAs(a);
  }
}
