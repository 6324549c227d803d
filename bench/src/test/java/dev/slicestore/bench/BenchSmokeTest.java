package dev.slicestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Runs {@code bench --smoke} with every benchmark, as {@code bin/slicestore bench --smoke} does,
 * and checks that each one produced its markdown and charts and that they are sane (tables with
 * rows, no NaN or failure, real PNG files) — not the numbers, which mean nothing at smoke sizes on
 * a shared machine.
 */
class BenchSmokeTest {
  private static final Path REPO =
      Path.of(System.getProperty("slicestore.repoRoot", "..")).toAbsolutePath().normalize();
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

  @Test
  @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
  void everyBenchmarkRunsInSmokeModeAndWritesItsReport() throws IOException {
    Path state = REPO.resolve("bench/target/bench-smoke");
    Path out = state.resolve("results");
    BenchContext.deleteRecursively(state);
    long started = System.nanoTime();
    int exit =
        new CommandLine(new BenchCommand())
            .execute("--smoke", "--state-dir", state.toString(), "--out", out.toString());
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    System.out.println("bench --smoke took " + took.toSeconds() + " s");

    assertThat(exit)
        .as("bench --smoke exit code (a benchmark failed: see the test output)")
        .isZero();
    String all = Files.readString(out.resolve("results.md"), StandardCharsets.UTF_8);
    assertThat(all).as("combined results").doesNotContain("**Failed**").doesNotContain("NaN");
    for (Benchmark b : BenchCommand.BENCHMARKS) {
      Path md = out.resolve(b.name() + ".md");
      assertThat(md).as("markdown of " + b.name()).exists();
      String text = Files.readString(md, StandardCharsets.UTF_8);
      assertThat(text)
          .as(b.name() + " states machine, command and data")
          .contains("- Machine: ")
          .contains("cores")
          .contains("GiB memory")
          .contains("- Command: `bin/slicestore bench")
          .contains("- Data: ");
      assertThat(text.lines().filter(l -> l.startsWith("|---")).count())
          .as(b.name() + " has a table")
          .isPositive();
      assertThat(text.lines().filter(l -> l.startsWith("| ") && !l.startsWith("|---")).count())
          .as(b.name() + " table has a header and rows")
          .isGreaterThanOrEqualTo(2);
      assertThat(all)
          .as("combined results include " + b.name())
          .contains(text.lines().findFirst().orElseThrow());
    }
    for (String png :
        List.of(
            "serving-latency-before.png",
            "serving-latency-after.png",
            "feast-latency.png",
            "memory.png",
            "freshness.png",
            "micro-window-merge.png",
            "ingest-throughput.png",
            "ingest-write-amplification.png")) {
      Path p = out.resolve(png);
      assertThat(p).as("chart " + png).exists();
      byte[] head = new byte[4];
      System.arraycopy(Files.readAllBytes(p), 0, head, 0, 4);
      assertThat(head).as(png + " is a PNG").isEqualTo(PNG_MAGIC);
      assertThat(Files.size(p)).as(png + " size").isGreaterThan(5_000);
    }
    String serving = Files.readString(out.resolve("serving.md"), StandardCharsets.UTF_8);
    assertThat(serving)
        .as("serving measured both phases and the Redis floor")
        .contains("before compaction")
        .contains("after compaction")
        .contains("PING")
        .contains("HGETALL");
    String feast = Files.readString(out.resolve("feast.md"), StandardCharsets.UTF_8);
    assertThat(feast)
        .as("feast measured both systems side by side and compared their values")
        .contains("| slicestore GetFeatures at t")
        .contains("`feast materialize`")
        .contains("**Correctness**")
        .contains("slicestore p99 ms")
        .contains("Feast p99 ms")
        .contains("feast-latency.png");
    assertThat(feast.lines().filter(l -> l.matches("\\| \\d+ \\| .*")).count())
        .as("feast latency rows (batch × load)")
        .isGreaterThanOrEqualTo(9);
    String ingest = Files.readString(out.resolve("ingest.md"), StandardCharsets.UTF_8);
    assertThat(ingest)
        .as("ingest compared both data sets")
        .contains("| retail |")
        .contains("| generated |");
    assertThat(Files.readString(out.resolve("freshness.md"), StandardCharsets.UTF_8))
        .contains("| micro-batch |")
        .contains("| real-time |");
  }
}
