package dev.slicestore.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * PNG charts with XChart: grouped bars on a linear axis (XChart's bar charts refuse a
 * logarithmic one: latency percentiles per configuration) and lines
 * (throughput against the number of windows). Runs headless. Stateless and thread-safe.
 */
public final class Charts {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /**
   * Writes a grouped bar chart.
   *
   * @param file the PNG to write ({@code .png} is added by XChart if missing)
   * @param title chart title
   * @param yTitle y axis title (with its unit)
   * @param categories the x categories (e.g. "p50", "p99", "p99.9")
   * @param series per series name, one value per category, in order
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public static Path bars(Path file, String title, String yTitle, List<String> categories,
      Map<String, List<Double>> series) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("").yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setXAxisLabelRotation(20); // long category names would overlap
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      chart.addSeries(s.getKey(), categories, s.getValue());
    }
    return save(chart, file);
  }

  /**
   * Writes a line chart with markers.
   *
   * @param file the PNG to write
   * @param title chart title
   * @param xTitle x axis title
   * @param yTitle y axis title (with its unit)
   * @param x the x values shared by every series
   * @param series per series name, one y value per x (NaN for a missing point)
   * @param logY whether the y axis is logarithmic
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public static Path lines(Path file, String title, String xTitle, String yTitle, List<Double> x,
      Map<String, List<Double>> series, boolean logY) throws IOException {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    for (Map.Entry<String, List<Double>> s : new LinkedHashMap<>(series).entrySet()) {
      List<Double> y = logY ? s.getValue().stream().map(v -> Double.isNaN(v) ? v : Math.max(v, 1e-3)).toList() : s.getValue();
      chart.addSeries(s.getKey(), x, y);
    }
    return save(chart, file);
  }

  /**
   * Writes percentiles as lines over a logarithmic y axis (latencies that differ by orders of
   * magnitude stay readable, which XChart's bar charts cannot do).
   *
   * @param file the PNG to write
   * @param title chart title
   * @param yTitle y axis title (with its unit)
   * @param percentiles the x labels, e.g. "p50", "p99", "p99.9"
   * @param series per series name, one value per label (values &lt;= 0 are drawn at 0.001)
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public static Path percentiles(Path file, String title, String yTitle, List<String> percentiles, Map<String, List<Double>> series)
      throws IOException {
    // XChart gives no categorical x axis for lines: the percentiles are x = 1, 2, 3 ... and named in the axis title
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
        .xAxisTitle("percentile: " + String.join("   →   ", percentiles)).yAxisTitle(yTitle).build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setXAxisTicksVisible(false);
    chart.getStyler().setXAxisMin(0.9);
    chart.getStyler().setXAxisMax(percentiles.size() + 0.1);
    List<Double> xs = new java.util.ArrayList<>();
    for (int i = 1; i <= percentiles.size(); i++) {
      xs.add((double) i);
    }
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      chart.addSeries(s.getKey(), xs, s.getValue().stream().map(v -> Math.max(v, 1e-3)).toList());
    }
    return save(chart, file);
  }

  private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
    String path = file.toString();
    String base = path.endsWith(".png") ? path.substring(0, path.length() - 4) : path;
    BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    return Path.of(base + ".png");
  }
}
