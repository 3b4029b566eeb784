package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.gpu.ptx.PtxCompilationException;
import org.vmap4j.gpu.ptx.PtxCompiler;
import org.vmap4j.gpu.ptx.PtxKernelRendererTest;

/**
 * The PTX of every GPU step of every program the test suites produce (see {@link KernelCorpus})
 * compiles to cubin for sm_80 and sm_90 with nvPTXCompiler, and with ptxas where it is installed.
 * Steps the GPU backend does not lower must say why, in terms of an unlowered primitive or dtype.
 */
class KernelCorpusTest {
  private static List<KernelCorpus.Entry> corpus;

  /** Distinct PTX texts, each with one program that produced it. */
  private static Map<String, String> ptx;

  @BeforeAll
  static void collect() {
    corpus = KernelCorpus.all();
    ptx = new LinkedHashMap<>();
    for (KernelCorpus.Entry e : corpus) {
      for (GpuPlan.Step s : e.plan().steps()) {
        if (s instanceof GpuPlan.Kernel k) {
          ptx.putIfAbsent(k.ptx(), e.program() + ": " + k.describe());
        } else if (s instanceof GpuPlan.Gemm g) {
          ptx.putIfAbsent(g.ptx(), e.program() + ": " + g.describe());
        } else if (s instanceof GpuPlan.Strided k) {
          ptx.putIfAbsent(k.ptx(), e.program() + ": " + k.describe());
        } else if (s instanceof GpuPlan.Indexed k) {
          ptx.putIfAbsent(k.ptx(), e.program() + ": " + k.describe());
        } else if (s instanceof GpuPlan.TransposedGemm t) {
          for (GpuPlan.Step part : t.parts()) {
            String text = part instanceof GpuPlan.Gemm g ? g.ptx() : ((GpuPlan.Strided) part).ptx();
            ptx.putIfAbsent(text, e.program() + ": " + t.describe());
          }
        }
      }
    }
  }

  @Test
  void theCorpusHasKernelsReductionsAndGemms() {
    assertThat(corpus.size()).isGreaterThan(100);
    long reductions =
        corpus.stream()
            .flatMap(e -> e.plan().steps().stream())
            .filter(s -> s instanceof GpuPlan.Kernel k && k.source().kernel().reduce() != null)
            .count();
    long gemms =
        corpus.stream()
            .flatMap(e -> e.plan().steps().stream())
            .filter(s -> s instanceof GpuPlan.Gemm)
            .count();
    assertThat(reductions).isGreaterThan(10);
    assertThat(gemms).isGreaterThan(10);
    assertThat(ptx.size()).isGreaterThan(50);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void everyKernelCompilesWithNvPtxCompiler(String target) {
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, String> e : ptx.entrySet()) {
      try {
        byte[] cubin = PtxCompiler.compile(e.getKey(), target);
        if (cubin.length < 4 || cubin[0] != 0x7f || cubin[1] != 'E') {
          failures.add(e.getValue() + ": not an ELF image");
        }
      } catch (PtxCompilationException x) {
        failures.add(e.getValue() + ": " + x.getMessage());
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void everyKernelCompilesWithPtxas() {
    assumeThat(PtxKernelRendererTest.onPath("ptxas")).as("ptxas on PATH").isTrue();
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, String> e : ptx.entrySet()) {
      for (String arch : List.of("sm_80", "sm_90")) {
        String log = KernelCompilation.ptxasFailure(e.getKey(), arch);
        if (log != null) {
          failures.add(e.getValue() + " (" + arch + "): " + log);
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  /**
   * What stays on the CPU is explained by a primitive or dtype the backend does not lower (the
   * reasons are listed in docs/gpu.md), never by an error of the renderer itself, and never by one
   * of the primitives or dtypes the backend now lowers.
   */
  @Test
  void everyCpuPlacementNamesWhatIsNotLowered() {
    Map<String, Integer> reasons = new TreeMap<>();
    Set<String> unexpected = new LinkedHashSet<>();
    for (KernelCorpus.Entry e : corpus) {
      for (GpuPlan.Step s : e.plan().steps()) {
        if (s instanceof GpuPlan.OnCpu c) {
          reasons.merge(c.reason(), 1, Integer::sum);
          // the reasons placement gives by design: a primitive or scalar operation with no PTX
          // form yet (convolution, pooling), and control flow, whose decisions are made on the
          // host
          boolean explained =
              c.reason().startsWith("no GPU lowering for ")
                  || c.reason().contains("not lowered")
                  || c.reason().contains("has no renderer for scalar operation")
                  || c.reason().startsWith("control flow runs on the CPU");
          // lowered since: structural primitives, integer kernels, scattered dot_general groups
          boolean lowered =
              c.reason()
                  .matches(
                      ".*\\b(pad|concatenate|gather|scatter_add|argmax|i32|i64|dot_general)\\b.*");
          if (!explained || lowered) {
            unexpected.add(e.program() + ": " + c.reason());
          }
        }
      }
    }
    System.out.println("CPU placements by reason: " + reasons);
    assertThat(unexpected).isEmpty();
  }

  @Test
  void theWorkloadsRunTheirKernelsAndProductsOnTheGpu() {
    for (KernelCorpus.Entry e : corpus) {
      if (e.program().startsWith("workload")) {
        List<String> onCpu = new ArrayList<>();
        for (GpuPlan.Step s : e.plan().steps()) {
          if (s instanceof GpuPlan.OnCpu c
              && c.source() instanceof org.vmap4j.compiler.Fusion.FusedStep) {
            onCpu.add(c.reason());
          }
        }
        System.out.println(
            e.program()
                + ": "
                + e.plan().deviceSteps()
                + " device steps of "
                + e.plan().steps().size()
                + "; fused on CPU: "
                + onCpu);
        assertThat(e.plan().deviceSteps()).as(e.program()).isGreaterThan(0);
      }
    }
  }
}
