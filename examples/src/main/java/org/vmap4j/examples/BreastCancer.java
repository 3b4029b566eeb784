package org.vmap4j.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.vmap4j.Tensor;

/**
 * The UCI breast cancer data set (569 rows, 30 features, label 1 = benign), bundled as a resource
 * with its attribution in {@code data/README.md}.
 */
public record BreastCancer(Tensor features, Tensor labels) {
  private static final String RESOURCE = "data/breast_cancer.csv";

  /** Reads the bundled CSV: F64 features {@code [569, 30]} and F64 labels {@code [569]}. */
  public static BreastCancer load() {
    try (InputStream in = BreastCancer.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String[] header = reader.readLine().split(",");
      int rows = Integer.parseInt(header[0]);
      int cols = Integer.parseInt(header[1]);
      double[] x = new double[rows * cols];
      double[] y = new double[rows];
      for (int r = 0; r < rows; r++) {
        String line = reader.readLine();
        if (line == null) {
          throw new IllegalStateException(RESOURCE + " ends at row " + r + " of " + rows);
        }
        String[] cells = line.split(",");
        if (cells.length != cols + 1) {
          throw new IllegalStateException(
              RESOURCE + " row " + r + " has " + cells.length + " cells, expected " + (cols + 1));
        }
        for (int c = 0; c < cols; c++) {
          x[r * cols + c] = Double.parseDouble(cells[c]);
        }
        y[r] = Double.parseDouble(cells[cols]);
      }
      return new BreastCancer(Tensor.of(x, rows, cols), Tensor.of(y, rows));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Features scaled to zero mean and unit variance per column. */
  public Tensor standardizedFeatures() {
    Tensor mean = features.mean(0);
    Tensor std = features.sub(mean).square().mean(0).sqrt();
    return features.sub(mean).div(std);
  }
}
