package dev.slicestore.quickstart.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic retail events: reproducible, shaped like the real data set. */
class EventGeneratorTest {

  private static final Instant END = Instant.parse("2024-05-01T12:00:00Z");

  @TempDir Path temp;

  private static EventGenerator generator(long seed) {
    return EventGenerator.builder()
        .seed(seed)
        .events(20_000)
        .entities(300)
        .span(Duration.ofDays(35))
        .end(END)
        .build();
  }

  @Test
  void theSameSeedGivesTheSameRowsAndAnotherSeedOthers() throws IOException {
    List<String[]> a = new ArrayList<>();
    List<String[]> b = new ArrayList<>();
    List<String[]> c = new ArrayList<>();
    generator(5).generate(a::add);
    generator(5).generate(b::add);
    generator(6).generate(c::add);
    assertThat(a).hasSize(20_000);
    assertThat(a).usingRecursiveFieldByFieldElementComparator().isEqualTo(b);
    assertThat(a.get(0)).isNotEqualTo(c.get(0));
  }

  @Test
  void rowsLookLikeTheRetailDataSet() throws IOException {
    Path file = temp.resolve("events.csv.gz");
    EventGenerator.Summary summary = generator(42).writeCsv(file);
    List<CSVRecord> rows = new ArrayList<>();
    try (CSVParser parser =
        CSVParser.builder()
            .setReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(file))))
            .setFormat(CSVFormat.DEFAULT)
            .get()) {
      parser.forEach(rows::add);
    }
    assertThat(rows.get(0).toList()).isEqualTo(EventGenerator.RETAIL_COLUMNS);
    List<CSVRecord> data = rows.subList(1, rows.size());
    assertThat(data).hasSize(20_000);
    assertThat(summary.rows()).isEqualTo(20_000);
    assertThat(summary.seed()).isEqualTo(42);

    DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    long previous = Long.MIN_VALUE;
    long anonymous = 0;
    long cancellations = 0;
    Map<String, Integer> perCustomer = new HashMap<>();
    for (CSVRecord row : data) {
      assertThat(row.size()).isEqualTo(8);
      long t = LocalDateTime.parse(row.get(4), format).toInstant(ZoneOffset.UTC).toEpochMilli();
      assertThat(t).as("time order").isGreaterThanOrEqualTo(previous);
      assertThat(t).isBetween(END.minus(Duration.ofDays(35)).toEpochMilli(), END.toEpochMilli());
      previous = t;
      long quantity = Long.parseLong(row.get(3));
      double price = Double.parseDouble(row.get(5));
      assertThat(price).isBetween(0.12, 300.0);
      if (row.get(0).startsWith("C")) {
        cancellations++;
        assertThat(quantity).isNegative();
      } else {
        assertThat(quantity).isPositive();
      }
      if (row.get(6).isEmpty()) {
        anonymous++;
      } else {
        assertThat(row.get(6)).matches("\\d{5}\\.0");
        perCustomer.merge(row.get(6), 1, Integer::sum);
      }
    }
    assertThat(anonymous / 20_000.0).as("share without CustomerID").isCloseTo(0.20, within(0.05));
    assertThat(cancellations / 20_000.0)
        .as("share of cancellation rows")
        .isCloseTo(0.02, within(0.015));
    assertThat(anonymous).isEqualTo(summary.rowsWithoutCustomer());
    assertThat(cancellations).isEqualTo(summary.cancellationRows());
    int busiest = perCustomer.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    double mean = (20_000.0 - anonymous) / perCustomer.size();
    assertThat(busiest)
        .as("skewed popularity: the busiest customer is far above the mean")
        .isGreaterThan((int) (5 * mean));
    assertThat(data)
        .as("some descriptions need CSV quoting")
        .anySatisfy(r -> assertThat(r.get(2)).contains(","))
        .anySatisfy(r -> assertThat(r.get(2)).contains("\""));
  }
}
