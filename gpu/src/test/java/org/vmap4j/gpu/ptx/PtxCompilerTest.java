package org.vmap4j.gpu.ptx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PtxCompilerTest {

  /** ELF e_machine of CUDA images (EM_CUDA). */
  private static final int EM_CUDA = 190;

  private static final String SAXPY = resource("saxpy.ptx");

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void compilesSaxpyToCudaElfForTheRequestedArchitecture(String target) {
    byte[] cubin = PtxCompiler.compile(SAXPY, target);

    assertThat(cubin).hasSizeGreaterThan(1024).startsWith(0x7f, 'E', 'L', 'F');
    ByteBuffer elf = ByteBuffer.wrap(cubin).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(elf.get(4)).as("ELFCLASS64").isEqualTo((byte) 2);
    assertThat(elf.getShort(18) & 0xffff).as("e_machine").isEqualTo(EM_CUDA);
    assertThat(smInElfFlags(elf.getInt(48))).as("SM in e_flags").contains(smNumber(target));
    assertThat(new String(cubin, StandardCharsets.ISO_8859_1)).contains("saxpy");
  }

  @Test
  void imagesForDifferentArchitecturesDiffer() {
    assertThat(PtxCompiler.compile(SAXPY, "sm_80"))
        .isNotEqualTo(PtxCompiler.compile(SAXPY, "sm_90"));
  }

  @Test
  void syntaxErrorGivesTheCompilerLogNamingThePtxLine() {
    String broken = SAXPY.replace("fma.rn.f32", "fma.rn.f33");
    int line = lineOf(broken, "fma.rn.f33");

    assertThatThrownBy(() -> PtxCompiler.compile(broken, "sm_80"))
        .isInstanceOf(PtxCompilationException.class)
        .hasMessageContaining("sm_80")
        .hasMessageContaining("NVPTXCOMPILE_ERROR_COMPILATION_FAILURE")
        .hasMessageContaining("line " + line + "; error")
        .hasMessageContaining("'.f33'")
        .satisfies(
            e -> {
              PtxCompilationException p = (PtxCompilationException) e;
              assertThat(p.errorLog()).isNotBlank().contains("line " + line);
              assertThat(p.getMessage()).contains(p.errorLog());
              assertThat(p.target()).isEqualTo("sm_80");
            });
  }

  @Test
  void ptxForSm80DoesNotCompileForAnOlderArchitecture() {
    assertThatThrownBy(() -> PtxCompiler.compile(SAXPY, "sm_75"))
        .isInstanceOf(PtxCompilationException.class)
        .hasMessageContaining("SM version specified by .target is higher");
  }

  @Test
  void concurrentCompilationsGiveTheSameImage() throws Exception {
    byte[] expected = PtxCompiler.compile(SAXPY, "sm_80");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<byte[]>> results =
          pool.invokeAll(
              Collections.nCopies(
                  16, (Callable<byte[]>) () -> PtxCompiler.compile(SAXPY, "sm_80")));
      for (Future<byte[]> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"compute_80", "sm80", "sm_80 --device-debug", "80", ""})
  void rejectsTargetsThatAreNotAnArchitecture(String target) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> PtxCompiler.compile(SAXPY, target))
        .withMessageContaining("'" + target + "'");
  }

  /** The same PTX file, checked by NVIDIA's standalone assembler where one is installed. */
  @Test
  void ptxasAcceptsTheSamePtx(@TempDir Path dir) throws Exception {
    Optional<Path> ptxas = onPath("ptxas");
    assumeTrue(ptxas.isPresent(), "ptxas is not on PATH");
    Path ptx = Files.writeString(dir.resolve("saxpy.ptx"), SAXPY);
    Path out = dir.resolve("saxpy.cubin");

    Process process =
        new ProcessBuilder(
                ptxas.get().toString(), "-arch=sm_80", "-o", out.toString(), ptx.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("ptxas finished").isTrue();

    assertThat(process.exitValue()).as("ptxas exit status; output: %s", output).isZero();
    assertThat(Files.readAllBytes(out)).startsWith(0x7f, 'E', 'L', 'F');
  }

  private static int smNumber(String target) {
    return Integer.parseInt(target.substring("sm_".length()));
  }

  /**
   * The SM number a cubin's e_flags may hold: older images (this compiler) keep it in bits 0-7,
   * images from CUDA 13's ptxas in bits 8-15.
   */
  private static List<Integer> smInElfFlags(int flags) {
    return List.of(flags & 0xff, (flags >>> 8) & 0xff);
  }

  private static int lineOf(String text, String needle) {
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(needle)) {
        return i + 1;
      }
    }
    throw new AssertionError(needle + " not in text");
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    return Stream.of(path.split(File.pathSeparator))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, program))
        .filter(Files::isExecutable)
        .findFirst();
  }

  private static String resource(String name) {
    try (InputStream in = PtxCompilerTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
