package org.vmap4j.gpu;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes every placement and every PTX text of the kernel corpus (see {@link KernelCorpus}) to one
 * file, in corpus order, so that two builds of the renderer can be compared with {@code cmp}: a
 * refactoring that must not change the generated PTX shows an identical dump. Run with the gpu
 * module's test classpath: {@code java --add-modules=jdk.incubator.vector -cp <classpath>
 * org.vmap4j.gpu.KernelCorpusDump out.txt}.
 */
public final class KernelCorpusDump {
  private KernelCorpusDump() {}

  public static void main(String[] args) throws IOException {
    long steps = 0;
    try (PrintStream out =
        new PrintStream(Files.newOutputStream(Path.of(args[0])), false, "UTF-8")) {
      for (KernelCorpus.Entry e : KernelCorpus.all()) {
        out.println("##### " + e.program());
        for (GpuPlan.Step s : e.plan().steps()) {
          steps++;
          out.println("step: " + s.describe());
          print(s, out);
        }
      }
    }
    System.out.println(steps + " steps written to " + args[0]);
  }

  private static void print(GpuPlan.Step s, PrintStream out) {
    if (s instanceof GpuPlan.Kernel k) {
      out.println("n=" + k.n() + " threads=" + k.threads() + "\n" + k.ptx());
    } else if (s instanceof GpuPlan.Strided k) {
      out.println("n=" + k.n() + " threads=" + k.threads() + "\n" + k.ptx());
    } else if (s instanceof GpuPlan.Gemm g) {
      out.println(g.ptx());
    } else if (s instanceof GpuPlan.Indexed k) {
      out.println(
          "n="
              + k.n()
              + " checked="
              + k.checkedIndex()
              + " fromOperand="
              + k.startsFromOperand()
              + "\n"
              + k.ptx());
    } else if (s instanceof GpuPlan.TransposedGemm t) {
      for (GpuPlan.Step part : t.parts()) {
        out.println("part: " + part.describe());
        print(part, out);
      }
    }
  }
}
