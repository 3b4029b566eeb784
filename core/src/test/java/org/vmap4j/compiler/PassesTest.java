package org.vmap4j.compiler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.Var;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.Unary;

/** Each pass on small programs, checked through the printed forms before and after. */
class PassesTest {
  static final Tensor X = Tensor.zeros(DType.F32, 3, 4);

  @Test
  void deadCodeIsRemoved() {
    Program p =
        Func.trace(
            (Tensor x) -> {
              x.exp(); // computed and dropped
              return x.sin();
            },
            X);
    assertThat(p.toString()).contains("exp");
    assertThat(DeadCodeElimination.run(p).toString())
        .isEqualTo("{ lambda a:f32[3,4] ;\n    b:f32[3,4] = sin a\n  in (b) }");
  }

  @Test
  void commonSubexpressionsAreShared() {
    Program p = Func.trace((Tensor x) -> x.sin().add(x.sin()), X);
    assertThat(p.equations()).hasSize(3);
    assertThat(CommonSubexpressions.run(p).toString())
        .isEqualTo(
            "{ lambda a:f32[3,4] ;\n    b:f32[3,4] = sin a\n    c:f32[3,4] = add b b\n  in (c) }");
  }

  @Test
  void algebraicIdentitiesDisappear() {
    Program p =
        Func.trace(
            (Tensor x) ->
                x.mul(1.0)
                    .add(0.0)
                    .sub(0.0)
                    .div(1.0)
                    .transpose()
                    .transpose()
                    .reshape(12)
                    .reshape(2, 6),
            X);
    assertThat(ProgramCompiler.optimize(p).toString())
        .isEqualTo("{ lambda a:f32[3,4] ;\n    b:f32[2,6] = reshape[shape=(2,6)] a\n  in (b) }");
  }

  @Test
  void transposesThatOnlyMoveUnitAxesBecomeReshapesAndCompose() {
    Tensor x = Tensor.randomNormal(1, DType.F64, 3, 1, 4);
    // (0,2,1) moves only the unit axis: the same memory, so reshape; with the reshapes around it
    // the whole chain is the identity
    Program unitOnly = Func.trace((Tensor v) -> v.permute(0, 2, 1).reshape(3, 1, 4), x);
    assertThat(ProgramCompiler.optimize(unitOnly).equations()).isEmpty();
    // (2,1,0) swaps the two non-unit axes: a real transpose stays
    Program swap = Func.trace((Tensor v) -> v.permute(2, 1, 0), x);
    assertThat(ProgramCompiler.optimize(swap).toString()).contains("transpose");
    for (Program p : List.of(unitOnly, swap)) {
      Tensor want = p.evaluate(List.of(x)).get(0);
      Tensor got = Executable.of(ProgramCompiler.plan(p)).run(List.of((CpuTensor) x)).get(0);
      assertThat(got.shape()).isEqualTo(want.shape());
      assertThat(got.sub(want).abs().max().item()).isEqualTo(0.0);
    }
  }

  @Test
  void constantsAreFolded() {
    // built by hand: tracing evaluates constant expressions eagerly, so the pass mostly sees the
    // constants other rewrites leave behind
    Var x = new Var(new TensorType(DType.F64, 2));
    Var c = new Var(new TensorType(DType.F64, 2));
    Var e = new Var(new TensorType(DType.F64, 2));
    Var y = new Var(new TensorType(DType.F64, 2));
    CpuTensor value = (CpuTensor) Tensor.of(new double[] {0, 1});
    Program p =
        new Program(
            List.of(x),
            List.of(c),
            List.of(value),
            List.of(
                new Equation(Unary.EXP, Params.NONE, List.of(c), List.of(e)),
                new Equation(Binary.ADD, Params.NONE, List.of(x, e), List.of(y))),
            List.of(y));
    Program folded = DeadCodeElimination.run(ConstantFolding.run(p));
    assertThat(folded.toString())
        .isEqualTo("{ lambda a:f64[2] ;\n    b:f64[2] = const\n    c:f64[2] = add a b\n  in (c) }");
    assertThat(folded.constValues().get(0).toDoubleArray()).containsExactly(1, Math.E);
  }

  @Test
  void outerProductsBecomeMultiplies() {
    Program p =
        Func.trace(
            (Tensor a, Tensor b) -> a.unsqueeze(1).matmul(b.unsqueeze(0)),
            Tensor.zeros(DType.F32, 3),
            Tensor.zeros(DType.F32, 4));
    assertThat(p.toString()).contains("dot_general");
    String optimized = ProgramCompiler.optimize(p).toString();
    assertThat(optimized).doesNotContain("dot_general").contains("mul");
    Tensor a = Tensor.of(new float[] {1, 2, 3});
    Tensor b = Tensor.of(new float[] {1, 10, 100, 1000});
    List<Tensor> out = ProgramCompiler.optimize(p).evaluate(List.of(a, b));
    assertThat(out.get(0).allClose(a.unsqueeze(1).matmul(b.unsqueeze(0)), 0, 0)).isTrue();
  }

  @Test
  void elementwiseChainsAndTheirReductionFuseIntoOneKernel() {
    Program p = Func.trace((Tensor x) -> x.mul(2).add(1).tanh().sum(1), X);
    Executable e = ProgramCompiler.compile(p);
    assertThat(e.stepCount()).isEqualTo(1);
    assertThat(e.fusedKernelCount()).isEqualTo(1);
    // a value used outside the chain is not fused away
    Program q = Func.trace((Tensor x) -> java.util.List.of(x.exp(), x.exp().sin().sum(1)), X);
    Executable f = ProgramCompiler.compile(q);
    assertThat(f.fusedKernelCount()).isEqualTo(2);
  }

  /** A broadcast fuses as a view, so folding leaves it: the constant stays one number. */
  @Test
  void broadcastsOfConstantsAreLeftUnfolded() {
    Program p = Func.trace((Tensor x) -> x.mul(3.0), X);
    Program folded = ConstantFolding.run(p);
    assertThat(folded.toString()).contains("broadcast_in_dim");
    assertThat(folded.constValues()).hasSize(1);
    assertThat(folded.constValues().get(0).ndim()).isZero();
  }

  @Test
  void scalarConstantsStayScalarsInThePrintedProgram() {
    Program p = Func.trace((Tensor x) -> x.mul(3.0), X);
    assertThat(p.toString())
        .isEqualTo(
            "{ lambda a:f32[3,4] ;\n    b:f32[] = const\n    c:f32[3,4] = broadcast_in_dim[shape=(3,4)"
                + " dims=()] b\n    d:f32[3,4] = mul a c\n  in (d) }");
  }
}
