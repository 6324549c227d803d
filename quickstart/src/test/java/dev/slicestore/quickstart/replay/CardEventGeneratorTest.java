package dev.slicestore.quickstart.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.testkit.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The card-payments generator: seeded, shaped as cards.conf expects, with fraud-like bursts. */
class CardEventGeneratorTest {
  private static final Instant END = Instant.parse("2026-03-01T12:00:00Z");

  @TempDir Path temp;

  private static List<String[]> rows(long seed, long events) throws IOException {
    List<String[]> rows = new ArrayList<>();
    new CardEventGenerator(seed, events, 300, Duration.ofDays(1), END).generate(rows::add);
    return rows;
  }

  @Test
  void theSameSeedGivesTheSameRows() throws IOException {
    List<String[]> a = rows(42, 5_000);
    List<String[]> b = rows(42, 5_000);
    List<String[]> c = rows(43, 5_000);
    assertThat(a).hasSize(5_000);
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i)).isEqualTo(b.get(i));
    }
    assertThat(a.stream().map(r -> String.join(",", r)).toList())
        .isNotEqualTo(c.stream().map(r -> String.join(",", r)).toList());
  }

  @Test
  void rowsAreInTimeOrderWithinTheSpanAndShapedForCardsConf() throws IOException {
    CardEventGenerator g = new CardEventGenerator(7, 20_000, 300, Duration.ofDays(1), END);
    List<String[]> rows = new ArrayList<>();
    CardEventGenerator.Summary s = g.generate(rows::add);
    assertThat(s.rows()).isEqualTo(20_000);
    assertThat(s.burstRows()).as("fraud-like bursts").isBetween(100L, 4_000L);
    EventTimeFormat f = EventTimeFormat.retail();
    long previous = Long.MIN_VALUE;
    Set<String> ids = new HashSet<>();
    Map<String, String> mccOfMerchant = new HashMap<>();
    for (String[] r : rows) {
      assertThat(r).hasSize(CardEventGenerator.COLUMNS.size());
      long t = f.parseMillis(r[6]);
      assertThat(t)
          .isGreaterThanOrEqualTo(previous)
          .isGreaterThan(END.minus(Duration.ofDays(1)).toEpochMilli())
          .isLessThanOrEqualTo(END.toEpochMilli());
      previous = t;
      assertThat(ids.add(r[0])).as("unique tx_id").isTrue();
      assertThat(r[1]).matches("card-\\d{6}");
      assertThat(r[2]).matches("merchant-\\d{4}");
      assertThat(mccOfMerchant.computeIfAbsent(r[2], m -> r[3]))
          .as("one mcc per merchant")
          .isEqualTo(r[3]);
      assertThat(Double.parseDouble(r[4])).isPositive();
      assertThat(r[5]).matches("[A-Z]{2}");
    }
    assertThat(s.latestEventTimeMillis()).isEqualTo(previous);
    // the columns are the ones cards.conf reads
    FeatureSet cards =
        FeatureSetLoader.load(
            Path.of(System.getProperty("slicestore.repoRoot", ".."))
                .resolve("conf/feature-sets/cards.conf"));
    assertThat(cards.schema().keySet())
        .containsExactlyInAnyOrderElementsOf(CardEventGenerator.COLUMNS);
  }

  @Test
  void replayGeneratesCardsWithTheSeedPrinted() throws IOException {
    Path output = temp.resolve("cards.csv");
    CliRun run =
        CliRun.run(
            new ReplayCommand(),
            "--generator",
            "cards",
            "--events",
            "1000",
            "--entities",
            "50",
            "--seed",
            "11",
            "--output",
            output.toString());
    assertThat(run.exitCode()).as("err: %s", run.err()).isZero();
    assertThat(run.out())
        .contains(
            "Generating 1,000 card payments for 50 cards over 1 days", "seed 11", "use --seed 11");
    List<String> lines = Files.readAllLines(output);
    assertThat(lines).hasSize(1_001);
    assertThat(lines.get(0)).isEqualTo(String.join(",", CardEventGenerator.COLUMNS));

    CliRun bogus =
        CliRun.run(new ReplayCommand(), "--generator", "bogus", "--output", output.toString());
    assertThat(bogus.exitCode()).isEqualTo(2);
    assertThat(bogus.err()).contains("Invalid --generator 'bogus': use retail or cards");
  }
}
