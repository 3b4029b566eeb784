package org.vmap4j.ir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.compiler.ProgramCompiler;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.interpreter.Params;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.Reduce;

/** {@link ProgramSerializer#fromUntrustedBytes}: what it accepts, and each way it rejects. */
class UntrustedProgramTest {
  private static final ProgramLimits LIMITS = ProgramLimits.defaults();

  @Test
  void everyCorpusProgramRoundTripsAndRunsTheSame() {
    for (Map.Entry<String, Program> e : ProgramCorpus.all().entrySet()) {
      Program p = e.getValue();
      Program back = ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS);
      // the reader caps every while loop; otherwise the program is the one written
      String cap = "max_iterations=" + LIMITS.maxLoopIterations();
      assertThat(back.toString().contains(cap)).isEqualTo(p.toString().contains("while["));
      assertThat(back.toString().replaceAll("\\s*" + cap, ""))
          .as(e.getKey())
          .isEqualTo(p.toString());
      List<Tensor> args = ProgramCorpus.inputsFor(p, 11);
      List<CpuTensor> cpuArgs = args.stream().map(t -> (CpuTensor) t).toList();
      List<CpuTensor> compiled = ProgramCompiler.compile(back).run(cpuArgs);
      List<Tensor> eager = p.evaluate(args);
      for (int i = 0; i < eager.size(); i++) {
        assertThat(compiled.get(i).toDoubleArray())
            .as(e.getKey())
            .containsExactly(
                eager.get(i).toDoubleArray(), org.assertj.core.data.Offset.offset(1e-12));
      }
    }
  }

  @Test
  void theHeaderCarriesTheWritersVersion() {
    byte[] b = ProgramSerializer.toBytes(ProgramCorpus.mlp());
    ByteBuffer in = ByteBuffer.wrap(b);
    assertThat(in.getInt()).isEqualTo(0x564d4150);
    assertThat(in.getInt()).isEqualTo(ProgramSerializer.FORMAT_VERSION);
    byte[] v = new byte[in.getShort()];
    in.get(v);
    assertThat(new String(v)).isEqualTo(ProgramSerializer.libraryVersion()).isNotEqualTo("unknown");
  }

  @Test
  void anotherFormatVersionIsRejectedNamingBothVersions() throws IOException {
    byte[] b = withHeader(4, "9.9.9", ProgramCorpus.mlp());
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("written by vmap4j 9.9.9 (format 4)")
        .hasMessageContaining(
            "this reader is vmap4j " + ProgramSerializer.libraryVersion() + " (format 3)");
    // the trusted path shares the header
    assertThatThrownBy(() -> ProgramSerializer.fromBytes(b))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("9.9.9");
  }

  @Test
  void anUnknownPrimitiveIsRejectedByNameWithBothVersions() throws IOException {
    byte[] b = replaceAscii(ProgramSerializer.toBytes(ProgramCorpus.mlp()), "TANH", "TANX");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("unknown primitive 'TANX'")
        .hasMessageMatching("(?s).*at byte \\d+, in equation \\d+\\).*")
        .hasMessageContaining("written by vmap4j " + ProgramSerializer.libraryVersion());
  }

  @Test
  void aHostileParameterNameNeverGetsPastTheReader() {
    // a name that would end a Java string or statement if it ever reached generated source
    String hostile = "axes\";System.exit(1);//";
    Program p = oneEquation(Params.of(hostile, new int[] {0}, "axes", new int[] {0}));
    byte[] b = ProgramSerializer.toBytes(p);
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining(
            "parameter name \"axes\\u0022;System.exit(1);//\" is not an identifier")
        .hasMessageContaining("equation 0 (reduce_sum)");
  }

  @Test
  void aHostilePrimitiveNameIsRejectedAndPrintedEscaped() {
    // same length as REDUCE_SUM, so the string's length field stays right
    byte[] b =
        replaceAscii(
            ProgramSerializer.toBytes(oneEquation(Params.of("axes", new int[] {0}))),
            "REDUCE_SUM",
            "x\");\n/*a*/");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("primitive name \"x\\u0022);\\u000a/*a*/\" is not an identifier")
        .hasMessageNotContaining("\n");
  }

  @Test
  void aHostileStringParameterIsRejectedToo() {
    Program p = oneEquation(Params.of("axes", new int[] {0}, "note", "*/ }\n.entry x"));
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("string parameter \"*/ }\\u000a.entry x\" is not an identifier")
        .hasMessageContaining("parameter 'note'");
  }

  @Test
  void aParameterOfTheWrongTypeIsRejected() {
    Program p = oneEquation(Params.of("axes", 0));
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("equation 0 (reduce_sum)")
        .hasMessageContaining("axes");
  }

  @Test
  void everyParameterOfTheCorpusIsTypeChecked() {
    int checked = 0;
    for (Map.Entry<String, Program> c : ProgramCorpus.all().entrySet()) {
      Program p = c.getValue();
      for (int i = 0; i < p.equations().size(); i++) {
        Equation e = p.equations().get(i);
        for (Map.Entry<String, Object> param : e.params().asMap().entrySet()) {
          // a value of another type: an int where anything else was, a string for an int
          Object wrong = param.getValue() instanceof Integer ? "text" : 7;
          Program changed = withEquation(p, i, e.params().with(param.getKey(), wrong));
          byte[] b = ProgramSerializer.toBytes(changed);
          assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS))
              .as(c.getKey() + ", " + e.primitive().displayName() + " " + param.getKey())
              .isInstanceOf(RejectedProgramException.class)
              .hasMessageContaining("parameter '" + param.getKey() + "'");
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(40);
  }

  private static Program withEquation(Program p, int index, Params params) {
    List<Equation> eqs = new java.util.ArrayList<>(p.equations());
    Equation e = eqs.get(index);
    eqs.set(index, new Equation(e.primitive(), params, e.inputs(), e.outputs()));
    return new Program(p.inputs(), p.constVars(), p.constValues(), eqs, p.outputs());
  }

  @Test
  void anEquationWhoseShapesItsRuleRejectsIsRejected() {
    Var a = new Var(new TensorType(DType.F64, 3));
    Var b = new Var(new TensorType(DType.F64, 4));
    Var c = new Var(new TensorType(DType.F64, 3));
    Program p =
        new Program(
            List.of(a, b),
            List.of(),
            List.of(),
            List.of(eq(Binary.ADD, Params.NONE, a, b, c)),
            List.of(c));
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("equation 0 (add)")
        .hasMessageContaining("f64[3]")
        .hasMessageContaining("f64[4]");
  }

  @Test
  void aDeclaredResultTypeThatTheRuleDoesNotGiveIsRejected() {
    Var a = new Var(new TensorType(DType.F64, 3));
    Var c = new Var(new TensorType(DType.F64, 1_000_000));
    Program p =
        new Program(
            List.of(a),
            List.of(),
            List.of(),
            List.of(eq(Binary.ADD, Params.NONE, a, a, c)),
            List.of(c));
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("declares results [f64[1000000]] but add of [f64[3], f64[3]] gives");
  }

  @Test
  void aTensorOverTheElementLimitIsRejectedBeforeAllocation() {
    Program p = ProgramCorpus.mlp();
    assertThatThrownBy(
            () ->
                ProgramSerializer.fromUntrustedBytes(
                    ProgramSerializer.toBytes(p), LIMITS.withMaxTensorElements(10)))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining(
            "more than 10 elements, the limit (ProgramLimits.withMaxTensorElements)");
  }

  @Test
  void eachLimitIsEnforcedAndNamed() {
    byte[] b = ProgramSerializer.toBytes(ProgramCorpus.controlFlow());
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxBytes(100)))
        .hasMessageContaining("ProgramLimits.withMaxBytes");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxEquations(3)))
        .hasMessageContaining("ProgramLimits.withMaxEquations");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxVariables(3)))
        .hasMessageContaining("ProgramLimits.withMaxVariables");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxNestingDepth(0)))
        .hasMessageContaining("ProgramLimits.withMaxNestingDepth")
        .hasMessageContaining("parameter 'true_branch'");
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxTotalElements(20)))
        .hasMessageContaining("ProgramLimits.withMaxTotalElements");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxRank(0)))
        .hasMessageContaining("ProgramLimits.withMaxRank");
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxStringLength(3)))
        .hasMessageContaining("ProgramLimits.withMaxStringLength");
    byte[] withConstants = ProgramSerializer.toBytes(ProgramCorpus.mlp());
    assertThatThrownBy(
            () ->
                ProgramSerializer.fromUntrustedBytes(
                    withConstants, LIMITS.withMaxTotalConstantElements(12)))
        .hasMessageContaining("ProgramLimits.withMaxTotalConstantElements");
    assertThat(
            ProgramSerializer.fromUntrustedBytes(
                withConstants, LIMITS.withMaxTotalConstantElements(15)))
        .isNotNull();
  }

  @Test
  void aWhileLoopThatNeverEndsStopsAtTheLoopLimit() {
    Function<Tensor, Tensor> forever =
        x -> Func.whileLoop((Tensor a) -> a.sum().gt(-1.0), a -> a.add(1.0), x);
    Program p = Func.trace(forever, Tensor.zeros(DType.F64, 2));
    Program back =
        ProgramSerializer.fromUntrustedBytes(
            ProgramSerializer.toBytes(p), LIMITS.withMaxLoopIterations(500));
    List<CpuTensor> in = List.of((CpuTensor) Tensor.zeros(DType.F64, 2));
    assertThatThrownBy(() -> ProgramCompiler.compile(back).run(in))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("still running after 500 iterations")
        .hasMessageContaining("ProgramLimits.withMaxLoopIterations");
    // vmap of the capped program keeps the cap (the batch rule builds a new loop)
    Function<Tensor, Tensor> batched = Func.vmap((Tensor x) -> back.evaluate(List.of(x)).get(0));
    assertThatThrownBy(() -> batched.apply(Tensor.zeros(DType.F64, 3, 2)))
        .hasMessageContaining("still running after 500 iterations");
    // a loop that ends below the cap runs as before
    Function<Tensor, Tensor> tenTurns =
        x -> Func.whileLoop((Tensor a) -> a.sum().lt(20.0), a -> a.add(1.0), x);
    Program q = Func.trace(tenTurns, Tensor.zeros(DType.F64, 2));
    Program qBack =
        ProgramSerializer.fromUntrustedBytes(
            ProgramSerializer.toBytes(q), LIMITS.withMaxLoopIterations(10));
    assertThat(ProgramCompiler.compile(qBack).run(in).get(0).toDoubleArray())
        .containsExactly(10.0, 10.0);
  }

  @Test
  void aPerRowLoopOverScalarsStopsAtTheLoopLimitToo() {
    // one number per example: vmap runs it as the generated per-row loop (RowWhileLoop)
    Function<Tensor, Tensor> forever =
        x -> Func.whileLoop((Tensor a) -> a.gt(-1.0), a -> a.add(1.0), x);
    Program p = Func.trace(forever, Tensor.scalar(0.0));
    Program back =
        ProgramSerializer.fromUntrustedBytes(
            ProgramSerializer.toBytes(p), LIMITS.withMaxLoopIterations(500));
    Function<Tensor, Tensor> batched = Func.vmap((Tensor x) -> back.evaluate(List.of(x)).get(0));
    assertThatThrownBy(() -> batched.apply(Tensor.zeros(DType.F64, 7)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("still running after 500 iterations");
    // rows that end below the cap: each at its own trip count
    Function<Tensor, Tensor> toTen =
        x -> Func.whileLoop((Tensor a) -> a.lt(10.0), a -> a.add(1.0), x);
    Program q =
        ProgramSerializer.fromUntrustedBytes(
            ProgramSerializer.toBytes(Func.trace(toTen, Tensor.scalar(0.0))),
            LIMITS.withMaxLoopIterations(10));
    Function<Tensor, Tensor> batchedQ = Func.vmap((Tensor x) -> q.evaluate(List.of(x)).get(0));
    assertThat(
            batchedQ.apply(Tensor.of(new double[] {0.0, 5.5, 12.0, 0.5, 9.0}, 5)).toDoubleArray())
        .containsExactly(10.0, 10.5, 12.0, 10.5, 10.0);
  }

  @Test
  void perRowLoopProgramsFromAClientAreDroppedTheArrayFormRuns() {
    Function<Tensor, Tensor> toTen =
        xs ->
            Func.vmap((Tensor x) -> Func.whileLoop((Tensor a) -> a.lt(10.0), a -> a.add(1.0), x))
                .apply(xs);
    Program p = Func.trace(toTen, Tensor.zeros(DType.F64, 4));
    assertThat(p.toString()).contains("row_body");
    Program back = ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS);
    assertThat(back.toString()).doesNotContain("row_body").contains("max_iterations");
    List<CpuTensor> in = List.of((CpuTensor) Tensor.of(new double[] {0.0, 5.5, 12.0, 9.0}, 4));
    assertThat(ProgramCompiler.compile(back).run(in).get(0).toDoubleArray())
        .containsExactly(10.0, 10.5, 12.0, 10.0);
  }

  @Test
  void aScanLongerThanTheLoopLimitIsRejected() {
    byte[] b = ProgramSerializer.toBytes(ProgramCorpus.controlFlow());
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(b, LIMITS.withMaxLoopIterations(3)))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("scan of length 4 is longer than 3")
        .hasMessageContaining("(scan)");
  }

  @Test
  void aVariableUsedBeforeItIsDefinedIsRejected() {
    Var a = new Var(new TensorType(DType.F64, 3));
    Var b = new Var(new TensorType(DType.F64, 3));
    Var c = new Var(new TensorType(DType.F64, 3));
    // b is the result of the second equation but the first one reads it
    Program p =
        new Program(
            List.of(a),
            List.of(),
            List.of(),
            List.of(eq(Binary.ADD, Params.NONE, a, b, c), eq(Binary.MUL, Params.NONE, a, a, b)),
            List.of(c));
    assertThatThrownBy(
            () -> ProgramSerializer.fromUntrustedBytes(ProgramSerializer.toBytes(p), LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("operand 1 refers to variable 2, but only variables 0..0 are defined")
        .hasMessageContaining("equation 0 (add)");
  }

  @Test
  void truncatedBytesAreRejected() {
    byte[] b = ProgramSerializer.toBytes(ProgramCorpus.mlp());
    byte[] cut = java.util.Arrays.copyOf(b, b.length - 3);
    assertThatThrownBy(() -> ProgramSerializer.fromUntrustedBytes(cut, LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void theTrustedPathStillReadsWhatItWrites() {
    Program p = Func.trace((Tensor x) -> x.exp().sum(), Tensor.zeros(DType.F32, 2, 3));
    assertThat(ProgramSerializer.fromBytes(ProgramSerializer.toBytes(p)).toString())
        .isEqualTo(p.toString());
  }

  @Test
  void theDesignDocSnippet() {
    List<String> replies = new java.util.ArrayList<>();
    java.util.function.Consumer<String> reply = replies::add;
    for (byte[] bytes :
        List.of(
            ProgramSerializer.toBytes(ProgramCorpus.mlp()),
            java.util.Arrays.copyOf(ProgramSerializer.toBytes(ProgramCorpus.mlp()), 40))) {
      List<CpuTensor> inputs = List.of((CpuTensor) Tensor.ones(DType.F64, 4));
      List<CpuTensor> result = null;
      // as in docs/design.md, "Untrusted programs"
      ProgramLimits limits =
          ProgramLimits.defaults().withMaxTensorElements(1 << 20).withMaxLoopIterations(10_000);
      try {
        Program program = ProgramSerializer.fromUntrustedBytes(bytes, limits);
        result = ProgramCompiler.compile(program).run(inputs);
      } catch (RejectedProgramException e) {
        reply.accept(e.getMessage());
      }
      // the MLP's value, by hand: tanh(x W1) . w2 with x all ones
      if (result != null) {
        double[] w1 = Tensor.randomNormal(1, DType.F64, 4, 3).toDoubleArray();
        double[] w2 = Tensor.randomNormal(2, DType.F64, 3).toDoubleArray();
        double want = 0;
        for (int j = 0; j < 3; j++) {
          double h = 0;
          for (int i = 0; i < 4; i++) {
            h += w1[3 * i + j];
          }
          want += Math.tanh(h) * w2[j];
        }
        assertThat(result.get(0).item())
            .isCloseTo(want, org.assertj.core.data.Offset.offset(1e-12));
      }
    }
    assertThat(replies).hasSize(1);
    assertThat(replies.get(0)).startsWith("rejected program: ").contains("at byte");
  }

  private static Program oneEquation(Params params) {
    Var a = new Var(new TensorType(DType.F64, 3));
    Var s = new Var(new TensorType(DType.F64));
    return new Program(
        List.of(a),
        List.of(),
        List.of(),
        List.of(new Equation(Reduce.REDUCE_SUM, params, List.of(a), List.of(s))),
        List.of(s));
  }

  private static Equation eq(
      org.vmap4j.interpreter.Primitive p, Params params, Var x, Var y, Var out) {
    return new Equation(p, params, List.of(x, y), List.of(out));
  }

  private static byte[] withHeader(int format, String version, Program p) throws IOException {
    byte[] body = ProgramSerializer.toBytes(p);
    int headerLength = 8 + 2 + ProgramSerializer.libraryVersion().length();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(0x564d4150);
    out.writeInt(format);
    out.writeUTF(version);
    out.write(body, headerLength, body.length - headerLength);
    return bytes.toByteArray();
  }

  private static byte[] replaceAscii(byte[] b, String from, String to) {
    String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(s).contains(from);
    return s.replace(from, to).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
