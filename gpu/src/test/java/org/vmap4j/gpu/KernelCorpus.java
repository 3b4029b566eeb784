package org.vmap4j.gpu;

import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.PropertyPrograms;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.functorch.ConformancePrograms;

/**
 * Every GPU placement of every program the test suites produce: the functorch conformance fixtures
 * and core's per-primitive property cases (f32 and f64), and the per-sample-gradient workloads.
 */
public final class KernelCorpus {
  private KernelCorpus() {}

  public record Entry(String program, GpuPlan plan) {}

  public static List<Entry> all() {
    List<Entry> out = new ArrayList<>();
    for (DType t : List.of(DType.F32, DType.F64)) {
      for (ConformancePrograms.Case c : ConformancePrograms.all(t)) {
        out.add(new Entry("functorch " + c.name() + " " + t, plan(c.program())));
      }
      for (PropertyPrograms.Case c : PropertyPrograms.all(t)) {
        out.add(new Entry("property " + c.name() + " " + t, plan(c.program())));
      }
    }
    int i = 0;
    for (var p : Workloads.programs()) {
      out.add(new Entry("workload " + i++, plan(p)));
    }
    return out;
  }

  private static GpuPlan plan(org.vmap4j.ir.Program p) {
    return GpuPlan.of(ProgramCompiler.plan(p));
  }
}
