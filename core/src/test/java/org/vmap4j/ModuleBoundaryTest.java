package org.vmap4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.testing.ForkedJvm;

/**
 * Checks the module boundary of {@code org.vmap4j.core} on the module path, where it holds (the
 * other tests run on the class path, as Spark and jshell do). A consumer module is compiled here
 * with javac against core's classes and Janino, and run with {@code java -m}: the public API works
 * (generated kernels included), internal packages do not compile, and {@code Tensor} cannot be
 * subclassed.
 */
class ModuleBoundaryTest {
  private static final String MODULE_INFO =
      "module example.consumer {\n"
          + "  requires org.vmap4j.core;\n"
          // Tree reads a record's components reflectively: a user module opens its records to core
          + "  opens example.consumer to org.vmap4j.core;\n"
          + "}\n";

  @TempDir Path dir;

  @Test
  void aConsumerModuleRunsThePublicApiOnTheModulePath() throws Exception {
    String main =
        "package example.consumer;\n"
            + "import java.util.Arrays;\n"
            + "import java.util.function.Function;\n"
            + "import org.vmap4j.Func;\n"
            + "import org.vmap4j.Tensor;\n"
            + "public final class Main {\n"
            + "  record Affine(Tensor w, Tensor b) {}\n"
            + "  public static void main(String[] args) {\n"
            + "    Tensor x = Tensor.of(new double[] {0.5, 1.0, 2.0}, 3);\n"
            + "    System.out.println(\"exp-sum \" + x.exp().sum().item());\n"
            + "    Function<Tensor, Tensor> g =\n"
            + "        Func.jit(Func.vmap(Func.grad((Tensor v) -> v.mul(v).mul(v).sum())));\n"
            + "    Tensor rows = Tensor.of(new double[] {1, 2, 3, -1, 0.5, 4}, 2, 3);\n"
            + "    System.out.println(\"grad \" + Arrays.toString(g.apply(rows).toDoubleArray()));\n"
            + "    Affine p = new Affine(Tensor.of(new double[] {3.0}, 1), Tensor.of(new double[]"
            + " {-2.0}, 1));\n"
            + "    Affine d = Func.grad((Affine q) -> q.w().mul(q.b()).sum()).apply(p);\n"
            + "    System.out.println(\"record-grad \" + d.w().item() + \" \" + d.b().item());\n"
            + "    System.out.println(\"OK module path\");\n"
            + "  }\n"
            + "}\n";
    String output = runConsumer(main, "Main");

    // the element-wise exp and sum kernels (Janino, generated at run time) on the module path
    assertEquals(Math.exp(0.5) + Math.exp(1.0) + Math.exp(2.0), number(output, "exp-sum"), 1e-12);
    // jit(vmap(grad(sum(v^3)))) is 3 v^2 per row: fusion and a fused kernel
    double[] grad = numbers(output, "grad");
    double[] rows = {1, 2, 3, -1, 0.5, 4};
    for (int i = 0; i < rows.length; i++) {
      assertEquals(3 * rows[i] * rows[i], grad[i], 1e-12, "element " + i);
    }
    // d(w*b)/dw = b, d(w*b)/db = w, through a record of the consumer module (opened to core)
    assertEquals(List.of("-2.0", "3.0"), words(output, "record-grad"));
  }

  /**
   * The Backend SPI names exported types only: a backend written outside core compiles against it
   * on the module path and runs a jitted function through it. This one walks the plan's steps and
   * runs each through the plan's CPU step runner, as a device backend does with the steps it leaves
   * to the CPU.
   */
  @Test
  void aBackendOutsideCoreCompilesAgainstTheSpiOnTheModulePath() throws Exception {
    String main =
        "package example.consumer;\n"
            + "import java.util.*;\n"
            + "import java.util.function.Function;\n"
            + "import org.vmap4j.Func;\n"
            + "import org.vmap4j.Tensor;\n"
            + "import org.vmap4j.backend.*;\n"
            + "import org.vmap4j.ir.Var;\n"
            + "public final class StepByStep implements Backend {\n"
            + "  static final List<String> SEEN = new ArrayList<>();\n"
            + "  public String name() { return \"step-by-step\"; }\n"
            + "  public Kind kind() { return Kind.CPU; }\n"
            + "  public Availability availability() { return Availability.yes(\"here\"); }\n"
            + "  public CompiledProgram compile(Plan plan) {\n"
            + "    StepRunner cpu = plan.cpuSteps();\n"
            + "    return args -> {\n"
            + "      Map<Var, Tensor> env = new HashMap<>();\n"
            + "      for (int i = 0; i < args.size(); i++) {\n"
            + "        env.put(plan.program().inputs().get(i), args.get(i));\n"
            + "      }\n"
            + "      List<? extends Tensor> consts = plan.program().constValues();\n"
            + "      for (int i = 0; i < consts.size(); i++) {\n"
            + "        env.put(plan.program().constVars().get(i), consts.get(i));\n"
            + "      }\n"
            + "      for (PlanStep s : plan.steps()) {\n"
            + "        SEEN.add(s instanceof PlanStep.Fused f ? \"fused \" + f.kernel().describe()\n"
            + "            : ((PlanStep.Single) s).primitiveName());\n"
            + "        List<? extends Tensor> out = cpu.runStep(s, env::get);\n"
            + "        for (int i = 0; i < out.size(); i++) {\n"
            + "          env.put(s.writes().get(i), out.get(i));\n"
            + "        }\n"
            + "      }\n"
            + "      List<Tensor> results = new ArrayList<>();\n"
            + "      plan.program().outputs().forEach(v -> results.add(env.get(v)));\n"
            + "      return results;\n"
            + "    };\n"
            + "  }\n"
            + "  public static void main(String[] a) {\n"
            + "    Function<Tensor, Tensor> f =\n"
            + "        Func.jit((Tensor x) -> x.mul(x).sum(1).reshape(1, 2), new StepByStep());\n"
            + "    Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);\n"
            + "    System.out.println(\"sums \" + Arrays.toString(f.apply(x).toDoubleArray()));\n"
            + "    System.out.println(\"steps \" + SEEN);\n"
            + "    System.out.println(\"OK module path\");\n"
            + "  }\n"
            + "}\n";
    String output = runConsumer(main, "StepByStep");
    // row sums of squares: 1+4+9 and 16+25+36
    assertEquals(List.of("[14.0,", "77.0]"), words(output, "sums"));
    // x*x and the row sum fuse into one kernel (a PlanStep.Fused); the reshape is a Single
    assertEquals(
        List.of("[fused", "f64[2,", "3]", "reduce_sum,", "reshape]"), words(output, "steps"));
  }

  @Test
  void internalPackagesDoNotCompileOutsideCore() throws Exception {
    String user =
        "package example.consumer;\n"
            + "public final class Internal {\n"
            + "  static Object wrap() {\n"
            + "    return org.vmap4j.cpu.CpuTensor.wrap(org.vmap4j.DType.F64, new double[1], 1);\n"
            + "  }\n"
            + "}\n";
    Compilation c = compileConsumer(user, "example/consumer/Internal.java");
    assertFalse(c.succeeded, c.diagnostics);
    assertTrue(
        c.diagnostics.contains("package org.vmap4j.cpu is not visible")
            // "which does not export it": cpu is exported to no module (not even qualified)
            && c.diagnostics.contains("which does not export it"),
        c.diagnostics);
  }

  @Test
  void tensorCannotBeSubclassedOutsideCore() throws Exception {
    String sub =
        "package example.consumer;\n"
            + "public abstract class MyTensor extends org.vmap4j.Tensor {\n"
            + "  protected MyTensor() {\n"
            + "    super(org.vmap4j.internal.SubclassToken.CORE);\n"
            + "  }\n"
            + "}\n";
    Compilation c = compileConsumer(sub, "example/consumer/MyTensor.java");
    assertFalse(c.succeeded, c.diagnostics);
    assertTrue(c.diagnostics.contains("package org.vmap4j.internal is not visible"), c.diagnostics);
  }

  @Test
  void tensorRejectsAConstructorCallWithoutCoresToken() {
    // super(null) names no type, so it compiles even on the module path (in an abstract class: a
    // concrete one must override concrete(String), whose type is not exported). The constructor
    // refuses it, here on the class path as well.
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                new Tensor(null) {
                  @Override
                  public TensorType type() {
                    return new TensorType(DType.F64);
                  }

                  @Override
                  protected CpuTensor concrete(String what) {
                    throw new UnsupportedOperationException();
                  }
                });
    assertTrue(e.getMessage().contains("which only vmap4j core may subclass"), e.getMessage());
  }

  // ---------------------------------------------------------------- helpers

  /** Core's classes and the Janino jars, taken from this JVM's class path. */
  private static String coreModulePath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String name = p.getFileName() == null ? "" : p.getFileName().toString();
      boolean coreClasses =
          Files.isRegularFile(p.resolve("module-info.class"))
              && Files.isRegularFile(p.resolve("org/vmap4j/Tensor.class"));
      if (coreClasses || name.startsWith("janino-") || name.startsWith("commons-compiler-")) {
        entries.add(entry);
      }
    }
    assertEquals(3, entries.size(), "core's classes and two Janino jars: " + entries);
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Compiles {@code source}, class {@code example.consumer.<className>}, into the consumer module
   * and runs it with {@code java -m} on the module path; its output, which must end with "OK module
   * path".
   */
  private String runConsumer(String source, String className) throws Exception {
    Path out = compileConsumer(source, "example/consumer/" + className + ".java").requireSuccess();
    return ForkedJvm.runJava(
        List.of(
            "-Xmx256m",
            "--add-modules=jdk.incubator.vector",
            "--module-path",
            coreModulePath() + File.pathSeparator + out,
            "-m",
            "example.consumer/example.consumer." + className),
        "OK module path");
  }

  private Compilation compileConsumer(String source, String relativePath) throws IOException {
    Path src = dir.resolve("src");
    Path out = dir.resolve("out");
    Files.createDirectories(src.resolve(relativePath).getParent());
    Files.createDirectories(out);
    Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(src.resolve(relativePath), source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files =
        javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
      boolean ok =
          javac
              .getTask(
                  null,
                  files,
                  diagnostics,
                  // an empty class path: javac in this JVM would otherwise search the test class
                  // path
                  List.of(
                      "-d",
                      out.toString(),
                      "--module-path",
                      coreModulePath(),
                      "--class-path",
                      out.toString()),
                  null,
                  files.getJavaFileObjects(
                      src.resolve("module-info.java"), src.resolve(relativePath)))
              .call();
      String text =
          diagnostics.getDiagnostics().stream()
              .map(d -> d.getKind() + ": " + d.getMessage(null))
              .collect(Collectors.joining("\n"));
      return new Compilation(ok, text, out);
    }
  }

  private record Compilation(boolean succeeded, String diagnostics, Path out) {
    Path requireSuccess() {
      assertTrue(succeeded, "the consumer module does not compile:\n" + diagnostics);
      return out;
    }
  }

  private static List<String> words(String output, String label) {
    String line =
        output
            .lines()
            .filter(l -> l.startsWith(label + " "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no line '" + label + "' in:\n" + output));
    return Arrays.asList(line.substring(label.length() + 1).trim().split(" "));
  }

  private static double number(String output, String label) {
    return Double.parseDouble(words(output, label).get(0));
  }

  private static double[] numbers(String output, String label) {
    String list = String.join(" ", words(output, label));
    return Arrays.stream(list.replaceAll("[\\[\\],]", " ").trim().split("\\s+"))
        .mapToDouble(Double::parseDouble)
        .toArray();
  }
}
