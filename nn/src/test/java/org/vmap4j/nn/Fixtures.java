package org.vmap4j.nn;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import org.vmap4j.Tensor;
import org.vmap4j.testing.TensorAssertions;

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
    TensorAssertions.assertClose(what, actual, expected, TensorAssertions.Tolerance.scaled(tol));
  }
}
