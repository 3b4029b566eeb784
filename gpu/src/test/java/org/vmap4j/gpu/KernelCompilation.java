package org.vmap4j.gpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.vmap4j.gpu.ptx.PtxCompilationException;
import org.vmap4j.gpu.ptx.PtxCompiler;
import org.vmap4j.gpu.ptx.PtxKernelRendererTest;

/**
 * Compiles a kernel for sm_80 and sm_90 with nvPTXCompiler, and with {@code ptxas} where it is on
 * the PATH, once per distinct PTX text; a failure is an {@link AssertionError} with the log and the
 * PTX. For tests that generate kernels outside {@link KernelCorpus}.
 */
public final class KernelCompilation {
  private static final Set<String> DONE = ConcurrentHashMap.newKeySet();
  private static final boolean PTXAS = PtxKernelRendererTest.onPath("ptxas");

  private KernelCompilation() {}

  public static void check(String what, String ptx) {
    if (!DONE.add(ptx)) {
      return;
    }
    for (String arch : List.of("sm_80", "sm_90")) {
      try {
        byte[] cubin = PtxCompiler.compile(ptx, arch);
        if (cubin.length < 4 || cubin[0] != 0x7f || cubin[1] != 'E') {
          throw new AssertionError(what + " (" + arch + "): not an ELF image");
        }
      } catch (PtxCompilationException e) {
        throw new AssertionError(what + " (" + arch + "): " + e.getMessage() + "\n" + ptx, e);
      }
      if (PTXAS) {
        ptxas(what, ptx, arch);
      }
    }
  }

  private static void ptxas(String what, String ptx, String arch) {
    String log = ptxasFailure(ptx, arch);
    if (log != null) {
      throw new AssertionError(what + " (ptxas " + arch + "): " + log + "\n" + ptx);
    }
  }

  /** ptxas's log when it rejects {@code ptx} for {@code arch}; null when it compiles. */
  static String ptxasFailure(String ptx, String arch) {
    try {
      Path dir = Files.createTempDirectory("vmap4j-ptxas");
      try {
        Path file = dir.resolve("k.ptx");
        Files.writeString(file, ptx);
        Process p =
            new ProcessBuilder(
                    "ptxas",
                    "-arch=" + arch,
                    file.toString(),
                    "-o",
                    dir.resolve("k.cubin").toString())
                .redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        return p.waitFor() == 0 ? null : log;
      } finally {
        try (var files = Files.list(dir)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Files.delete(f);
          }
        }
        Files.delete(dir);
      }
    } catch (IOException e) {
      throw new AssertionError("ptxas could not run: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while ptxas ran", e);
    }
  }
}
