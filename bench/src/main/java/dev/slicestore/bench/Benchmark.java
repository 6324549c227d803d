package dev.slicestore.bench;

/**
 * One benchmark of {@code bin/slicestore bench}: it runs on the shared {@link BenchContext},
 * repeats its measurements {@code runs} times, and returns a {@link Report} with medians, the
 * machine, the command and the data. Implementations are stateless.
 */
public interface Benchmark {
  /**
   * @return the name used on the command line and for output files
   */
  String name();

  /**
   * @return one line saying what it measures
   */
  String description();

  /**
   * Runs the benchmark.
   *
   * @param ctx the shared stack, Spark session and options
   * @return the report (charts already written to {@code ctx.options().outDir()})
   * @throws Exception if a component fails; the other benchmarks still run
   */
  Report run(BenchContext ctx) throws Exception;

  /** Adds the common header: machine, command, repetitions ({@code runs} of the options). */
  static void header(Report report, BenchContext ctx, String data) {
    header(report, ctx, data, ctx.options().runs());
  }

  /** Adds the common header: machine, command, repetitions. */
  static void header(Report report, BenchContext ctx, String data, int runs) {
    BenchContext.Options o = ctx.options();
    report.paragraph(
        "- Machine: "
            + ctx.machine().describe()
            + "\n"
            + "- Command: `"
            + o.command()
            + "`"
            + (o.smoke() ? " (**smoke mode**: tiny sizes, numbers mean nothing)" : "")
            + "\n"
            + "- Data: "
            + data
            + "\n"
            + "- Repetitions: "
            + runs
            + " per configuration"
            + (runs > 1 ? "; tables show medians" : " (single run: no median)"));
  }
}
