package org.vmap4j.gpu.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CudaAvailabilityTest {

  @Test
  void probeAnswersWithoutThrowingAndAlwaysTheSame() {
    CudaAvailability cuda = assertDoesNotThrow(CudaAvailability::probe);

    assertThat(cuda.description()).isNotBlank();
    if (cuda.available()) {
      assertThat(cuda.deviceCount()).isPositive();
    } else {
      assertThat(cuda.deviceCount()).isZero();
    }
    assertThat(CudaAvailability.probe()).isSameAs(cuda);
  }

  @Test
  void reportsUnavailableWithTheReasonWhereLibcudaIsMissing() {
    Optional<Path> libcuda = findLibcuda();
    assumeTrue(libcuda.isEmpty(), () -> "this machine has a CUDA driver: " + libcuda.get());

    CudaAvailability cuda = CudaAvailability.probe();

    assertThat(cuda.available()).isFalse();
    assertThat(cuda.deviceCount()).isZero();
    assertThat(cuda.description())
        .startsWith("the CUDA driver library cannot be loaded")
        .contains("libcuda.so.1")
        .doesNotContain("\n");
  }

  @Test
  void reportsTheDevicesWhereDriverAndGpuArePresent() {
    assumeTrue(
        findLibcuda().isPresent() && Files.exists(Path.of("/dev/nvidia0")),
        "needs libcuda.so.1 and /dev/nvidia0");

    CudaAvailability cuda = CudaAvailability.probe();

    assertThat(cuda.available()).as(cuda.description()).isTrue();
    assertThat(cuda.deviceCount()).isPositive();
    assertThat(cuda.description()).contains("CUDA device(s)");
  }

  /**
   * Where the dynamic linker would find libcuda.so.1: LD_LIBRARY_PATH, the usual system and
   * container directories, and those listed in /etc/ld.so.conf.d.
   */
  private static Optional<Path> findLibcuda() {
    List<String> dirs = new ArrayList<>();
    String ldLibraryPath = System.getenv("LD_LIBRARY_PATH");
    if (ldLibraryPath != null) {
      dirs.addAll(List.of(ldLibraryPath.split(":")));
    }
    dirs.addAll(
        List.of(
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
            "/usr/lib/wsl/lib",
            "/usr/local/nvidia/lib64",
            "/usr/local/cuda/compat"));
    dirs.addAll(ldSoConfDirs());
    return dirs.stream()
        .filter(dir -> !dir.isBlank())
        .map(dir -> Path.of(dir, "libcuda.so.1"))
        .filter(Files::exists)
        .findFirst();
  }

  private static List<String> ldSoConfDirs() {
    Path confDir = Path.of("/etc/ld.so.conf.d");
    if (!Files.isDirectory(confDir)) {
      return List.of();
    }
    try (Stream<Path> confs = Files.list(confDir)) {
      List<String> dirs = new ArrayList<>();
      for (Path conf : confs.filter(p -> p.toString().endsWith(".conf")).toList()) {
        Files.readAllLines(conf).stream()
            .map(String::strip)
            .filter(line -> line.startsWith("/"))
            .forEach(dirs::add);
      }
      return dirs;
    } catch (IOException e) {
      return List.of();
    }
  }
}
