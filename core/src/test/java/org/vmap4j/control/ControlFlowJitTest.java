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
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.prim.Scan;

/** Control flow under jit: loops stay loops, bodies compile (fused) once, programs serialize. */
class ControlFlowJitTest {
  /** A scan of {@code steps} steps (no xs) and a while loop of as many turns, in one function. */
  static Function<Tensor, List<Tensor>> loops(int steps) {
    return x -> {
      Tensor scanned =
          Func.scan(
                  (Tensor c, Object none) ->
                      new ScanStep<Tensor, Tensor>(c.mul(0.9).add(c.sin()).tanh(), null),
                  x,
                  null,
                  ScanOptions.defaults().length(steps))
              .carry();
      List<Tensor> counted =
          Func.whileLoop(
              (List<Tensor> s) -> s.get(1).lt(steps),
              (List<Tensor> s) ->
                  List.of(
                      s.get(0).mul(0.5).add(s.get(0).cos()),
                      s.get(1).add(Tensor.scalar(DType.I32, 1))),
              List.of(x, Tensor.scalar(DType.I32, 0)));
      return List.of(scanned, counted.get(0));
    };
  }

  /** Every equation of a program, nested sub-programs included. */
  static int equationCount(Program p) {
    int n = 0;
    for (Equation e : p.equations()) {
      n++;
      for (Object v : e.params().asMap().values()) {
        if (v instanceof Program sub) {
          n += equationCount(sub);
        }
      }
    }
    return n;
  }

  @Test
  void theCompiledProgramDoesNotGrowWithTheTripCount() {
    Tensor x = Tensor.of(new double[] {0.1, 0.2, 0.3}, 3);
    Executable ten = ProgramCompiler.compile(Func.trace(loops(10), x));
    Executable thousand = ProgramCompiler.compile(Func.trace(loops(1000), x));
    assertThat(equationCount(thousand.program())).isEqualTo(equationCount(ten.program()));
    assertThat(thousand.stepCount()).isEqualTo(ten.stepCount());
    assertThat(ten.program().equations()).hasSizeLessThan(10);
  }

  @Test
  void jitMatchesAPlainJavaLoop() {
    Tensor x = Tensor.of(new double[] {0.1, 0.2, 0.3}, 3);
    List<Tensor> got = Func.jit(loops(1000)).apply(x);
    Tensor a = x;
    Tensor b = x;
    for (int i = 0; i < 1000; i++) {
      a = a.mul(0.9).add(a.sin()).tanh();
      b = b.mul(0.5).add(b.cos());
    }
    assertClose("jitted scan", got.get(0), a);
    assertClose("jitted while", got.get(1), b);
  }

  @Test
  void theScanBodyRunsAsItsOwnFusedExecutable() {
    Tensor xs = Tensor.randomUniform(1, DType.F64, 50, 64);
    Program p =
        Func.trace(
            (Tensor h) ->
                Func.scan(
                        (Tensor c, Tensor x) -> {
                          Tensor next = c.mul(x).add(x.exp()).tanh().mul(0.5);
                          return new ScanStep<>(next, next.sum());
                        },
                        h,
                        xs)
                    .ys(),
            Tensor.ones(DType.F64, 64));
    Executable exe = ProgramCompiler.compile(p);
    List<CpuTensor> out = exe.run(List.of((CpuTensor) Tensor.ones(DType.F64, 64)));
    Equation scan =
        exe.program().equations().stream()
            .filter(e -> e.primitive() == Scan.SCAN)
            .findFirst()
            .orElseThrow();
    Object compiledBody =
        scan.params()
            .program("body")
            .compiledForm(
                b -> {
                  throw new AssertionError("the body should have been compiled by the run");
                });
    assertThat(((Executable) compiledBody).fusedKernelCount()).isGreaterThanOrEqualTo(1);
    assertClose(
        "compiled scan",
        out.get(0),
        (Tensor) p.evaluate(List.of(Tensor.ones(DType.F64, 64))).get(0));
  }

  @Test
  void subProgramsSurviveSerialization() {
    Tensor x = Tensor.of(new double[] {0.1, -0.2, 0.3}, 3);
    Program p =
        Func.trace(
            (Tensor a) ->
                Func.cond(
                    a.sum().gt(0),
                    (Tensor b) -> loops(5).apply(b).get(0),
                    (Tensor b) -> loops(7).apply(b).get(1),
                    a),
            x);
    Program back = ProgramSerializer.fromBytes(ProgramSerializer.toBytes(p));
    assertThat(back.toString()).isEqualTo(p.toString());
    assertThat(back.toString()).contains("true_branch=", "false_branch=", "body=", "cond=");
    assertClose("round trip", back.evaluate(List.of(x)).get(0), p.evaluate(List.of(x)).get(0));
    assertClose(
        "round trip compiled",
        ProgramCompiler.compile(back).run(List.of((CpuTensor) x)).get(0),
        loops(5).apply(x).get(0));
  }

  @Test
  void jitComposesWithVmapAndGradOfAScan() {
    Tensor xs = Tensor.randomUniform(2, DType.F64, 4, 12, 3);
    Tensor w = Tensor.randomUniform(3, DType.F64, 3);
    Function<Tensor, Tensor> perExample =
        seq ->
            Func.grad(
                    (Tensor ww) ->
                        Func.scan(
                                (Tensor c, Tensor x) -> {
                                  Tensor next = c.mul(x.dot(ww)).sin().add(0.1);
                                  return new ScanStep<>(next, next);
                                },
                                Tensor.scalar(DType.F64, 0.3),
                                seq)
                            .ys()
                            .sum())
                .apply(w);
    Tensor eager = Func.vmap(perExample).apply(xs);
    Tensor jitted = Func.jit(Func.vmap(perExample)).apply(xs);
    assertClose("jit(vmap(grad(scan)))", jitted, eager);
  }

  /** A scan whose body branches per step (a cond inside a scan), for one example. */
  static Tensor nested(Tensor w, Tensor seq) {
    return Func.scan(
            (Tensor c, Tensor x) -> {
              Tensor next =
                  Func.cond(
                      x.sum().gt(0),
                      (Tensor a) -> a.mul(x.dot(w)).sin(),
                      (Tensor a) -> a.add(x.dot(w)).tanh(),
                      c);
              return new ScanStep<>(next, next.square());
            },
            Tensor.scalar(DType.F64, 0.5),
            seq)
        .ys()
        .sum();
  }

  @Test
  void perExampleGradientsThroughACondInsideAScanCompiled() {
    Tensor w = Tensor.randomUniform(4, DType.F64, 3).sub(0.5);
    Tensor seqs = Tensor.randomNormal(5, DType.F64, 6, 7, 3);
    java.util.function.BiFunction<Tensor, Tensor, Tensor> perExample =
        Func.vmap(Func.grad(ControlFlowJitTest::nested), org.vmap4j.InDims.of(null, 0));
    Tensor compiled = Func.jit(perExample).apply(w, seqs);
    Tensor[] loop = new Tensor[6];
    for (int b = 0; b < 6; b++) {
      loop[b] = Func.grad(ControlFlowJitTest::nested).apply(w, seqs.index(0, b));
    }
    assertClose("jit(vmap(grad(scan(cond))))", compiled, Tensor.stack(0, loop));
  }

  @Test
  void aCompiledWhileLoopWithAPerExampleCondition() {
    Tensor xs = Tensor.of(new double[] {0.1, 0.2, 3, 4, 20, 1}, 3, 2);
    Function<Tensor, Tensor> grow =
        x ->
            Func.whileLoop(
                (Tensor s) -> s.sum().lt(50.0), (Tensor s) -> s.mul(1.5).add(s.sin()), x);
    Tensor compiled = Func.jit(Func.vmap(grow)).apply(xs);
    Tensor[] loop = new Tensor[3];
    for (int b = 0; b < 3; b++) {
      Tensor s = xs.index(0, b);
      while (s.sum().item() < 50.0) {
        s = s.mul(1.5).add(s.sin());
      }
      loop[b] = s;
    }
    assertClose("jit(vmap(whileLoop))", compiled, Tensor.stack(0, loop));
  }
}
