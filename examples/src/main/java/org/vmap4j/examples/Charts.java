package org.vmap4j.examples;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.internal.chartpart.IChart;
import org.knowm.xchart.style.Styler;

/** PNG charts of the examples' results, drawn with XChart without a display. */
final class Charts {
  static {
    // Before any AWT class loads: charts are drawn into images, never on a screen.
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /** Where the examples write charts: {@code -Dvmap4j.charts=DIR}, else {@code target/charts}. */
  static Path folder() {
    return Path.of(System.getProperty("vmap4j.charts", "target/charts"));
  }

  /** Writes the charts side by side into {@code folder/name.png} and returns its absolute path. */
  static Path save(Path folder, String name, List<? extends IChart> charts) {
    try {
      Files.createDirectories(folder);
      Path file = folder.resolve(name + ".png").toAbsolutePath().normalize();
      BitmapEncoder.saveBitmap(
          charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Overlaid histograms, one series per entry, over the same {@code bins} equal bins spanning every
   * value (the range rounded out to halves).
   */
  static CategoryChart histogram(
      String title, String xTitle, Map<String, List<Double>> series, int bins) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (List<Double> values : series.values()) {
      for (double v : values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    min = Math.floor(min * 2) / 2;
    max = Math.max(Math.ceil(max * 2) / 2, min + 0.5);
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(800)
            .height(500)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle("rows")
            .build();
    chart.getStyler().setOverlapped(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setAvailableSpaceFill(0.98);
    chart.getStyler().setXAxisDecimalPattern("0.00");
    chart.getStyler().setXAxisMaxLabelCount(12);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    for (Map.Entry<String, List<Double>> e : series.entrySet()) {
      if (e.getValue().isEmpty()) {
        continue; // XChart rejects an empty series
      }
      Histogram h = new Histogram(e.getValue(), bins, min, max);
      chart.addSeries(e.getKey(), h.getxAxisData(), h.getyAxisData());
    }
    return chart;
  }
}
