package org.vmap4j.gpu.ptx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.Executable;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.kernel.KernelDescription;

/**
 * The compiler's fused kernels, rendered as PTX, compile to cubin with the in-process nvPTXCompiler
 * (and ptxas where installed). No GPU here: that the PTX computes the same numbers as the CPU is
 * for the device run (docs/gpu.md).
 */
public class PtxKernelRendererTest {
  static final Tensor X = Tensor.zeros(DType.F32, 8, 16);

  public static KernelDescription onlyKernel(Function<List<Tensor>, Tensor> f, int inputs) {
    List<Tensor> args = java.util.Collections.nCopies(inputs, X);
    Executable e = ProgramCompiler.compile(Func.trace(f, args));
    assertThat(e.kernels()).hasSize(1);
    return e.kernels().get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void elementwiseChainCompilesToCubin(String target) {
    KernelDescription k =
        onlyKernel(
            l ->
                Tensor.where(
                    l.get(0).gt(l.get(1)),
                    l.get(0).mul(l.get(1)).add(l.get(2)).tanh(),
                    l.get(2).sigmoid().maximum(l.get(1).exp()).div(l.get(0).abs().sqrt())),
            3);
    String ptx = PtxKernelRenderer.render(k);
    assertThat(ptx)
        .contains(".target sm_80", "ex2.approx.f32", "setp.gt.f32", "selp.f32")
        .contains("max.NaN.f32", "div.rn.f32", "sqrt.rn.f32");
    byte[] cubin = PtxCompiler.compile(ptx, target);
    assertThat(cubin).startsWith(0x7f, 'E', 'L', 'F');
  }

  @Test
  void everyLoweredPrimitiveCompiles() {
    KernelDescription k =
        onlyKernel(
            l -> {
              Tensor a = l.get(0);
              Tensor b = l.get(1);
              Tensor s = a.neg().add(a.abs()).sub(b.log()).mul(a.sin()).add(b.cos()).add(b.rsqrt());
              Tensor c = Tensor.where(a.lt(b), s, a).add(Tensor.where(a.le(b), b, a));
              Tensor d = Tensor.where(a.ge(b), c, b.minimum(a)).add(Tensor.where(a.eq(b), a, c));
              return Tensor.where(a.ne(b), d, s);
            },
            2);
    assertThat(PtxCompiler.compile(PtxKernelRenderer.render(k), "sm_80")).hasSizeGreaterThan(1000);
  }

  @Test
  void ptxasAcceptsTheRenderedKernel() throws IOException, InterruptedException {
    assumeThat(onPath("ptxas")).as("ptxas on PATH").isTrue();
    KernelDescription k = onlyKernel(l -> l.get(0).mul(l.get(1)).exp(), 2);
    Path ptx = Files.createTempFile("vmap4j", ".ptx");
    Path cubin = Files.createTempFile("vmap4j", ".cubin");
    Files.writeString(ptx, PtxKernelRenderer.render(k));
    Process p =
        new ProcessBuilder("ptxas", "-arch=sm_80", ptx.toString(), "-o", cubin.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(log).isZero();
    assertThat(Files.readAllBytes(cubin)).startsWith(0x7f, 'E', 'L', 'F');
  }

  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void trailingReductionsRunOneWarpPerOutput(String target) {
    for (Function<List<Tensor>, Tensor> f :
        List.<Function<List<Tensor>, Tensor>>of(
            l -> l.get(0).exp().sum(1),
            l -> l.get(0).mul(l.get(1)).max(1),
            l -> l.get(0).abs().min(1))) {
      String ptx = PtxKernelRenderer.render(onlyKernel(f, 2 - 0 * 1));
      assertThat(ptx).contains("shfl.sync.bfly.b32", "LOOP:");
      assertThat(PtxCompiler.compile(ptx, target)).startsWith(0x7f, 'E', 'L', 'F');
    }
  }

  @Test
  void f64KernelsWithReductionsCompile() {
    Executable e =
        ProgramCompiler.compile(
            Func.trace(
                (Tensor t) -> t.mul(t).add(t.sqrt()).maximum(t).sum(1),
                Tensor.zeros(DType.F64, 4, 8)));
    String ptx = PtxKernelRenderer.render(e.kernels().get(0));
    assertThat(ptx).contains("add.rn.f64", "setp.nan.f64", "mov.b64");
    assertThat(PtxCompiler.compile(ptx, "sm_80")).startsWith(0x7f, 'E', 'L', 'F');
  }

  @Test
  void broadcastInputsAreReadWithStrideZero() {
    Tensor row = Tensor.zeros(DType.F32, 16);
    Executable e =
        ProgramCompiler.compile(Func.trace((Tensor m, Tensor r) -> m.add(r).exp(), X, row));
    org.vmap4j.compiler.Fusion.FusedStep step =
        (org.vmap4j.compiler.Fusion.FusedStep)
            ProgramCompiler.plan(Func.trace((Tensor m, Tensor r) -> m.add(r).exp(), X, row))
                .steps()
                .stream()
                .filter(s -> s instanceof org.vmap4j.compiler.Fusion.FusedStep)
                .findFirst()
                .orElseThrow();
    assertThat(step.kernel().views())
        .anySatisfy(v -> assertThat(v.strides()).containsExactly(0, 1));
    String ptx = PtxKernelRenderer.render(step.kernel());
    assertThat(ptx).contains("rem.u32");
    assertThat(PtxCompiler.compile(ptx, "sm_90")).startsWith(0x7f, 'E', 'L', 'F');
    assertThat(e.fusedKernelCount()).isEqualTo(1);
  }

  @Test
  void whatIsNotLoweredYetSaysSo() {
    Executable e =
        ProgramCompiler.compile(
            Func.trace(
                (Tensor a, Tensor b) -> a.gt(0).eq(b.gt(0)),
                Tensor.zeros(DType.F32, 4),
                Tensor.zeros(DType.F32, 4)));
    // comparisons of two bools are the one element-wise case no program of the suites needs
    assertThatThrownBy(() -> PtxKernelRenderer.render(e.kernels().get(0)))
        .hasMessageContaining("comparisons of bool are not lowered");
  }

  /** The software transcendentals (PtxF64Math) in both dtypes, pow included, compile. */
  @ParameterizedTest
  @ValueSource(strings = {"sm_80", "sm_90"})
  void softwareTranscendentalsCompile(String target) {
    for (DType t : List.of(DType.F32, DType.F64)) {
      Tensor z = Tensor.zeros(t, 4);
      Executable e =
          ProgramCompiler.compile(
              Func.trace(
                  (Tensor a, Tensor b) ->
                      a.exp()
                          .add(a.log())
                          .add(a.log1p())
                          .add(a.expm1())
                          .add(a.sin())
                          .add(a.cos())
                          .add(a.tanh())
                          .add(a.sigmoid())
                          .add(a.pow(b)),
                  z,
                  z));
      assertThat(e.kernels()).hasSize(1);
      String ptx = PtxKernelRenderer.render(e.kernels().get(0));
      assertThat(ptx).contains("fma.rn.f64", "shl.b64", "cvt.rni.s64.f64");
      assertThat(PtxCompiler.compile(ptx, target)).startsWith(0x7f, 'E', 'L', 'F');
    }
  }

  public static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
