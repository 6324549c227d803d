package dev.slicestore.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.testing.FeatureSetFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature-set validation: every problem is reported with the file, the path inside it and what is
 * wrong, all problems of a file at once.
 */
class FeatureSetLoaderTest {
  private static final String FILE = "test.conf";

  /** A small valid feature set; tests replace one line at a time. */
  private static final String VALID =
      String.join(
          "\n",
          "name = shop",
          "version = 2",
          "source {",
          "  topics = [\"orders\"]",
          "  schema { customer = string, ts = string, qty = long, price = double, country = string, vip = boolean }",
          "}",
          "event-time { column = ts, format = \"yyyy-MM-dd HH:mm:ss\", zone = UTC }",
          "transforms {",
          "  columns = [ { name = amount, expression = \"qty * price\", type = double } ]",
          "  filter = \"customer IS NOT NULL\"",
          "}",
          "entity-key = customer",
          "slice = 1h",
          "windows = [1h, 1d]",
          "aggregations = [",
          "  { name = orders, function = count }",
          "  { name = spend, function = sum, input = amount, windows = [7d, 1d] }",
          "  { function = max, input = country }",
          "]",
          "");

  private static String replace(String line, String replacement) {
    assertThat(VALID).contains(line);
    return VALID.replace(line, replacement);
  }

  private static ConfigProblemException problems(String hocon) {
    ConfigProblemException e =
        catchThrowableOfType(
            ConfigProblemException.class, () -> FeatureSetLoader.parse(hocon, FILE));
    assertThat(e).as("expected a ConfigProblemException for:\n%s", hocon).isNotNull();
    assertThat(e.problems()).isNotEmpty();
    for (String p : e.problems()) {
      assertThat(p).as("every problem names the file").startsWith(FILE + ": ");
      assertThat(e.getMessage()).contains(p);
    }
    return e;
  }

  /** Asserts that one problem names the path and says what is wrong. */
  private static void assertProblem(String hocon, String path, String... what) {
    ConfigProblemException e = problems(hocon);
    assertThat(e.problems())
        .as("problems of:\n%s", hocon)
        .anySatisfy(
            p -> {
              assertThat(p).startsWith(FILE + ": " + path);
              for (String w : what) {
                assertThat(p).contains(w);
              }
            });
  }

  @Test
  void validDefinitionLoads() {
    FeatureSet fs = FeatureSetLoader.parse(VALID, FILE);
    assertThat(fs.name()).isEqualTo("shop");
    assertThat(fs.version()).isEqualTo(2);
    assertThat(fs.sourceFile()).isEqualTo(FILE);
    assertThat(fs.topics()).containsExactly("orders");
    assertThat(fs.deadLetterTopic()).isEqualTo("orders-dlq");
    assertThat(fs.sliceMillis()).isEqualTo(3_600_000L);
    assertThat(fs.allowedLatenessMillis()).isZero();
    assertThat(fs.maxFutureSkewMillis()).isEqualTo(300_000L);
    assertThat(fs.expiryGraceMillis()).isEqualTo(3_600_000L);
    assertThat(fs.entityKeyColumn()).isEqualTo("customer");
    assertThat(fs.eventTime()).isEqualTo(new EventTimeSpec("ts", "yyyy-MM-dd HH:mm:ss", "UTC"));
    assertThat(fs.filter()).isEqualTo("customer IS NOT NULL");
    assertThat(fs.columns())
        .containsEntry("amount", ValueType.DOUBLE)
        .containsEntry("qty", ValueType.LONG);
    assertThat(fs.inputColumns())
        .containsExactly(
            new InputColumn("amount", ValueType.DOUBLE),
            new InputColumn("country", ValueType.STRING));
    assertThat(fs.aggregations())
        .extracting(Aggregation::name)
        .containsExactly("orders", "spend", "country_max");
    assertThat(fs.aggregations().get(1).windowsMillis())
        .as("ascending")
        .containsExactly(86_400_000L, 604_800_000L);
    assertThat(fs.aggregations().get(1).inputSlot()).isZero();
    assertThat(fs.aggregations().get(2).inputSlot()).isEqualTo(1);
    assertThat(fs.aggregations().get(0).inputSlot()).isEqualTo(-1);
    assertThat(fs.features())
        .extracting(Feature::name)
        .containsExactly(
            "orders_1h", "orders_1d", "spend_1d", "spend_7d", "country_max_1h", "country_max_1d");
    assertThat(fs.feature("spend_7d").resultType()).isEqualTo(ValueType.DOUBLE);
    assertThat(fs.feature("country_max_1d").resultType()).isEqualTo(ValueType.STRING);
    assertThat(fs.feature("nope")).isNull();
    assertThat(fs.longestWindowMillis()).isEqualTo(604_800_000L);
    // expiry: slice end + longest window + lateness + grace
    assertThat(fs.sliceExpiryMillis(10)).isEqualTo(11 * 3_600_000L + 604_800_000L + 3_600_000L);
  }

  @Test
  void retailConfLoadsFromTheRepository() {
    FeatureSet fs = FeatureSetFixtures.shipped("retail");
    assertThat(fs.name()).isEqualTo("retail");
    assertThat(fs.entityKeyColumn()).isEqualTo("CustomerID");
    assertThat(fs.sliceMillis()).isEqualTo(3_600_000L);
    assertThat(fs.features())
        .hasSize(20)
        .extracting(Feature::name)
        .contains(
            "lines_1h",
            "lines_30d",
            "amount_sum_7d",
            "amount_mean_1d",
            "amount_max_1h",
            "amount_min_30d");
    assertThat(fs.eventTime().format()).isEqualTo("yyyy-MM-dd HH:mm:ss");
    assertThat(fs.deadLetterTopic()).isEqualTo("retail-events-dlq");
    assertThat(fs.sourceFile()).endsWith("retail.conf");
  }

  @Test
  void loadReportsMissingAndUnparseableFiles(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.conf");
    assertThatThrownBy(() -> FeatureSetLoader.load(missing))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining(missing + ": file not found");
    Path broken = dir.resolve("broken.conf");
    Files.writeString(broken, "name = {\n");
    assertThatThrownBy(() -> FeatureSetLoader.load(broken))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining(broken + ": cannot parse");
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, replace("slice = 1h", "slice = 7m"));
    assertThatThrownBy(() -> FeatureSetLoader.load(bad))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining(bad + ": windows[0]")
        .hasMessageContaining("must be a whole multiple of the slice size 7m");
  }

  @Test
  void loadDirectoryCollectsEveryFileAndRejectsDuplicateNames(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.conf"), VALID);
    Files.writeString(dir.resolve("b.conf"), replace("name = shop", "name = other"));
    Files.writeString(dir.resolve("notes.txt"), "ignored");
    Map<String, FeatureSet> sets = FeatureSetLoader.loadDirectory(dir);
    assertThat(sets.keySet()).containsExactly("shop", "other");
    Files.writeString(dir.resolve("c.conf"), VALID);
    Files.writeString(dir.resolve("d.conf"), replace("slice = 1h", "slice = banana"));
    ConfigProblemException e =
        catchThrowableOfType(
            ConfigProblemException.class, () -> FeatureSetLoader.loadDirectory(dir));
    assertThat(e.problems())
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains("c.conf: name: feature set 'shop' is also defined in")
                    .contains("a.conf"));
    assertThat(e.problems())
        .anySatisfy(
            p -> assertThat(p).contains("d.conf: slice").contains("Invalid duration banana"));
  }

  @Test
  void windowNotAMultipleOfTheSlice() {
    assertProblem(
        replace("windows = [1h, 1d]", "windows = [1h, 90m, 1d]"),
        "windows[1] (line 14)",
        "Invalid window 90m",
        "must be a whole multiple of the slice size 1h");
    assertProblem(
        replace("windows = [7d, 1d]", "windows = [7d, 30m]"),
        "aggregations[1].windows[1]",
        "whole multiple of the slice size 1h");
    assertProblem(replace("windows = [1h, 1d]", "windows = [1h, 0h]"), "windows[1]", "must be > 0");
    assertProblem(
        replace("windows = [1h, 1d]", "windows = [1h, 60m]"), "windows[1]", "listed twice");
    assertProblem(
        replace("windows = [1h, 1d]", "windows = [1h, soon]"), "windows[1]", "Invalid window soon");
    assertProblem(
        replace("windows = [1h, 1d]", "windows = 1h"), "windows", "must be a list of durations");
    assertProblem(replace("windows = [1h, 1d]", "windows = []"), "windows", "at least one window");
  }

  @Test
  void unknownFunction() {
    assertProblem(
        replace("function = count }", "function = median }"),
        "aggregations[0].function (line 16)",
        "Unknown aggregate function: median",
        "count, sum, mean, min, max");
  }

  @Test
  void missingInputColumn() {
    assertProblem(
        replace("function = sum, input = amount,", "function = sum,"),
        "aggregations[1]",
        "function sum needs an input column");
    assertProblem(
        replace("input = amount", "input = amont"),
        "aggregations[1].input",
        "column 'amont' is neither in source.schema nor a transform column",
        "amount");
  }

  @Test
  void sumOnAStringColumn() {
    assertProblem(
        replace("input = amount", "input = country"),
        "aggregations[1].function",
        "Cannot use sum on a string column");
    assertProblem(
        replace("function = max, input = country", "function = max, input = vip"),
        "aggregations[2].function",
        "Cannot use max on a boolean column");
  }

  @Test
  void unknownKeysAreRejectedEverywhere() {
    assertProblem(VALID + "colour = blue\n", "colour (line 20)", "unknown key");
    assertProblem(
        replace("topics = [\"orders\"]", "topics = [\"orders\"], partitions = 3"),
        "source.partitions",
        "unknown key");
    assertProblem(
        replace("zone = UTC }", "zone = UTC, precision = ms }"),
        "event-time.precision",
        "unknown key");
    assertProblem(
        replace("function = count }", "function = count, window = 1h }"),
        "aggregations[0].window",
        "unknown key",
        "windows");
    assertProblem(
        replace("type = double }", "type = double, nullable = true }"),
        "transforms.columns[0].nullable",
        "unknown key");
    assertProblem(
        replace("function = count }", "function = count, params { k = 1 } }"),
        "aggregations[0].function",
        "Unknown parameter(s) for function count: [k]");
  }

  @Test
  void unknownType() {
    assertProblem(
        replace("qty = long", "qty = integer64"),
        "source.schema.qty (line 5)",
        "Unknown type integer64",
        "known: long, double, string, boolean");
    assertProblem(
        replace("type = double }", "type = decimal }"),
        "transforms.columns[0].type",
        "Unknown type decimal");
    assertProblem(replace("qty = long", "qty = [long]"), "source.schema.qty", "Unknown type");
  }

  @Test
  void duplicateNames() {
    assertProblem(
        replace(
            "{ function = max, input = country }",
            "{ name = orders, function = max, input = country }"),
        "aggregations[2].name",
        "aggregation 'orders' is defined twice");
    assertProblem(
        replace(
            "{ name = amount, expression",
            "{ name = amount, expression = \"1\", type = long }, { name = amount, expression"),
        "transforms.columns[1].name",
        "column 'amount' is defined twice");
    assertProblem(
        replace("name = orders,", "name = \"2orders\","),
        "aggregations[0].name",
        "Invalid name '2orders'");
    assertProblem(
        replace("topics = [\"orders\"]", "topics = [\"orders\", \"orders\"]"),
        "source.topics",
        "names a topic twice");
  }

  @Test
  void missingRequiredKeys() {
    String[] lines = {"name = shop", "version = 2", "entity-key = customer", "slice = 1h"};
    String[] paths = {"name", "version", "entity-key", "slice"};
    for (int i = 0; i < lines.length; i++) {
      assertProblem(replace(lines[i], ""), paths[i], "missing (required)");
    }
    assertProblem(replace("topics = [\"orders\"]", ""), "source.topics", "missing (required)");
    String noSource = VALID.replaceAll("(?s)source \\{.*?\\n\\}\\n", "");
    assertThat(noSource).doesNotContain("source {");
    assertProblem(noSource, "source", "missing (required)");
    assertProblem(
        VALID.replaceAll("(?s)aggregations = \\[.*\\]", ""), "aggregations", "missing (required)");
    assertProblem(
        replace("event-time { column = ts, format = \"yyyy-MM-dd HH:mm:ss\", zone = UTC }", ""),
        "event-time",
        "missing (required)");
    assertProblem(replace("column = ts,", ""), "event-time.column", "missing (required)");
    assertProblem(
        replace("function = count }", "name = x }"),
        "aggregations[0].function",
        "missing (required)");
    // no windows anywhere
    assertProblem(replace("windows = [1h, 1d]", ""), "aggregations[0]", "no windows");
    assertProblem(replace("name = shop", "name = \"\""), "name", "must not be empty");
  }

  @Test
  void badDurations() {
    assertProblem(
        replace("slice = 1h", "slice = banana"),
        "slice (line 13)",
        "Invalid duration banana",
        "e.g. 1h");
    assertProblem(
        replace("slice = 1h", "slice = 0s"), "slice", "Invalid duration 0s (must be > 0)");
    assertProblem(
        VALID + "allowed-lateness = \"-1h\"\n",
        "allowed-lateness",
        "Invalid duration -1h (must be >= 0)");
    assertProblem(VALID + "max-future-skew = [5m]\n", "max-future-skew", "Invalid duration");
    assertProblem(VALID + "expiry-grace = forever\n", "expiry-grace", "Invalid duration forever");
    FeatureSet fs =
        FeatureSetLoader.parse(VALID + "allowed-lateness = 0s\nexpiry-grace = 2h\n", FILE);
    assertThat(fs.allowedLatenessMillis()).isZero();
    assertThat(fs.expiryGraceMillis()).isEqualTo(7_200_000L);
  }

  @Test
  void badEventTimeFormatOrZone() {
    assertProblem(
        replace("format = \"yyyy-MM-dd HH:mm:ss\"", "format = \"yyyy-MM-dd {HH}\""),
        "event-time",
        "Invalid format 'yyyy-MM-dd {HH}'");
    assertProblem(
        replace("zone = UTC }", "zone = \"Mars/Olympus_Mons\" }"),
        "event-time",
        "Unknown zone 'Mars/Olympus_Mons'");
    assertProblem(
        replace("format = \"yyyy-MM-dd HH:mm:ss\"", "format = epoch-millis"),
        "event-time.column",
        "format epoch-millis needs a long column, but 'ts' is string");
    assertProblem(
        replace("column = ts,", "column = qty,"),
        "event-time.column",
        "needs a string column, but 'qty' is long");
    assertProblem(
        replace("column = ts,", "column = when,"),
        "event-time.column",
        "column 'when' is neither in source.schema nor a transform column");
    assertProblem(
        replace(
            "event-time { column = ts, format = \"yyyy-MM-dd HH:mm:ss\", zone = UTC }",
            "event-time { source = wallclock }"),
        "event-time.source",
        "Unknown source 'wallclock'");
    FeatureSet fs =
        FeatureSetLoader.parse(
            replace(
                "event-time { column = ts, format = \"yyyy-MM-dd HH:mm:ss\", zone = UTC }",
                "event-time { source = record-timestamp }"),
            FILE);
    assertThat(fs.eventTime().usesRecordTimestamp()).isTrue();
  }

  @Test
  void entityKeyNotAColumn() {
    assertProblem(
        replace("entity-key = customer", "entity-key = client"),
        "entity-key (line 12)",
        "column 'client' is neither in source.schema nor a transform column",
        "customer");
    // a transform column may be the entity key
    FeatureSet fs =
        FeatureSetLoader.parse(replace("entity-key = customer", "entity-key = amount"), FILE);
    assertThat(fs.entityKeyColumn()).isEqualTo("amount");
  }

  @Test
  void everyProblemOfAFileIsReportedAtOnce() {
    String hocon =
        replace("slice = 1h", "slice = 1h\ncolour = blue")
            .replace("qty = long", "qty = int128")
            .replace("function = count }", "function = median }")
            .replace("entity-key = customer", "entity-key = client");
    ConfigProblemException e = problems(hocon);
    assertThat(e.problems()).hasSize(4);
    assertThat(e.getMessage())
        .startsWith("Invalid configuration (4 problems):")
        .contains("colour", "source.schema.qty", "aggregations[0].function", "entity-key");
  }

  @Test
  void otherSourceProblems() {
    assertProblem(
        replace("topics = [\"orders\"]", "topics = []"), "source.topics", "at least one topic");
    assertProblem(
        replace("topics = [\"orders\"]", "topics = [\"orders\"], format = avro"),
        "source.format",
        "Unsupported format 'avro'");
    assertProblem(
        replace("topics = [\"orders\"]", "topics = [\"orders\"], dead-letter-topic = orders"),
        "source.dead-letter-topic",
        "must differ from the source topics");
    assertProblem(replace("version = 2", "version = 0"), "version", "Invalid version 0");
    assertProblem(replace("version = 2", "version = two"), "version", "must be an integer");
    assertProblem(replace("name = shop", "name = \"shop-v2\""), "name", "Invalid name 'shop-v2'");
  }

  /**
   * A section of the wrong shape (a string where an object is expected) is a validation problem
   * like any other: a {@link ConfigProblemException} naming the file and the path, not a raw
   * Typesafe Config exception that escapes {@code loadDirectory}'s collection of problems.
   */
  @Test
  void sectionsOfTheWrongShapeAreProblemsNotCrashes() {
    for (String[] c :
        List.of(
            new String[] {"source {", "source = orders\nsource-unused {", "source"},
            new String[] {
              "event-time { column = ts, format = \"yyyy-MM-dd HH:mm:ss\", zone = UTC }",
              "event-time = ts",
              "event-time"
            },
            new String[] {"transforms {", "transforms = [1]\ntransforms-unused {", "transforms"})) {
      String hocon = replace(c[0], c[1]);
      ConfigProblemException e =
          catchThrowableOfType(
              ConfigProblemException.class, () -> FeatureSetLoader.parse(hocon, FILE));
      assertThat(e).as("%s of the wrong type", c[2]).isNotNull();
      assertThat(e.getMessage()).contains(FILE).contains(c[2]);
    }
  }

  @Test
  void compactionScheduleDefaultsAndValidation() {
    FeatureSet dflt = FeatureSetLoader.parse(VALID, FILE);
    assertThat(dflt.compactionIntervalMillis())
        .as("slice 1h: compact every hour")
        .isEqualTo(3_600_000L);
    assertThat(dflt.compactionStartMillis()).isNull();
    FeatureSet minute =
        FeatureSetLoader.parse(
            replace("slice = 1h", "slice = 1m")
                .replace("windows = [1h, 1d]", "windows = [1m, 1h]")
                .replace("windows = [7d, 1d]", "windows = [1h]"),
            FILE);
    assertThat(minute.compactionIntervalMillis())
        .as("slices under an hour round up to an hour")
        .isEqualTo(3_600_000L);
    FeatureSet set =
        FeatureSetLoader.parse(
            VALID + "compaction { interval = 1d, start = \"2026-01-01T00:00:00Z\" }\n", FILE);
    assertThat(set.compactionIntervalMillis()).isEqualTo(86_400_000L);
    assertThat(set.compactionStartMillis())
        .isEqualTo(java.time.Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    assertProblem(
        VALID + "compaction { interval = 90m }\n",
        "compaction.interval",
        "whole multiple of the slice size 1h");
    assertProblem(
        VALID + "compaction { start = yesterday }\n",
        "compaction.start",
        "Invalid instant 'yesterday'");
    assertProblem(VALID + "compaction { every = 1h }\n", "compaction.every", "unknown key");
  }

  @Test
  void sessionAggregationsGiveASessionFeatureAndAreValidated() {
    String session =
        "  { name = visit_spend, function = sum, input = amount, session { gap = 2h, max-length = 1d } }";
    FeatureSet fs =
        FeatureSetLoader.parse(
            replace(
                "  { function = max, input = country }",
                "  { function = max, input = country }\n"
                    + session
                    + "\n"
                    + "  { name = visits, function = count, windows = [1h], session { gap = 1h, max-length = 8d } }"),
            FILE);
    Feature f = fs.feature("visit_spend_session");
    assertThat(f.isSession()).isTrue();
    assertThat(f.sessionGapMillis()).isEqualTo(7_200_000L);
    assertThat(f.windowMillis()).isEqualTo(86_400_000L);
    assertThat(fs.features())
        .extracting(Feature::name)
        .as("no default windows for an aggregation with a session")
        .doesNotContain("visit_spend_1h", "visit_spend_1d")
        .contains("visits_1h", "visits_session");
    assertThat(fs.aggregations().get(3).session())
        .isEqualTo(new SessionSpec(7_200_000L, 86_400_000L));
    assertThat(fs.longestWindowMillis()).as("the 8d max-length").isEqualTo(691_200_000L);

    String base = "  { function = max, input = country }";
    assertProblem(
        replace(
            base,
            base + "\n  { name = v, function = count, session { gap = 90m, max-length = 1d } }"),
        "aggregations[3].session.gap (line 19)",
        "Invalid gap 90m: must be a whole multiple of the slice size 1h");
    assertProblem(
        replace(
            base,
            base + "\n  { name = v, function = count, session { gap = 1h, max-length = 1530m } }"),
        "aggregations[3].session.max-length (line 19)",
        "must be a whole multiple of the slice size 1h");
    assertProblem(
        replace(
            base,
            base + "\n  { name = v, function = count, session { gap = 2h, max-length = 2h } }"),
        "aggregations[3].session.max-length (line 19)",
        "Invalid max-length 2h: must be longer than the gap 2h");
    assertProblem(
        replace(base, base + "\n  { name = v, function = count, session { gap = 1h } }"),
        "aggregations[3].session",
        "max-length: missing (required)");
    assertProblem(
        replace(
            base,
            base
                + "\n  { name = v, function = count, session { gap = 1h, max-length = 1d, idle = 1h } }"),
        "aggregations[3].session.idle",
        "unknown key");
    assertProblem(
        replace(base, base + "\n  { name = v, function = count, session = 1h }"),
        "aggregations[3].session",
        "must be an object { gap = 30m, max-length = 1d }");
    assertProblem(
        replace(
            base,
            base + "\n  { name = v, function = count, session { gap = soon, max-length = 1d } }"),
        "aggregations[3].session.gap",
        "Invalid gap soon");
  }
}
