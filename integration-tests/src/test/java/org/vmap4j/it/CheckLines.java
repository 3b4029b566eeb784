package org.vmap4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example scripts print one line per checked result, {@code check: <what>, max abs difference:
 * <number>}: the largest difference between vmap4j's result and an independent one (a plain loop or
 * a closed form) computed in the script. A script's checks are counted in its source, so a check
 * that never ran (an exception, a compile error) is missed, not ignored.
 */
final class CheckLines {
  private static final Pattern CHECK =
      Pattern.compile("^check: (.*), max abs difference: (\\S+)\\s*$", Pattern.MULTILINE);

  private CheckLines() {}

  record Check(String what, double difference) {}

  static List<Check> in(String output) {
    List<Check> checks = new ArrayList<>();
    Matcher m = CHECK.matcher(output);
    while (m.find()) {
      checks.add(new Check(m.group(1), Double.parseDouble(m.group(2))));
    }
    return checks;
  }

  /** How many check lines the script prints: its print statements that start with "check: ". */
  static int declaredIn(Path script) {
    try {
      return (int)
          Files.readAllLines(script).stream()
              .filter(line -> line.matches(".*println\\(s?\"check: .*"))
              .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every check the script declares was printed, each within the tolerance. */
  static void assertAllPassed(Path script, Command.Result result, double tolerance) {
    int declared = declaredIn(script);
    assertThat(declared).as("check lines in %s", script).isPositive();
    List<Check> checks = in(result.out());
    assertThat(checks).as(result.describe()).hasSize(declared);
    for (Check check : checks) {
      assertThat(check.difference())
          .as("%s\n%s", check.what(), result.describe())
          .isBetween(0.0, tolerance);
    }
  }
}
