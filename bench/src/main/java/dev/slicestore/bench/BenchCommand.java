package dev.slicestore.bench;

import dev.slicestore.quickstart.SlicestoreCli;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code bin/slicestore bench [NAME…] [--smoke]}: runs the named benchmarks (all by default, in the
 * order of {@link #BENCHMARKS}) on one local stack started for the run, prints each table, and
 * writes {@code <out>/<name>.md}, the PNG charts and {@code <out>/results.md} (every section, ready
 * for {@code BENCHMARKS.md}). A failing benchmark is reported and the others still run; the exit
 * code is then 1.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run benchmarks on a local stack started for the run; print tables, write markdown and PNG charts.",
      "Benchmarks: micro, serving, feast, memory, compaction, training, ingest, freshness (default: all, in that order)."
    })
public final class BenchCommand implements Callable<Integer> {
  /** Every benchmark, in the order {@code bench} without names runs them. */
  public static final List<Benchmark> BENCHMARKS =
      List.of(
          new MicroBenchmarks(),
          new ServingBenchmark(),
          new FeastBenchmark(),
          new MemoryBenchmark(),
          new CompactionBenchmark(),
          new TrainingBenchmark(),
          new IngestBenchmark(),
          new FreshnessBenchmark());

  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Benchmarks to run (default: all).")
  List<String> names = new ArrayList<>();

  @Option(
      names = "--smoke",
      description =
          "Tiny sizes and short runs: checks that every benchmark works (CI); the numbers mean nothing.")
  boolean smoke;

  @Option(
      names = "--runs",
      description = "Repetitions per configuration; medians are reported (default: 3, smoke: 1).")
  Integer runs;

  @Option(
      names = "--out",
      description = "Output directory for markdown and charts (default: <state-dir>/results).")
  Path out;

  @Option(
      names = "--state-dir",
      description =
          "Directory for the stack, checkpoints, warehouse and generated data (default: ${DEFAULT-VALUE}).")
  Path stateDir = Path.of(".state/bench");

  @Option(
      names = "--retail",
      description = "The UCI Online Retail CSV, read in place (default: ${DEFAULT-VALUE}).")
  Path retail = Path.of("../shared/data/online-retail.csv.gz");

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = {
        "Size overrides, e.g. serving.seconds=5, serving.rates=100,1000,5000,"
            + " retail.rows=20000, ingest.generated=10000000, ingest.windows=1,2,4,8, ingest.datasets=retail,generated, ingest.spark-timeout-s=900, freshness.seconds=30, freshness.catch-up-events=300000,"
            + " freshness.load=1000, micro.iterations=5, ingest.runs=1, training.rows=1000000, training.runs=1, feast.workers=2, feast.check=200."
      })
  Map<String, String> overrides = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    List<Benchmark> selected = new ArrayList<>();
    for (String n : names) {
      Benchmark b = BENCHMARKS.stream().filter(x -> x.name().equals(n)).findFirst().orElse(null);
      if (b == null) {
        System.err.println(
            "bench: unknown benchmark "
                + n
                + " (known: "
                + String.join(", ", BENCHMARKS.stream().map(Benchmark::name).toList())
                + ")");
        return 2;
      }
      selected.add(b);
    }
    if (selected.isEmpty()) {
      selected.addAll(BENCHMARKS);
    }
    Path state = stateDir.toAbsolutePath().normalize();
    Path outDir = (out != null ? out : state.resolve("results")).toAbsolutePath().normalize();
    Files.createDirectories(outDir);
    Path repoRoot =
        Path.of(System.getProperty("slicestore.repoRoot", ".")).toAbsolutePath().normalize();
    String command =
        "bin/slicestore bench"
            + (names.isEmpty() ? "" : " " + String.join(" ", names))
            + (smoke ? " --smoke" : "")
            + (runs != null ? " --runs " + runs : "")
            + overrides.entrySet().stream()
                .map(e -> " --set " + e.getKey() + "=" + e.getValue())
                .reduce("", String::concat);
    BenchContext.Options options =
        new BenchContext.Options(
            smoke,
            runs != null ? runs : smoke ? 1 : 3,
            outDir,
            state,
            repoRoot,
            retail.isAbsolute() ? retail : repoRoot.resolve(retail).normalize(),
            command,
            Map.copyOf(overrides));
    PrintStream log = System.out;
    List<Report> reports = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (BenchContext ctx = new BenchContext(options, log)) {
      log.println("bench: " + ctx.machine().describe());
      log.println("bench: output in " + outDir + ", state in " + state);
      for (Benchmark b : selected) {
        log.println("\n== bench " + b.name() + ": " + b.description());
        long t0 = System.nanoTime();
        try {
          Report r = b.run(ctx);
          r.write(outDir);
          r.print(log);
          reports.add(r);
          log.printf("== bench %s done in %.1f s%n", b.name(), (System.nanoTime() - t0) / 1e9);
        } catch (Exception | LinkageError e) {
          failures.add(b.name() + ": " + e);
          System.err.println("bench: " + b.name() + " failed:");
          e.printStackTrace();
        }
      }
      StringBuilder all =
          new StringBuilder("<!-- written by " + command + " at " + Instant.now() + " -->\n\n");
      for (Report r : reports) {
        all.append(r.markdown()).append('\n');
      }
      for (String f : failures) {
        all.append("**Failed**: ").append(f).append("\n\n");
      }
      Files.writeString(outDir.resolve("results.md"), all.toString(), StandardCharsets.UTF_8);
    }
    log.println(
        "bench: wrote "
            + outDir.resolve("results.md")
            + (failures.isEmpty() ? "" : "; failed: " + failures));
    return failures.isEmpty() ? 0 : 1;
  }

  /**
   * Entry point of {@code bin/slicestore bench}: the whole {@code slicestore} command line with
   * {@code bench} added (the bench module depends on quickstart, never the reverse).
   */
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new SlicestoreCli()).addSubcommand(new BenchCommand());
    System.exit(cli.execute(args));
  }
}
