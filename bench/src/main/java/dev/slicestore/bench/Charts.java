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
 * PNG charts with XChart: grouped bars on a linear axis (XChart's bar charts refuse a logarithmic
 * one: latency percentiles per configuration) and lines (throughput against the number of windows).
 * Runs headless. Stateless and thread-safe.
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
  public static Path bars(
      Path file,
      String title,
      String yTitle,
      List<String> categories,
      Map<String, List<Double>> series)
      throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("")
            .yAxisTitle(yTitle)
            .build();
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
  public static Path lines(
      Path file,
      String title,
      String xTitle,
      String yTitle,
      List<Double> x,
      Map<String, List<Double>> series,
      boolean logY)
      throws IOException {
    XYChart chart = xyChart(title, xTitle, yTitle, logY);
    for (Map.Entry<String, List<Double>> s : new LinkedHashMap<>(series).entrySet()) {
      List<Double> y =
          logY
              ? s.getValue().stream().map(v -> Double.isNaN(v) ? v : Math.max(v, 1e-3)).toList()
              : s.getValue();
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
  public static Path percentiles(
      Path file,
      String title,
      String yTitle,
      List<String> percentiles,
      Map<String, List<Double>> series)
      throws IOException {
    // XChart gives no categorical x axis for lines: the percentiles are x = 1, 2, 3 ... and named
    // in the axis title
    XYChart chart =
        xyChart(title, "percentile: " + String.join("   →   ", percentiles), yTitle, true);
    chart.getStyler().setXAxisTicksVisible(false);
    chart.getStyler().setXAxisMin(0.9);
    chart.getStyler().setXAxisMax(percentiles.size() + 0.1);
    List<Double> xs = oneToN(percentiles.size());
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      chart.addSeries(s.getKey(), xs, s.getValue().stream().map(v -> Math.max(v, 1e-3)).toList());
    }
    return save(chart, file);
  }

  /**
   * Writes lines over named categories on a logarithmic y axis, the series styled in consecutive
   * pairs: both of a pair share a colour, the second is dashed (e.g. p50 and p99 of one system,
   * then of the next).
   *
   * @param file the PNG to write
   * @param title chart title
   * @param xTitle x axis title
   * @param yTitle y axis title (with its unit)
   * @param categories the x labels, in order (drawn at x = 1, 2, 3 ...)
   * @param series per series name, one value per category (NaN for a missing point; values &lt;= 0
   *     are drawn at 0.001)
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public static Path pairedCategoryLines(
      Path file,
      String title,
      String xTitle,
      String yTitle,
      List<String> categories,
      Map<String, List<Double>> series)
      throws IOException {
    XYChart chart = xyChart(title, xTitle, yTitle, true);
    // ticks fall on x = 1 .. n only when the axis spans exactly that range (XChart's own tick
    // spacing)
    chart.getStyler().setXAxisMin(categories.size() > 1 ? 1.0 : 0.5);
    chart.getStyler().setXAxisMax(categories.size() > 1 ? categories.size() : 1.5);
    // vertical labels: XChart drops every other label it finds overlapping at smaller angles
    chart.getStyler().setXAxisTickMarkSpacingHint(10);
    chart.getStyler().setXAxisLabelRotation(90);
    chart
        .getStyler()
        .setxAxisTickLabelsFormattingFunction(
            x -> {
              long i = Math.round(x);
              return Math.abs(x - i) < 1e-6 && i >= 1 && i <= categories.size()
                  ? categories.get((int) i - 1)
                  : "";
            });
    java.awt.Color[] palette = {
      new java.awt.Color(0x1f77b4),
      new java.awt.Color(0xd62728),
      new java.awt.Color(0x2ca02c),
      new java.awt.Color(0x9467bd),
      new java.awt.Color(0xff7f0e),
      new java.awt.Color(0x8c564b)
    };
    List<Double> xs = oneToN(categories.size());
    int n = 0;
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      List<Double> y =
          s.getValue().stream().map(v -> Double.isNaN(v) ? v : Math.max(v, 1e-3)).toList();
      org.knowm.xchart.XYSeries xy = chart.addSeries(s.getKey(), xs, y);
      java.awt.Color c = palette[(n / 2) % palette.length];
      xy.setLineColor(c);
      xy.setMarkerColor(c);
      if (n % 2 == 1) {
        xy.setLineStyle(
            new java.awt.BasicStroke(
                2f,
                java.awt.BasicStroke.CAP_BUTT,
                java.awt.BasicStroke.JOIN_MITER,
                10f,
                new float[] {6f, 4f},
                0f));
      }
      n++;
    }
    return save(chart, file);
  }

  /**
   * @return a line chart of the common size, legend (outside, right) and background
   */
  private static XYChart xyChart(String title, String xTitle, String yTitle, boolean logY) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    return chart;
  }

  /**
   * @return the x positions 1, 2, ..., n of n named points
   */
  private static List<Double> oneToN(int n) {
    List<Double> xs = new java.util.ArrayList<>();
    for (int i = 1; i <= n; i++) {
      xs.add((double) i);
    }
    return xs;
  }

  private static Path save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file)
      throws IOException {
    String path = file.toString();
    String base = path.endsWith(".png") ? path.substring(0, path.length() - 4) : path;
    BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
    return Path.of(base + ".png");
  }
}
