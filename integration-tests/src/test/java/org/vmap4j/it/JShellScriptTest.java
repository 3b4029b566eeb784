package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * examples/jshell/seed.jsh as docs/running.md runs it: JDK 17's jshell with vmap4j's core and
 * Janino on the class path and the Vector API module added to the JVM that runs the snippets.
 */
class JShellScriptTest {

  @Test
  void seedScriptPrintsPassingChecks() {
    Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
    Path script = Environment.repoRoot().resolve("examples/jshell/seed.jsh");
    List<Path> classPath = new ArrayList<>();
    classPath.add(Environment.coreJar());
    classPath.addAll(Environment.janinoJars());
    List<String> command =
        List.of(
            jshell.toString(),
            "--class-path",
            String.join(File.pathSeparator, classPath.stream().map(Path::toString).toList()),
            "-R--add-modules=jdk.incubator.vector",
            "examples/jshell/seed.jsh");
    Command.Result result = Command.named("jshell-seed").args(command).run(300);

    assertThat(result.exitCode()).as(result.describe()).isZero();
    // jshell reports a failing snippet ("|  Error:", "|  Exception ...") and goes on
    assertThat(result.out() + result.err())
        .as(result.describe())
        .doesNotContain("|  Error", "|  Exception", "cannot find symbol");
    CheckLines.assertAllPassed(script, result, 1e-9);
  }
}
