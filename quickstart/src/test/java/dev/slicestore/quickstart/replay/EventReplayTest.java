package dev.slicestore.quickstart.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.localstack.LocalKafka;
import dev.slicestore.testkit.CliRun;
import dev.slicestore.testkit.TopicReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays CSV files into a real in-process Kafka and checks every record against an oracle that
 * reads the CSV and computes the expected JSON, key and timestamp on its own.
 */
class EventReplayTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RETAIL_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  @TempDir static Path temp;

  static LocalKafka kafka;

  @BeforeAll
  static void startKafka() throws IOException {
    kafka = new LocalKafka(temp.resolve("kafka"), 0, 0);
    kafka.start();
  }

  @AfterAll
  static void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void generatedEventsAreReplayedExactlyWithTheRebaseShift() throws Exception {
    Path csv = temp.resolve("generated.csv.gz");
    EventGenerator.builder()
        .seed(11)
        .events(3000)
        .entities(40)
        .span(java.time.Duration.ofDays(2))
        .end(Instant.parse("2024-02-29T23:59:59Z"))
        .build()
        .writeCsv(csv);
    Instant now = Instant.parse("2025-01-15T08:30:45.500Z");

    ReplayResult result =
        EventReplay.builder()
            .input(csv)
            .topic("generated")
            .bootstrapServers(kafka.bootstrapServers())
            .rebaseTime(true)
            .clock(Clock.fixed(now, ZoneOffset.UTC))
            .showProgress(false)
            .out(new PrintWriter(new StringWriter()))
            .build()
            .run();

    List<List<String>> rows = readCsv(csv, Integer.MAX_VALUE);
    long maxEventTime =
        rows.subList(1, rows.size()).stream()
            .mapToLong(r -> parseRetailTime(r.get(4)))
            .max()
            .orElseThrow();
    // independent recomputation of the shift: whole minutes from the latest event to now
    long minutes = Math.floorDiv(now.toEpochMilli() - maxEventTime, 60_000L);
    long expectedShift = minutes * 60_000L;
    assertThat(result.shiftMillis()).as("rebase shift").isEqualTo(expectedShift);
    assertThat(result.rowsSent()).isEqualTo(3000);
    assertThat(result.rowsWithUnparseableTime()).isZero();
    assertThat(result.latestEventTimeMillis())
        .isEqualTo(maxEventTime + expectedShift)
        .isLessThanOrEqualTo(now.toEpochMilli())
        .isGreaterThan(now.toEpochMilli() - 60_000);

    List<ConsumerRecord<String, String>> records =
        TopicReader.readAll(kafka.bootstrapServers(), "generated");
    assertThat(records).hasSize(3000);
    assertThat(records.stream().map(ConsumerRecord::partition).distinct())
        .as("default 2 partitions")
        .hasSize(2);
    assertSameRecords(records, expected(rows, expectedShift), 0, 0);
  }

  @Test
  void oddRowsAreKeptAsTheyAre() throws Exception {
    Path csv = temp.resolve("odd.csv");
    Files.writeString(
        csv,
        String.join(
            "\n",
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
            "536381,82567,\"AIRLINE LOUNGE,METAL SIGN\",2,2010-12-01 09:41:00,2.1,15311.0,United Kingdom",
            "536477,22041,\"RECORD FRAME 7\"\" SINGLE SIZE \",48,2010-12-01 12:27:00,2.1,16210.0,United Kingdom",
            "536999,22000,BAD QUANTITY,twelve,2010-12-02 10:00:00,abc,,France",
            "537000,22001,BAD DATE,1,not a date,1e2,17850.0,France",
            "537001,,,,,,,",
            "C537002,22003,\"two\nlines\",-3,2010-12-03 10:00:00,0.5,17850.0,EIRE,extra",
            ""),
        StandardCharsets.UTF_8);
    Instant now = Instant.parse("2030-06-01T00:00:30Z");
    long before = System.currentTimeMillis();

    ReplayResult result =
        EventReplay.builder()
            .input(csv)
            .topic("odd")
            .bootstrapServers(kafka.bootstrapServers())
            .partitions(1)
            .rebaseTime(true)
            .clock(Clock.fixed(now, ZoneOffset.UTC))
            .showProgress(false)
            .out(new PrintWriter(new StringWriter()))
            .build()
            .run();
    long after = System.currentTimeMillis();

    long expectedShift =
        Math.floorDiv(now.toEpochMilli() - parseRetailTime("2010-12-03 10:00:00"), 60_000L)
            * 60_000L;
    assertThat(result.rowsSent()).isEqualTo(6);
    assertThat(result.rowsWithUnparseableTime()).as("'not a date' and the empty one").isEqualTo(2);
    assertThat(result.shiftMillis()).isEqualTo(expectedShift);

    List<ConsumerRecord<String, String>> records =
        TopicReader.readAll(kafka.bootstrapServers(), "odd");
    assertThat(records).hasSize(6);
    assertSameRecords(
        records, expected(readCsv(csv, Integer.MAX_VALUE), expectedShift), before, after);
    // spelled out, for the reader
    assertThat(JSON.readTree(records.get(2).value()).get("Quantity").isTextual())
        .as("'twelve' kept as text")
        .isTrue();
    assertThat(JSON.readTree(records.get(3).value()).get("UnitPrice").doubleValue())
        .isEqualTo(100.0);
    assertThat(records.get(4).value()).isEqualTo("{\"InvoiceNo\":\"537001\"}");
    assertThat(records.get(4).key()).isNull();
    assertThat(JSON.readTree(records.get(5).value()).get("column_9").asText()).isEqualTo("extra");
    assertThat(JSON.readTree(records.get(5).value()).get("Description").asText())
        .isEqualTo("two\nlines");
  }

  @Test
  void firstRowsOfTheRealDataSetAreReplayedIntact() throws Exception {
    Path real =
        Paths.get(
            System.getProperty("slicestore.sharedData", "../../shared/data"),
            "online-retail.csv.gz");
    assumeTrue(Files.isReadable(real), "the shared data set is missing: " + real);
    int rowsWanted = 5000;

    ReplayResult result =
        EventReplay.builder()
            .input(real)
            .topic("retail")
            .bootstrapServers(kafka.bootstrapServers())
            .limit(rowsWanted)
            .out(new PrintWriter(new StringWriter()))
            .build()
            .run();

    // the oracle: the first 5,000 data lines of the file, read as text lines (no field spans lines
    // there)
    Path firstLines = temp.resolve("first-lines.csv");
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(real)), StandardCharsets.UTF_8));
        OutputStream out = Files.newOutputStream(firstLines)) {
      for (int i = 0; i <= rowsWanted; i++) {
        out.write((in.readLine() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    List<List<String>> rows = readCsv(firstLines, Integer.MAX_VALUE);
    assertThat(rows).hasSize(rowsWanted + 1);
    assertThat(result.rowsSent()).isEqualTo(rowsWanted);
    assertThat(result.shiftMillis()).isZero();

    List<ConsumerRecord<String, String>> records =
        TopicReader.readAll(kafka.bootstrapServers(), "retail");
    assertThat(records).hasSize(rowsWanted);
    assertSameRecords(records, expected(rows, 0), 0, 0);
    List<String> descriptions = new ArrayList<>();
    for (ConsumerRecord<String, String> r : records) {
      descriptions.add(JSON.readTree(r.value()).path("Description").asText());
    }
    assertThat(descriptions)
        .as("quoted commas and quotes intact")
        .contains(
            "AIRLINE LOUNGE,METAL SIGN",
            "FANCY FONT BIRTHDAY CARD, ",
            "RECORD FRAME 7\" SINGLE SIZE ");
    assertThat(records)
        .as("2010 timestamps kept by the broker")
        .allSatisfy(
            r ->
                assertThat(r.timestamp())
                    .isLessThan(Instant.parse("2011-01-01T00:00:00Z").toEpochMilli()));
  }

  @Test
  void replayCommandGeneratesAndSendsEvents() throws Exception {
    Path output = temp.resolve("cli.csv.gz");
    CliRun run =
        CliRun.run(
            new ReplayCommand(),
            "--topic",
            "cli",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--events",
            "500",
            "--entities",
            "20",
            "--seed",
            "3",
            "--span",
            "2h",
            "--partitions",
            "3",
            "--output",
            output.toString(),
            "--no-progress");

    assertThat(run.exitCode()).as("exit code; err: %s", run.err()).isZero();
    assertThat(run.out())
        .contains("seed 3", "Replayed 500 rows", "Created topic 'cli' with 3 partitions");
    assertThat(readCsv(output, Integer.MAX_VALUE)).hasSize(501);
    List<ConsumerRecord<String, String>> records =
        TopicReader.readAll(kafka.bootstrapServers(), "cli");
    assertThat(records).hasSize(500);
    assertSameRecords(records, expected(readCsv(output, Integer.MAX_VALUE), 0), 0, 0);
  }

  @Test
  void replayCommandSendsGeneratedCardPaymentsKeyedByCard() throws Exception {
    CliRun run =
        CliRun.run(
            new ReplayCommand(),
            "--generator",
            "cards",
            "--topic",
            "cards-cli",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--events",
            "300",
            "--entities",
            "10",
            "--seed",
            "5",
            "--no-progress");
    assertThat(run.exitCode()).as("exit code; err: %s", run.err()).isZero();
    assertThat(run.out()).contains("seed 5", "Replayed 300 rows");
    List<ConsumerRecord<String, String>> records =
        TopicReader.readAll(kafka.bootstrapServers(), "cards-cli");
    assertThat(records).hasSize(300);
    com.fasterxml.jackson.databind.JsonNode first =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(records.get(0).value());
    assertThat(records.get(0).key()).isEqualTo(first.get("card_id").asText()).startsWith("card-");
    assertThat(first.get("mcc").isIntegralNumber()).as("mcc as a JSON number").isTrue();
    assertThat(first.get("amount").isDouble()).as("amount as a JSON number").isTrue();
    assertThat(records.get(0).timestamp())
        .as("record time = tx_time")
        .isEqualTo(EventTimeFormat.retail().parseMillis(first.get("tx_time").asText()));
  }

  @Test
  void replayCommandRejectsOptionsThatDoNotFit() {
    CliRun output =
        CliRun.run(new ReplayCommand(), "--input", "a.csv", "--output", "b.csv.gz", "--topic", "t");
    assertThat(output.exitCode()).isEqualTo(2);
    assertThat(output.err()).contains("--output only applies to generated events");
    CliRun noTopic = CliRun.run(new ReplayCommand(), "--events", "5");
    assertThat(noTopic.exitCode()).isEqualTo(2);
    assertThat(noTopic.err()).contains("Missing --topic");
  }

  @Test
  void aMissingKeyColumnIsReportedByName() throws Exception {
    Path csv = temp.resolve("nokey.csv");
    Files.writeString(csv, "a,InvoiceDate\n1,2020-01-01 00:00:00\n");
    EventReplay replay =
        EventReplay.builder()
            .input(csv)
            .topic("nokey")
            .bootstrapServers(kafka.bootstrapServers())
            .showProgress(false)
            .build();
    assertThatThrownBy(replay::run)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("key column 'CustomerID' is not in its header [a, InvoiceDate]");
  }

  @Test
  void gzipIsRecognisedByItsMagicBytesWhateverTheName() throws Exception {
    Path csv = temp.resolve("compressed-without-gz-suffix.csv");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(csv))) {
      out.write(
          "InvoiceNo,CustomerID,InvoiceDate\n1,7,2020-01-01 00:00:00\n"
              .getBytes(StandardCharsets.UTF_8));
    }
    try (Reader reader = EventReplay.openText(csv)) {
      assertThat(new BufferedReader(reader).readLine())
          .isEqualTo("InvoiceNo,CustomerID,InvoiceDate");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the oracle

  /** One expected record: key, timestamp (null = the send time) and canonical JSON. */
  private record Expected(String key, Long timestamp, String json) {}

  /** Reads a CSV (plain or gzip, by name) into rows of strings, header first. */
  private static List<List<String>> readCsv(Path file, int maxRows) throws IOException {
    Reader reader =
        file.toString().endsWith(".gz")
            ? new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8)
            : Files.newBufferedReader(file, StandardCharsets.UTF_8);
    List<List<String>> rows = new ArrayList<>();
    try (CSVParser parser =
        CSVParser.builder().setReader(reader).setFormat(CSVFormat.DEFAULT).get()) {
      for (CSVRecord record : parser) {
        if (rows.size() > maxRows) {
          break;
        }
        rows.add(record.toList());
      }
    }
    return rows;
  }

  private static long parseRetailTime(String text) {
    return LocalDateTime.parse(text, RETAIL_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
  }

  private static List<Expected> expected(List<List<String>> rows, long shiftMillis)
      throws IOException {
    List<String> header = rows.get(0);
    List<Expected> expected = new ArrayList<>();
    for (List<String> row : rows.subList(1, rows.size())) {
      Map<String, Object> json = new TreeMap<>();
      Long timestamp = null;
      String key = null;
      for (int i = 0; i < row.size(); i++) {
        String name = i < header.size() ? header.get(i) : "column_" + (i + 1);
        String value = row.get(i);
        if (value.isEmpty()) {
          continue;
        }
        switch (name) {
          case "Quantity" -> json.put(name, asLongOrText(value));
          case "UnitPrice" -> json.put(name, asDoubleOrText(value));
          case "InvoiceDate" -> {
            try {
              LocalDateTime shifted =
                  LocalDateTime.parse(value, RETAIL_TIME)
                      .plus(java.time.Duration.ofMillis(shiftMillis));
              timestamp = shifted.toInstant(ZoneOffset.UTC).toEpochMilli();
              json.put(name, shifted.format(RETAIL_TIME));
            } catch (DateTimeParseException e) {
              json.put(name, value);
            }
          }
          default -> json.put(name, value);
        }
        if (name.equals("CustomerID")) {
          key = value;
        }
      }
      expected.add(new Expected(key, timestamp, JSON.writeValueAsString(json)));
    }
    return expected;
  }

  private static Object asLongOrText(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return value;
    }
  }

  private static Object asDoubleOrText(String value) {
    try {
      double d = Double.parseDouble(value);
      return Double.isFinite(d) ? d : value;
    } catch (NumberFormatException e) {
      return value;
    }
  }

  /**
   * Compares the records with the expected ones as multisets (partitions reorder rows); a record
   * sent with the send time must have a timestamp within [sentAfter, sentBefore].
   */
  private static void assertSameRecords(
      List<ConsumerRecord<String, String>> records,
      List<Expected> expected,
      long sentAfter,
      long sentBefore)
      throws IOException {
    List<String> want = new ArrayList<>();
    for (Expected e : expected) {
      want.add(
          e.key()
              + " | "
              + (e.timestamp() == null ? "send time" : e.timestamp())
              + " | "
              + e.json());
    }
    List<String> got = new ArrayList<>();
    for (ConsumerRecord<String, String> r : records) {
      @SuppressWarnings("unchecked")
      Map<String, Object> json = new TreeMap<>(JSON.readValue(r.value(), Map.class));
      Object time = json.get("InvoiceDate");
      boolean parses = time instanceof String s && parsesAsRetailTime(s);
      if (!parses) {
        assertThat(r.timestamp()).as("send time of %s", r.value()).isBetween(sentAfter, sentBefore);
      }
      got.add(
          r.key()
              + " | "
              + (parses ? Long.toString(r.timestamp()) : "send time")
              + " | "
              + JSON.writeValueAsString(json));
    }
    Collections.sort(want);
    Collections.sort(got);
    assertThat(got).containsExactlyElementsOf(want);
  }

  private static boolean parsesAsRetailTime(String s) {
    try {
      LocalDateTime.parse(s, RETAIL_TIME);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
