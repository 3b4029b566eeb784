package org.vmap4j.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.vmap4j.Tensor;

/**
 * The UCI optical handwritten digits (1797 images of 8x8 pixels, values 0..16, digits 0..9),
 * bundled as a gzipped resource with its attribution in {@code data/README.md}.
 *
 * @param pixels F64 {@code [1797, 64]}, scaled to [0, 1] (divided by 16)
 * @param digits I32 {@code [1797]}
 */
public record Digits(Tensor pixels, Tensor digits) {
  private static final String RESOURCE = "data/digits.csv.gz";
  static final int ROWS = 1797;
  static final int PIXELS = 64;
  static final int CLASSES = 10;

  public static Digits load() {
    try (InputStream in = Digits.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      }
      BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
      double[] x = new double[ROWS * PIXELS];
      int[] y = new int[ROWS];
      for (int r = 0; r < ROWS; r++) {
        String line = reader.readLine();
        if (line == null) {
          throw new IllegalStateException(RESOURCE + " ends at row " + r + " of " + ROWS);
        }
        String[] cells = line.split(",");
        if (cells.length != PIXELS + 1) {
          throw new IllegalStateException(
              RESOURCE + " row " + r + " has " + cells.length + " cells, expected " + (PIXELS + 1));
        }
        for (int c = 0; c < PIXELS; c++) {
          x[r * PIXELS + c] = Double.parseDouble(cells[c]) / 16;
        }
        y[r] = Integer.parseInt(cells[PIXELS]);
        if (y[r] < 0 || y[r] >= CLASSES) {
          throw new IllegalStateException(RESOURCE + " row " + r + " has digit " + y[r]);
        }
      }
      if (reader.readLine() != null) {
        throw new IllegalStateException(RESOURCE + " has more than " + ROWS + " rows");
      }
      return new Digits(Tensor.of(x, ROWS, PIXELS), Tensor.of(y, ROWS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
