package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.vmap4j.Tensor;

/** The PyTorch fixtures of {@code nn/src/test/python/generate_fixtures.py}, and comparisons. */
final class Fixtures {
  private Fixtures() {}

  static Path path(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/org/vmap4j/nn/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, Tensor> load(String name) {
    try {
      return SafeTensors.load(path(name));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Same shape, and every element within {@code tol} absolutely and relatively (the larger). */
  static void assertClose(Tensor actual, Tensor expected, double tol, String what) {
    assertThat(actual.shape()).as(what + " shape").isEqualTo(expected.shape());
    double[] a = actual.toDoubleArray();
    double[] e = expected.toDoubleArray();
    for (int i = 0; i < a.length; i++) {
      double bound = tol * Math.max(1, Math.abs(e[i]));
      if (!(Math.abs(a[i] - e[i]) <= bound) && !(Double.isNaN(e[i]) && Double.isNaN(a[i]))) {
        throw new AssertionError(
            what
                + ": element "
                + i
                + " is "
                + a[i]
                + ", expected "
                + e[i]
                + " (tolerance "
                + bound
                + "); shape "
                + Arrays.toString(expected.shape()));
      }
    }
  }
}
