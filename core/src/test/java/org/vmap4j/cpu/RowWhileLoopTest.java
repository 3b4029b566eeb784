package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.Params;
import org.vmap4j.ir.Equation;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.While;

/**
 * A batched whileLoop over one number per example runs, on the CPU, as one generated loop per row
 * ({@code org.vmap4j.cpu.RowWhileLoop}). Its results must be exactly those of a plain Java loop per
 * row and of the loop's array form (every row frozen when done), eagerly and under jit.
 */
class RowWhileLoopTest {
  static final int ROWS = 37;

  /**
   * Per row: Newton for y^3 + y = a from 0, counting turns (an I32 carry), with a shared tolerance
   * and the carries returned in another order than they came (the body swaps two of them).
   */
  static List<Tensor> solve(Tensor a, Tensor tol) {
    return Func.whileLoop(
        // both conditions, as 0/1 numbers multiplied (a select and converts in the program)
        (List<Tensor> s) ->
            Tensor.where(s.get(1).abs().gt(tol), 1.0, Tensor.scalar(DType.F64, 0))
                .mul(s.get(2).lt(40).astype(DType.F64))
                .gt(0.5),
        (List<Tensor> s) -> {
          Tensor y = s.get(0);
          Tensor step = y.mul(y).mul(y).add(y).sub(a).div(y.mul(y).mul(3).add(1));
          return List.of(
              y.sub(step), step, s.get(2).add(Tensor.scalar(DType.I32, 1)), s.get(4), s.get(3));
        },
        List.of(
            a.mul(0.0),
            Tensor.scalar(DType.F64, 1),
            Tensor.scalar(DType.I32, 0),
            a.mul(2),
            a.neg()));
  }

  /** The same per row in plain Java: y, step, turns, and the swapped pair after the last turn. */
  static double[][] plain(double[] a, double tol) {
    double[][] out = new double[5][a.length];
    for (int i = 0; i < a.length; i++) {
      double y = 0;
      double step = 1;
      int turns = 0;
      double p = 2 * a[i];
      double q = -a[i];
      while (Math.abs(step) > tol && turns < 40) {
        step = (y * y * y + y - a[i]) / (y * y * 3 + 1);
        y -= step;
        turns++;
        double t = p;
        p = q;
        q = t;
      }
      out[0][i] = y;
      out[1][i] = step;
      out[2][i] = turns;
      out[3][i] = p;
      out[4][i] = q;
    }
    return out;
  }

  static final BiFunction<Tensor, Tensor, List<Tensor>> BATCHED =
      Func.vmap(RowWhileLoopTest::solve, InDims.of(0, null));

  @Test
  void eachRowRunsItsOwnLoopWithThePlainLoopsResults() {
    Tensor a = Tensor.randomUniform(7, DType.F64, ROWS).mul(100).sub(50);
    Tensor tol = Tensor.scalar(DType.F64, 1e-12);
    double[][] want = plain(a.toDoubleArray(), 1e-12);
    assertThat(rowLoops(Func.trace(BATCHED, a, tol))).isEqualTo(1);
    for (boolean jit : new boolean[] {false, true}) {
      List<Tensor> got = (jit ? Func.jit(BATCHED) : BATCHED).apply(a, tol);
      for (int k = 0; k < 5; k++) {
        assertThat(got.get(k).toDoubleArray())
            .as("jit=%s carry %d", jit, k)
            .containsExactly(want[k]);
      }
      // rows stop at different turns (the per-row loop does not run every row to the slowest)
      assertThat(java.util.Arrays.stream(want[2]).distinct().count()).isGreaterThan(1);
    }
  }

  @Test
  void theResultsAreThoseOfTheFrozenArrayForm() {
    Tensor a = Tensor.randomUniform(8, DType.F64, ROWS).mul(10);
    Tensor tol = Tensor.scalar(DType.F64, 1e-9);
    Program traced = Func.trace(BATCHED, a, tol);
    Program frozen = withoutRowLoops(traced);
    assertThat(rowLoops(frozen)).isZero();
    List<Tensor> in = List.of(a, tol);
    List<Tensor> want = frozen.evaluate(in);
    List<Tensor> got = traced.evaluate(in);
    for (int k = 0; k < want.size(); k++) {
      assertThat(got.get(k).toDoubleArray())
          .as("carry %d", k)
          .containsExactly(want.get(k).toDoubleArray());
    }
  }

  @Test
  void theRowLoopTravelsInASerializedProgram() {
    Tensor a = Tensor.randomUniform(10, DType.F64, ROWS).mul(20).sub(10);
    Tensor tol = Tensor.scalar(DType.F64, 1e-12);
    Program traced = Func.trace(BATCHED, a, tol);
    Program back = ProgramSerializer.fromBytes(ProgramSerializer.toBytes(traced));
    assertThat(rowLoops(back)).isEqualTo(1);
    double[][] want = plain(a.toDoubleArray(), 1e-12);
    List<CpuTensor> got =
        ProgramCompiler.compile(back).run(List.of((CpuTensor) a, (CpuTensor) tol));
    for (int k = 0; k < 5; k++) {
      assertThat(got.get(k).toDoubleArray()).as("carry %d", k).containsExactly(want[k]);
    }
  }

  /**
   * 0-d reshapes and broadcasts pass their operand on: the primitives' kernels say they only move
   * elements, so the per-row loop takes them as the identity, and its halvings match plain Java.
   */
  @Test
  void zeroDimensionalReshapesAndBroadcastsPassTheirOperandOn() {
    java.util.function.Function<Tensor, Tensor> halveBelowOne =
        Func.vmap(
            (Tensor x) ->
                Func.whileLoop(
                        (List<Tensor> s) -> s.get(0).gt(1.0),
                        (List<Tensor> s) -> {
                          Tensor b =
                              Interpreters.bind1(
                                  BroadcastInDim.BROADCAST_IN_DIM,
                                  BroadcastInDim.params(new int[0], new int[0]),
                                  s.get(0).mul(0.5));
                          return List.of(
                              Interpreters.bind1(Reshape.RESHAPE, Reshape.params(), b),
                              s.get(1).add(Tensor.scalar(DType.I32, 1)));
                        },
                        List.of(x, Tensor.scalar(DType.I32, 0)))
                    .get(0));
    Tensor xs = Tensor.randomUniform(11, DType.F64, ROWS).mul(1000);
    Program traced = Func.trace(halveBelowOne, xs);
    assertThat(traced.toString()).contains("broadcast_in_dim").contains("reshape");
    assertThat(rowLoops(traced)).isEqualTo(1);
    double[] x = xs.toDoubleArray();
    double[] got = Func.jit(halveBelowOne).apply(xs).toDoubleArray();
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      while (v > 1.0) {
        v *= 0.5;
      }
      assertThat(got[i]).as("row %d", i).isEqualTo(v);
    }
  }

  @Test
  void aLoopOverVectorsPerExampleKeepsTheArrayForm() {
    Tensor xs = Tensor.randomNormal(9, DType.F64, 4, 3);
    BiFunction<Tensor, Tensor, Tensor> f =
        Func.vmap(
            (Tensor x, Tensor n) ->
                Func.whileLoop(
                        (List<Tensor> s) -> s.get(1).lt(n),
                        (List<Tensor> s) ->
                            List.of(s.get(0).cos(), s.get(1).add(Tensor.scalar(DType.I32, 1))),
                        List.of(x, Tensor.scalar(DType.I32, 0)))
                    .get(0));
    Tensor trips = Tensor.of(new int[] {0, 1, 2, 5}, 4);
    assertThat(rowLoops(Func.trace(f, xs, trips))).isZero();
    double[] x = xs.toDoubleArray();
    double[] got = Func.jit(f).apply(xs, trips).toDoubleArray();
    int[] n = {0, 1, 2, 5};
    for (int b = 0; b < 4; b++) {
      for (int j = 0; j < 3; j++) {
        double v = x[b * 3 + j];
        for (int t = 0; t < n[b]; t++) {
          v = Math.cos(v);
        }
        assertThat(got[b * 3 + j]).isEqualTo(v);
      }
    }
  }

  static int rowLoops(Program p) {
    int n = 0;
    for (Equation e : p.equations()) {
      if (e.primitive() == While.WHILE && e.params().asMap().containsKey("row_body")) {
        n++;
      }
    }
    return n;
  }

  /** {@code p} with every while loop's per-row programs dropped (its array form alone). */
  static Program withoutRowLoops(Program p) {
    List<Equation> eqs = new ArrayList<>();
    for (Equation e : p.equations()) {
      Params q = e.params();
      if (e.primitive() == While.WHILE) {
        List<Object> kept = new ArrayList<>();
        for (Map.Entry<String, Object> m : q.asMap().entrySet()) {
          if (!m.getKey().startsWith("row_")) {
            kept.add(m.getKey());
            kept.add(m.getValue());
          }
        }
        q = Params.of(kept.toArray());
      }
      eqs.add(new Equation(e.primitive(), q, e.inputs(), e.outputs()));
    }
    return new Program(p.inputs(), p.constVars(), p.constValues(), eqs, p.outputs());
  }
}
