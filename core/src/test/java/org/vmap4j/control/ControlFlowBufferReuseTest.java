package org.vmap4j.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.vmap4j.control.ControlFlowConformanceTest.assertClose;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.ScanOptions;
import org.vmap4j.ScanStep;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.Executable;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.prim.While;

/**
 * Compiled loops write each turn's carry into the arrays of the turn before last (the loop hands
 * its dead carry back to the body's buffer pool). These tests check the reuse happens and that it
 * never overwrites a value still in use: a carry passed through unchanged, one array in two
 * carries, a scan output that is the carry itself. Every value is checked against a plain Java
 * loop.
 */
class ControlFlowBufferReuseTest {
  static final double[] X = {0.1, -0.7, 2.5, 0.0, 1.3};

  @Test
  void aCompiledWhileLoopReusesItsCarryArraysAcrossTurns() {
    int turns = 200;
    Function<Tensor, List<Tensor>> f =
        x ->
            Func.whileLoop(
                (List<Tensor> s) -> s.get(1).lt(turns),
                (List<Tensor> s) ->
                    List.of(
                        s.get(0).mul(0.5).add(s.get(0).cos()),
                        s.get(1).add(Tensor.scalar(DType.I32, 1))),
                List.of(x, Tensor.scalar(DType.I32, 0)));
    Tensor x = Tensor.of(X, X.length);
    Executable exe = ProgramCompiler.compile(Func.trace(f, x));
    List<CpuTensor> out = exe.run(List.of((CpuTensor) x));
    Executable body = (Executable) whileBody(exe.program()).compiledForm(ProgramCompiler::compile);
    // Two carries per turn; the first two turns have no dead carry to write into.
    assertThat(body.reusedBuffers()).isGreaterThanOrEqualTo(2L * (turns - 2));
    double[] want = X.clone();
    for (int t = 0; t < turns; t++) {
      for (int i = 0; i < want.length; i++) {
        want[i] = want[i] * 0.5 + Math.cos(want[i]);
      }
    }
    assertClose("carry after " + turns + " turns", out.get(0), Tensor.of(want, want.length));
    assertThat(out.get(1).toDoubleArray()).containsExactly(turns);
  }

  @Test
  void aPassedThroughCarryAndOneArrayInTwoCarriesSurviveReuse() {
    int turns = 30;
    // s = (a, b, c, p, k): a passes through unchanged, b and c are the same new value each turn,
    // and p takes b's place of the turn before (a body result that lives on into the next carry).
    Function<Tensor, List<Tensor>> f =
        x ->
            Func.whileLoop(
                (List<Tensor> s) -> s.get(4).lt(turns),
                (List<Tensor> s) -> {
                  Tensor next = s.get(1).mul(0.9).add(s.get(2).sin()).add(s.get(0));
                  return List.of(
                      s.get(0), next, next, s.get(1), s.get(4).add(Tensor.scalar(DType.I32, 1)));
                },
                List.of(x, x.mul(2), x.mul(2), x.mul(3), Tensor.scalar(DType.I32, 0)));
    Tensor x = Tensor.of(X, X.length);
    Tensor other = x.mul(-1.5).add(0.25);
    Executable exe = ProgramCompiler.compile(Func.trace(f, x));
    List<CpuTensor> got = exe.run(List.of((CpuTensor) x));
    // A second call, on other values, runs on recycled arrays: it must not touch the first
    // call's results.
    List<CpuTensor> again = exe.run(List.of((CpuTensor) other));
    checkAgainstPlainLoop(got, x, turns);
    checkAgainstPlainLoop(again, other, turns);
  }

  private static void checkAgainstPlainLoop(List<CpuTensor> r, Tensor x, int turns) {
    double[] a = x.toDoubleArray();
    double[] b = new double[a.length];
    double[] p = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = 2 * a[i];
      for (int t = 0; t < turns; t++) {
        p[i] = b[i];
        b[i] = b[i] * 0.9 + Math.sin(b[i]) + a[i];
      }
    }
    assertClose("passed-through carry", r.get(0), x);
    assertClose("first copy", r.get(1), Tensor.of(b, b.length));
    assertClose("second copy", r.get(2), Tensor.of(b, b.length));
    assertClose("the turn before's value", r.get(3), Tensor.of(p, p.length));
  }

  @Test
  void scanOutputsThatAreCarriesSurviveReuse() {
    int steps = 12;
    // Each step outputs the carry it received and the one it returns: both alias carries.
    Function<Tensor, List<Tensor>> f =
        x -> {
          var r =
              Func.scan(
                  (Tensor c, Object none) -> {
                    Tensor next = c.mul(0.8).add(c.cos());
                    return new ScanStep<Tensor, List<Tensor>>(next, List.of(c, next));
                  },
                  x,
                  null,
                  ScanOptions.defaults().length(steps));
          return List.of(r.carry(), r.ys().get(0), r.ys().get(1));
        };
    Tensor x = Tensor.of(X, X.length);
    Executable exe = ProgramCompiler.compile(Func.trace(f, x));
    List<CpuTensor> got = exe.run(List.of((CpuTensor) x));
    exe.run(List.of((CpuTensor) x.mul(-2).add(1))); // must not touch the first call's results
    double[][] seen = new double[steps + 1][];
    seen[0] = X.clone();
    for (int t = 0; t < steps; t++) {
      seen[t + 1] = new double[X.length];
      for (int i = 0; i < X.length; i++) {
        seen[t + 1][i] = seen[t][i] * 0.8 + Math.cos(seen[t][i]);
      }
    }
    assertClose("final carry", got.get(0), Tensor.of(seen[steps], X.length));
    for (int t = 0; t < steps; t++) {
      assertClose("ys[0][" + t + "]", got.get(1).index(0, t), Tensor.of(seen[t], X.length));
      assertClose("ys[1][" + t + "]", got.get(2).index(0, t), Tensor.of(seen[t + 1], X.length));
    }
  }

  private static Program whileBody(Program p) {
    for (Equation e : p.equations()) {
      if (e.primitive() == While.WHILE) {
        return e.params().program("body");
      }
    }
    throw new AssertionError("no while loop in " + p);
  }
}
