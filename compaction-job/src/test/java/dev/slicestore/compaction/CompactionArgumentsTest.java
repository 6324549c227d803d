package dev.slicestore.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Argument parsing, range validation and naming rules of compaction, with the messages users see
 * (no Spark, Kafka or Redis).
 */
class CompactionArgumentsTest {
  private static final long MINUTE = 60_000;
  private static final String CONF =
      """
      name = orders
      version = 2
      source { topics = [orders, returns], dead-letter-topic = dlq, schema { %s } }
      entity-key = customer
      event-time { column = at, format = iso-8601 }
      slice = 5m
      windows = [5m, 1h]
      allowed-lateness = 10m
      aggregations = [ %s ]
      """;

  @TempDir Path dir;

  private static FeatureSet fs(String schema, String aggregations) {
    return FeatureSetLoader.parse(CONF.formatted(schema, aggregations), "orders.conf");
  }

  private static FeatureSet orders() {
    return fs(
        "customer = string, total = double, at = string",
        "{ name = n, function = count }, { name = total_sum, function = sum, input = total }");
  }

  @Test
  void rangesMustBeSliceAlignedOrderedAndClosed() {
    FeatureSet fs = orders();
    long from = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    long now = from + 120 * MINUTE;
    Compaction.validateRange(fs, from, from + 60 * MINUTE, now);
    Compaction.validateRange(fs, from, now - 10 * MINUTE, now); // closes exactly now
    assertThatThrownBy(() -> Compaction.validateRange(fs, from + 1000, from + 60 * MINUTE, now))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid range bound 2025-01-01T00:00:01Z: not aligned to the 5m slices of feature set orders"
                + " (nearest: 2025-01-01T00:00:00Z or 2025-01-01T00:05:00Z)");
    assertThatThrownBy(() -> Compaction.validateRange(fs, from, from + 61 * MINUTE, now))
        .hasMessageContaining("Invalid range bound 2025-01-01T01:01:00Z");
    assertThatThrownBy(() -> Compaction.validateRange(fs, from, from, now))
        .hasMessageContaining("from must be before to");
    assertThatThrownBy(() -> Compaction.validateRange(fs, from, now - 5 * MINUTE, now))
        .hasMessage(
            "Cannot compact [2025-01-01T00:00:00Z, 2025-01-01T01:55:00Z) of feature set orders: slices not closed yet:"
                + " events for them are accepted until the range end plus the allowed lateness (10m), 2025-01-01T02:05:00Z, and it is"
                + " 2025-01-01T02:00:00Z");
  }

  @Test
  void optionsRejectBadValues() {
    assertThat(CompactionOptions.defaults().maxClockSkewMillis()).isEqualTo(3_600_000L);
    assertThat(CompactionOptions.defaults().namespace()).isEqualTo("slicestore");
    assertThatThrownBy(() -> CompactionOptions.defaults().withMaxClockSkewMillis(-1))
        .hasMessageContaining("must be >= 0");
    assertThatThrownBy(() -> CompactionOptions.defaults().withRedisFlushSlices(0))
        .hasMessageContaining("must be >= 1");
    assertThatThrownBy(() -> CompactionOptions.defaults().withNamespace("my-ns"))
        .hasMessage(
            "Invalid namespace name: 'my-ns' (must be letters, digits and underscores, not starting with a digit)");
    assertThatThrownBy(() -> new PartitionRange("t", 0, 0, 5, 4))
        .hasMessageContaining("Invalid partition range");
  }

  @Test
  void sparkKafkaOptionsNameEveryPlannedPartition() {
    List<PartitionRange> ranges =
        List.of(
            new PartitionRange("orders", 0, 0, 5, 9),
            new PartitionRange("orders", 0, 1, 0, 0),
            new PartitionRange("returns", 1, 0, 7, 70));
    assertThat(Compaction.assignJson(ranges)).isEqualTo("{\"orders\":[0,1],\"returns\":[0]}");
    assertThat(Compaction.startingOffsetsJson(ranges))
        .isEqualTo("{\"orders\":{\"0\":5,\"1\":0},\"returns\":{\"0\":7}}");
  }

  @Test
  void theCommandRefusesBadArgumentsWithExitCode2BeforeStartingSpark() throws Exception {
    Path file = dir.resolve("orders.conf");
    Files.writeString(
        file,
        CONF.formatted(
            "customer = string, total = double, at = string", "{ name = n, function = count }"));
    long closed = Math.floorDiv(System.currentTimeMillis(), 5 * MINUTE) * 5 * MINUTE - 60 * MINUTE;
    assertThat(
            run(
                "--feature-set",
                file.toString(),
                "--from",
                Long.toString(closed + 1),
                "--to",
                Long.toString(closed + 5 * MINUTE)))
        .startsWith("2:")
        .contains("error: Invalid range bound")
        .contains("not aligned to the 5m slices");
    assertThat(
            run(
                "--feature-set",
                file.toString(),
                "--from",
                Long.toString(closed),
                "--to",
                "2999-01-01T00:00:00Z"))
        .startsWith("2:")
        .contains("slices not closed yet");
    assertThat(
            run(
                "--feature-set",
                dir.resolve("missing.conf").toString(),
                "--from",
                "0",
                "--to",
                "300000"))
        .startsWith("2:")
        .contains("no such feature-set file");
    assertThat(
            run(
                "--feature-set",
                file.toString(),
                "--from",
                Long.toString(closed),
                "--to",
                Long.toString(closed + 5 * MINUTE),
                "--max-clock-skew",
                "later"))
        .startsWith("2:")
        .contains("Invalid duration 'later'");
    assertThat(run("--feature-set", file.toString(), "--from", Long.toString(closed)))
        .startsWith("2:")
        .contains("Missing required option: '--to=<to>'");
  }

  private static String run(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      CommandLine cl = new CommandLine(new CompactionJob());
      cl.setErr(new java.io.PrintWriter(System.err, true));
      int code = cl.execute(args);
      return code + ":" + err.toString(StandardCharsets.UTF_8);
    } finally {
      System.setErr(old);
    }
  }
}
