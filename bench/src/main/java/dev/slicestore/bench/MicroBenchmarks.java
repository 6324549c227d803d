package dev.slicestore.bench;

import dev.slicestore.bench.jmh.CodecBenchmark;
import dev.slicestore.bench.jmh.WindowMergeBenchmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The JMH micro-benchmarks ({@link WindowMergeBenchmark}: serving's merge of N slices into 20
 * features; {@link CodecBenchmark}: the row pre-aggregate codec), run through JMH's {@link Runner}:
 * in full mode {@code runs} forks × 5 measurement iterations of 1 s after 3 warm-up iterations; in
 * smoke mode in this JVM, one 100 ms iteration each. Reports the median iteration.
 */
public final class MicroBenchmarks implements Benchmark {
  @Override
  public String name() {
    return "micro";
  }

  @Override
  public String description() {
    return "JMH: WindowEvaluator merge of N slices (20 retail features) and the row pre-aggregate codec";
  }

  @Override
  public Report run(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    boolean smoke = o.smoke();
    int iterations = (int) o.size("micro.iterations", 5, 1);
    Options opts =
        new OptionsBuilder()
            .include(WindowMergeBenchmark.class.getName().replace(".", "\\.") + ".*")
            .include(CodecBenchmark.class.getName().replace(".", "\\.") + ".*")
            .forks(smoke ? 0 : o.runs())
            .warmupIterations(smoke ? 1 : 3)
            .warmupTime(smoke ? TimeValue.milliseconds(100) : TimeValue.seconds(1))
            .measurementIterations(iterations)
            .measurementTime(smoke ? TimeValue.milliseconds(100) : TimeValue.seconds(1))
            .jvmArgs("-Xmx1g") // not the launcher's flags (a flight recording would be shared)
            .shouldFailOnError(true)
            .build();
    Collection<RunResult> results = new Runner(opts).run();
    Report report = new Report(name(), "Micro-benchmarks (JMH)");
    Benchmark.header(
        report,
        ctx,
        "seeded synthetic slices of the retail feature set (one double input; count, sum, mean, max, min"
            + " × 1h/1d/7d/30d = 20 features); JMH "
            + (smoke
                ? "in-process, 1 × 100 ms iteration (smoke)"
                : o.runs() + " forks × " + iterations + " × 1 s after 3 × 1 s warm-up")
            + "; the median iteration is shown");
    List<List<String>> rows = new ArrayList<>();
    Map<String, List<Double>> series = new LinkedHashMap<>();
    List<String> categories = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (RunResult r : results) {
      String bench = r.getParams().getBenchmark();
      String method = bench.substring(bench.lastIndexOf('.') + 1);
      String cls = bench.substring(0, bench.lastIndexOf('.'));
      cls = cls.substring(cls.lastIndexOf('.') + 1);
      String params =
          String.join(
              ", ",
              r.getParams().getParamsKeys().stream()
                  .map(k -> k + "=" + r.getParams().getParam(k))
                  .toList());
      double median = r.getPrimaryResult().getStatistics().getPercentile(50);
      String unit = r.getPrimaryResult().getScoreUnit();
      rows.add(
          List.of(
              cls + "." + method,
              params.isEmpty() ? "–" : params,
              String.format("%,.3f", median),
              unit,
              Double.isNaN(r.getPrimaryResult().getScoreError())
                  ? "–"
                  : String.format("%,.3f", r.getPrimaryResult().getScoreError())));
      if (cls.equals(WindowMergeBenchmark.class.getSimpleName())) {
        categories.add(
            r.getParams().getParam("slices")
                + " slices, "
                + ("0".equals(r.getParams().getParam("eventsPerSlice"))
                    ? "compacted"
                    : r.getParams().getParam("eventsPerSlice") + " ev/slice"));
        values.add(median);
      }
    }
    report.table(List.of("benchmark", "params", ">median", "unit", ">± (99.9% CI)"), rows);
    report.paragraph(
        "`eventsPerSlice=0` is a slice holding one compacted entry (after compaction); 720 slices is what one"
            + " request for the 30-day window reads.");
    if (!values.isEmpty()) {
      series.put("µs per entity (20 features)", values);
      Path png =
          Charts.bars(
              o.outDir().resolve("micro-window-merge.png"),
              "WindowEvaluator.evaluate, retail features",
              "µs per evaluation",
              categories,
              series);
      report.chart(png, "window merge");
    }
    return report;
  }
}
