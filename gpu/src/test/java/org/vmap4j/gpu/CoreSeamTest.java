package org.vmap4j.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;

/**
 * The gpu module reaches core through its exported packages ({@code org.vmap4j}, {@code backend},
 * {@code kernel}, {@code ir}) only: no main file names a core internal, and core exports none of
 * its internal packages to org.vmap4j.gpu, so javac, compiling gpu's main code on the module path,
 * rejects any use of one (a type, or a call on a value of one such as {@code
 * e.primitive().name()}). Placement still hands an equation's parameters, an {@code interpreter}
 * value it never names, to the primitive's own kernel statement: passing a value needs no access.
 * gpu's tests compare device results with the CPU's internals; they compile and run on the class
 * path, where no export applies.
 */
class CoreSeamTest {
  /** An internal core type named in code (imports, qualified names), not in a comment. */
  private static final Pattern INTERNAL =
      Pattern.compile(
          "org\\.vmap4j\\.(prim|compiler|cpu|interpreter|transforms|internal)\\."
              // calls on an equation's primitive or parameters: types of the interpreter package,
              // reachable through ir without an import (PlanStep.Single.primitiveName() is the
              // exported way to name a primitive)
              + "|\\.primitive\\(\\)\\.|\\.params\\(\\)\\.");

  @Test
  void mainCodeNamesOnlyCoresExportedPackages() throws IOException {
    Path root = Path.of("src/main/java");
    TreeMap<String, List<String>> found = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        List<String> hits =
            Files.readAllLines(f).stream()
                .filter(line -> !isComment(line) && INTERNAL.matcher(line).find())
                .toList();
        if (!hits.isEmpty()) {
          found.put(root.relativize(f).toString().replace('\\', '/'), hits);
        }
      }
    }
    assertThat(found.keySet()).as("gpu main files naming core internals: %s", found).isEmpty();
  }

  @Test
  void coreExportsNoInternalPackageToGpu() throws IOException, URISyntaxException {
    Path classes =
        Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor core;
    if (Files.isDirectory(classes)) {
      try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
        core = ModuleDescriptor.read(in);
      }
    } else {
      core = ModuleFinder.of(classes).findAll().iterator().next().descriptor();
    }
    assertThat(core.name()).isEqualTo("org.vmap4j.core");
    List<String> toGpu =
        core.exports().stream()
            .filter(e -> e.targets().contains("org.vmap4j.gpu"))
            .map(ModuleDescriptor.Exports::source)
            .toList();
    assertThat(toGpu).as("core packages exported to org.vmap4j.gpu").isEmpty();
  }

  private static boolean isComment(String line) {
    String t = line.strip();
    return t.startsWith("//") || t.startsWith("*") || t.startsWith("/*");
  }
}
