package dev.slicestore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.quickstart.replay.EventReplay;
import dev.slicestore.quickstart.replay.ReplayResult;
import dev.slicestore.serving.InProcessFeatureServer;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.RequestContext;
import dev.slicestore.serving.v1.Value;
import dev.slicestore.testkit.TestSpark;
import dev.slicestore.testkit.TestStack;
import dev.slicestore.training.TrainingSetResult;
import dev.slicestore.training.TrainingSets;
import dev.slicestore.training.UncoveredPolicy;
import io.grpc.ManagedChannel;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * The aggregation catalogue end to end on the real retail data: {@code
 * conf/feature-sets/retail_catalogue.conf} (distinct, most frequent and latest products, the
 * priciest product, spend variance, top amounts, percentiles, cancellations, a request-context
 * Bloom feature) through Kafka, online-ingest, serving, compaction and training. Every feature of
 * 300+ customers at several moments equals an independent naive oracle computed from the CSV
 * (exactly, or within the documented bound for sketches) before and after compaction, and the
 * training set built for the served (customer, t, product) rows equals what serving returned
 * (sketches whose results depend on merge order: within their bound of the oracle, and the number
 * of bit-identical rows is printed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogueEndToEndTest {
  private static final Path DATA =
      Path.of(
          System.getProperty("slicestore.sharedData", "../../shared/data"), "online-retail.csv.gz");
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;

  /**
   * One accepted retail line as the feature set sees it; {@code row} orders lines of equal time
   * (send order).
   */
  record Line(
      String customer,
      long time,
      int row,
      String stockCode,
      double unitPrice,
      long quantity,
      double amount) {}

  /** One served answer: customer, reported t, the product context sent, feature name → value. */
  record Served(String customer, long t, String product, Map<String, Object> values) {}

  @TempDir static Path dir;
  TestStack stack;
  FeatureSet fs;
  UnifiedJedis redis;
  final long seed = Long.getLong("slicestore.seed", System.nanoTime());
  final Random rnd = new Random(seed);
  final Map<String, List<Line>> byCustomer = new HashMap<>();
  final List<String> allProducts = new ArrayList<>();
  final List<Served> servedBefore = new ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    assertThat(DATA).as("the retail data set at %s (../shared/data)", DATA).exists();
    System.out.println(
        "CatalogueEndToEndTest seed = " + seed + " (rerun with -Dslicestore.seed=" + seed + ")");
    stack = new TestStack(dir);
    fs = FeatureSetFixtures.shipped("retail_catalogue");
    stack.kafka.createTopic(fs.topics().get(0), 2);
    redis = RedisClients.create(stack.config);
  }

  @AfterAll
  void tearDown() throws Exception {
    Resources.closeInOrder(redis, stack);
  }

  private void loadOracle(long shiftMillis) throws Exception {
    DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    Set<String> products = new HashSet<>();
    int row = 0;
    try (Reader r =
        new InputStreamReader(
            new GZIPInputStream(Files.newInputStream(DATA)), StandardCharsets.UTF_8)) {
      for (CSVRecord rec :
          CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
        row++;
        String customer = rec.get("CustomerID");
        long quantity;
        double price;
        try {
          quantity = Long.parseLong(rec.get("Quantity"));
          price = Double.parseDouble(rec.get("UnitPrice"));
        } catch (NumberFormatException e) {
          continue;
        }
        if (customer == null || customer.isEmpty()) {
          continue;
        }
        if (customer.endsWith(".0")) {
          customer = customer.substring(0, customer.length() - 2);
        }
        long time =
            LocalDateTime.parse(rec.get("InvoiceDate"), f).toInstant(ZoneOffset.UTC).toEpochMilli()
                + shiftMillis;
        Line line =
            new Line(customer, time, row, rec.get("StockCode"), price, quantity, quantity * price);
        byCustomer.computeIfAbsent(customer, k -> new ArrayList<>()).add(line);
        products.add(line.stockCode());
      }
    }
    allProducts.addAll(products);
    Collections.sort(allProducts);
  }

  private static boolean inWindow(long e, long t, long w) {
    return WindowOracle.inWindow(e, t, w, HOUR);
  }

  private List<Line> window(String customer, long t, long w) {
    List<Line> out = new ArrayList<>();
    for (Line l : byCustomer.getOrDefault(customer, List.of())) {
      if (inWindow(l.time(), t, w)) {
        out.add(l);
      }
    }
    out.sort(Comparator.comparingLong(Line::time).thenComparingInt(Line::row));
    return out;
  }

  /**
   * The current session at t, naively: the lines of the max-length lookback before t; none if the
   * last is a gap or more before t; else the run at the end with no two consecutive lines a gap or
   * more apart.
   */
  private List<Line> session(String customer, long t, long gap, long maxLength) {
    List<Line> lines = window(customer, t, maxLength);
    if (lines.isEmpty() || t - lines.get(lines.size() - 1).time() >= gap) {
      return List.of();
    }
    int start = lines.size() - 1;
    while (start > 0 && lines.get(start).time() - lines.get(start - 1).time() < gap) {
      start--;
    }
    return lines.subList(start, lines.size());
  }

  private static Object column(Line l, String column) {
    return switch (column) {
      case "StockCode" -> l.stockCode();
      case "UnitPrice" -> l.unitPrice();
      case "Quantity" -> l.quantity();
      case "amount" -> l.amount();
      case "cancelled" -> l.quantity() < 0;
      default -> throw new IllegalArgumentException("the oracle does not know column " + column);
    };
  }

  private static BigDecimal exact(double d) {
    return new BigDecimal(d);
  }

  /**
   * Checks one served or trained value against the naive oracle; returns null when it is correct.
   *
   * @param actual the value in the test's normal form: Long, Double, String, Boolean, List of
   *     those, or a list of {@code Object[] {item, count, errorBound}}
   */
  private String check(Feature f, String customer, long t, String product, Object actual) {
    Aggregation agg = fs.aggregations().get(f.aggregationIndex());
    List<Line> lines =
        f.isSession()
            ? session(customer, t, f.sessionGapMillis(), f.windowMillis())
            : window(customer, t, f.windowMillis());
    List<Object> values = new ArrayList<>();
    for (Line l : lines) {
      Object v = agg.inputColumn() == null ? null : column(l, agg.inputColumn());
      if (agg.inputColumn() == null || v != null) {
        values.add(v);
      }
    }
    String fn = agg.function().name();
    Object expected;
    switch (fn) {
      case "count" -> expected = (long) values.size();
      case "sum" ->
          expected =
              values.stream()
                  .map(v -> exact((Double) v))
                  .reduce(BigDecimal.ZERO, BigDecimal::add)
                  .doubleValue();
      case "max" ->
          expected = values.stream().map(v -> (Double) v).max(Double::compare).orElse(null);
      case "count_distinct" -> expected = (long) new HashSet<>(values).size();
      case "approx_count_distinct" -> {
        long exactCount = new HashSet<>(values).size();
        long est = (Long) actual;
        return Math.abs(est - exactCount) <= Math.max(2, 0.07 * exactCount)
            ? null
            : "HLL estimate " + est + " vs " + exactCount + " distinct (bound 7%)";
      }
      case "bool_or" ->
          expected = values.isEmpty() ? null : values.stream().anyMatch(v -> (Boolean) v);
      case "last_k" ->
          expected = new ArrayList<>(values.subList(Math.max(0, values.size() - 5), values.size()));
      case "top_k" -> {
        List<Double> sorted = new ArrayList<>();
        values.forEach(v -> sorted.add((Double) v));
        sorted.sort(Comparator.reverseOrder());
        expected = new ArrayList<Object>(sorted.subList(0, Math.min(3, sorted.size())));
      }
      case "argmax" -> {
        Line best = null;
        for (Line l : lines) {
          Object key = column(l, agg.inputColumn());
          if (key != null
              && (best == null
                  || Double.compare((Double) key, (Double) column(best, agg.inputColumn())) > 0)) {
            best = l; // lines are in (time, row) order: the first of equal keys stays
          }
        }
        expected = best == null ? null : column(best, agg.valueColumn());
      }
      case "variance_samp", "stddev_samp" -> {
        if (values.size() < 2) {
          expected = null;
        } else {
          BigDecimal n = BigDecimal.valueOf(values.size());
          BigDecimal s1 = BigDecimal.ZERO;
          BigDecimal s2 = BigDecimal.ZERO;
          for (Object v : values) {
            BigDecimal x = exact((Double) v);
            s1 = s1.add(x);
            s2 = s2.add(x.multiply(x));
          }
          BigDecimal num = n.multiply(s2).subtract(s1.multiply(s1));
          double variance =
              num.divide(n.multiply(n.subtract(BigDecimal.ONE)), new MathContext(60)).doubleValue();
          expected = fn.startsWith("variance") ? variance : Math.sqrt(variance);
        }
      }
      case "most_frequent" -> {
        Map<Object, Long> counts = new HashMap<>();
        values.forEach(v -> counts.merge(v, 1L, Long::sum));
        @SuppressWarnings("unchecked")
        List<Object[]> items = (List<Object[]>) actual;
        // exact while at most 0.75 * max-map-size (128 for k = 5) distinct items; past that the
        // sketch reports only items whose count can exceed its maximum error: possibly fewer than k
        boolean exactMode = counts.size() <= 96;
        if (exactMode ? items.size() != Math.min(5, counts.size()) : items.size() > 5) {
          return "most_frequent returned "
              + items.size()
              + " items for "
              + counts.size()
              + " distinct";
        }
        List<Long> reported = new ArrayList<>();
        for (Object[] item : items) {
          long c = (Long) item[1];
          long eb = (Long) item[2];
          long truth = counts.getOrDefault(item[0], 0L);
          if (truth < c - eb || truth > c) {
            return "most_frequent item "
                + item[0]
                + " count "
                + c
                + " ± "
                + eb
                + " but true count "
                + truth;
          }
          reported.add(c);
        }
        List<Long> sortedReported = new ArrayList<>(reported);
        sortedReported.sort(Comparator.reverseOrder());
        if (!sortedReported.equals(reported)) {
          return "most_frequent items not most frequent first: " + reported;
        }
        if (exactMode) {
          List<Long> top = new ArrayList<>(counts.values());
          top.sort(Comparator.reverseOrder());
          if (!top.subList(0, reported.size()).equals(reported)) {
            return "most_frequent counts "
                + reported
                + " are not the top counts "
                + top.subList(0, reported.size());
          }
        }
        return null;
      }
      case "approx_percentile" -> {
        if (values.isEmpty()) {
          return actual == null ? null : "percentiles of an empty window: " + actual;
        }
        List<Double> sorted = new ArrayList<>();
        values.forEach(v -> sorted.add((Double) v));
        sorted.sort(Double::compare);
        @SuppressWarnings("unchecked")
        List<Object> got = (List<Object>) actual;
        double[] ps = {0.5, 0.9, 0.99};
        double eps = 0.0133 + 1.0 / sorted.size();
        for (int i = 0; i < ps.length; i++) {
          double v = (Double) got.get(i);
          long below = sorted.stream().filter(x -> Double.compare(x, v) < 0).count();
          long atOrBelow = sorted.stream().filter(x -> Double.compare(x, v) <= 0).count();
          if ((double) below / sorted.size() - eps > ps[i]
              || (double) atOrBelow / sorted.size() + eps < ps[i]) {
            return "percentile "
                + ps[i]
                + " = "
                + v
                + " has rank ["
                + below
                + ", "
                + atOrBelow
                + "] of "
                + sorted.size();
          }
        }
        return null;
      }
      case "bloom_contains" -> {
        if (values.isEmpty() || product == null) {
          return actual == null ? null : "bloom of an empty window or null context: " + actual;
        }
        boolean member = values.contains(product);
        if (member && !Boolean.TRUE.equals(actual)) {
          return "bloom false negative for " + product;
        }
        if (!member && Boolean.TRUE.equals(actual)) {
          falsePositives++;
        }
        if (!member) {
          negatives++;
        }
        return actual instanceof Boolean ? null : "bloom result " + actual;
      }
      default ->
          throw new IllegalArgumentException(
              "the oracle does not know function " + fn + " (feature " + f.name() + ")");
    }
    return java.util.Objects.equals(expected, actual)
        ? null
        : "expected " + expected + " but was " + actual;
  }

  long falsePositives;
  long negatives;

  private static Object fromSpark(Object v) {
    if (v instanceof scala.collection.Seq<?> seq) {
      v = scala.jdk.javaapi.CollectionConverters.asJava(seq);
    }
    if (v instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      for (Object x : list) {
        if (x instanceof Row r) {
          out.add(new Object[] {String.valueOf(r.get(0)), r.getLong(1), r.getLong(2)});
        } else {
          out.add(x);
        }
      }
      return out;
    }
    return v;
  }

  /**
   * Queries serving for {@code customers} (each with its own product context) and checks every
   * value.
   */
  private List<Served> serveAndCheck(
      ManagedChannel channel, List<String> customers, Map<String, String> products, String when) {
    FeatureServiceGrpc.FeatureServiceBlockingStub stub =
        FeatureServiceGrpc.newBlockingStub(channel);
    List<Served> out = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int from = 0; from < customers.size(); from += 100) {
      List<String> batch = customers.subList(from, Math.min(customers.size(), from + 100));
      GetFeaturesRequest.Builder req =
          GetFeaturesRequest.newBuilder().setFeatureSet(fs.name()).addAllEntityKeys(batch);
      for (String c : batch) {
        req.addEntityContexts(
            RequestContext.newBuilder()
                .putValues("product", Value.newBuilder().setStringValue(products.get(c)).build()));
      }
      GetFeaturesResponse resp =
          stub.withDeadlineAfter(60, TimeUnit.SECONDS).getFeatures(req.build());
      long t = resp.getEvaluationTimeMillis();
      for (EntityFeatures ef : resp.getEntitiesList()) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < resp.getFeatureNamesCount(); i++) {
          String name = resp.getFeatureNames(i);
          assertThat(ef.getStatuses(i))
              .as("%s %s of %s: %s", when, name, ef.getEntityKey(), ef.getError())
              .isNotEqualTo(FeatureStatus.ERROR);
          Object v = ServedValues.fromProto(ef.getValues(i));
          values.put(name, v);
          String problem =
              check(fs.feature(name), ef.getEntityKey(), t, products.get(ef.getEntityKey()), v);
          if (problem != null) {
            problems.add(
                when
                    + ": "
                    + name
                    + " of customer "
                    + ef.getEntityKey()
                    + " at t="
                    + t
                    + ": "
                    + problem);
          }
        }
        out.add(new Served(ef.getEntityKey(), t, products.get(ef.getEntityKey()), values));
      }
    }
    assertThat(problems).as("features differing from the oracle (seed %d)", seed).isEmpty();
    return out;
  }

  /**
   * Serves at the real clock and, with {@code pastMoments}, also at the current slice's start and
   * inside the previous slice (servers on fixed clocks). After compaction only the real clock is
   * meaningful: compaction here also closed the current slice (its clock runs ahead), and a
   * compacted slice cannot answer for a time inside it (serving reports ERROR rather than count
   * events at or after t).
   */
  private List<Served> serveAtMoments(
      List<String> customers, Map<String, String> products, String when, boolean pastMoments) {
    List<Served> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    long currentStart = Math.floorDiv(now, HOUR) * HOUR;
    List<Clock> clocks =
        !pastMoments
            ? List.of(Clock.systemUTC())
            : List.of(
                Clock.systemUTC(),
                Clock.fixed(Instant.ofEpochMilli(currentStart), ZoneOffset.UTC),
                Clock.fixed(
                    Instant.ofEpochMilli(currentStart - HOUR + 17 * 60_000 + 3_500),
                    ZoneOffset.UTC));
    for (Clock clock : clocks) {
      try (InProcessFeatureServer server =
          InProcessFeatureServer.direct(
              Map.of(fs.name(), fs), redis, stack.config.redisNodes(), clock)) {
        out.addAll(serveAndCheck(server.channel(), customers, products, when));
      } catch (java.io.IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  List<String> customers;
  Map<String, String> products;

  @Test
  @Order(1)
  void everyCatalogueFeatureServedEqualsTheOracleBeforeAndAfterCompaction() throws Exception {
    ReplayResult replay =
        EventReplay.builder()
            .input(DATA)
            .topic(fs.topics().get(0))
            .bootstrapServers(stack.kafka.bootstrapServers())
            .rebaseTime(true)
            .showProgress(false)
            .build()
            .run();
    loadOracle(replay.shiftMillis());
    SparkSession spark = TestSpark.session();
    RunningIngest ingest = Ingests.startMicroBatch(spark, stack, fs, dir.resolve("checkpoint"));
    try {
      ingest.processAllAvailable();
    } finally {
      ingest.stop();
    }
    System.out.println("catalogue ingest: " + ingest.metrics().describe());
    // customers with purchases in the last 30 days, some without, and unknown ones
    long now = System.currentTimeMillis();
    List<String> active = new ArrayList<>();
    List<String> quiet = new ArrayList<>();
    new TreeMap<>(byCustomer)
        .forEach(
            (c, ls) ->
                (ls.stream().anyMatch(l -> inWindow(l.time(), now, 30 * DAY)) ? active : quiet)
                    .add(c));
    Collections.shuffle(active, rnd);
    Collections.shuffle(quiet, rnd);
    customers = new ArrayList<>(active.subList(0, Math.min(300, active.size())));
    customers.addAll(quiet.subList(0, 20));
    customers.addAll(List.of("no-such-customer", "12346.5"));
    assertThat(customers.size()).isGreaterThanOrEqualTo(300);
    // the product asked about: one the customer bought lately (must be true) or any product (true
    // only if bought)
    products = new HashMap<>();
    for (String c : customers) {
      List<Line> recent = window(c, now, 7 * DAY);
      products.put(
          c,
          !recent.isEmpty() && rnd.nextBoolean()
              ? recent.get(rnd.nextInt(recent.size())).stockCode()
              : allProducts.get(rnd.nextInt(allProducts.size())));
    }
    servedBefore.addAll(serveAtMoments(customers, products, "before compaction", true));
    System.out.println(
        "before compaction: "
            + servedBefore.size()
            + " (customer, t) rows x "
            + fs.features().size()
            + " features equal the oracle; bloom false positives "
            + falsePositives
            + " of "
            + negatives
            + " negatives");

    long slice = fs.sliceMillis();
    long to = (Math.floorDiv(System.currentTimeMillis(), slice) + 1) * slice;
    long from = Math.floorDiv(now, slice) * slice - fs.longestWindowMillis() - DAY;
    System.out.println(
        Compaction.run(
                spark,
                stack.config,
                fs,
                from,
                to,
                CompactionOptions.defaults()
                    .withClock(Clock.offset(Clock.systemUTC(), java.time.Duration.ofHours(2))))
            .describe());
    reportAccumulatorSizes(spark);
    List<Served> after = serveAtMoments(customers, products, "after compaction", false);
    System.out.println(
        "after compaction: "
            + after.size()
            + " (customer, t) rows x "
            + fs.features().size()
            + " features equal the oracle; bloom false positives "
            + falsePositives
            + " of "
            + negatives
            + " negatives");
    assertThat(falsePositives)
        .as("bloom false positives, configured at 1%")
        .isLessThanOrEqualTo(Math.max(3, negatives * 3 / 100));
  }

  /**
   * Prints bytes per (customer, hour) slice per aggregation, from the slices table's exact
   * accumulator bytes (a measurement).
   */
  private void reportAccumulatorSizes(SparkSession spark) {
    String table = "slicestore.slicestore." + fs.name() + "_slices";
    List<org.apache.spark.sql.Column> aggs = new ArrayList<>();
    for (Aggregation a : fs.aggregations()) {
      org.apache.spark.sql.Column len =
          org.apache.spark.sql.functions.length(
              org.apache.spark.sql.functions.col(a.name() + "_acc"));
      aggs.add(org.apache.spark.sql.functions.avg(len));
      aggs.add(org.apache.spark.sql.functions.max(len));
    }
    Row r =
        spark
            .table(table)
            .agg(
                org.apache.spark.sql.functions.count(org.apache.spark.sql.functions.lit(1)),
                aggs.toArray(org.apache.spark.sql.Column[]::new))
            .first();
    StringBuilder sb =
        new StringBuilder(
            String.format(
                "accumulator bytes per (customer, hour) slice of the retail data,"
                    + " %,d slices (mean / max):%n",
                r.getLong(0)));
    for (int i = 0; i < fs.aggregations().size(); i++) {
      Aggregation a = fs.aggregations().get(i);
      sb.append(
          String.format(
              "  | `%s` | %s | %.1f | %d |%n",
              a.name(), a.function().name(), r.getDouble(1 + 2 * i), r.getInt(2 + 2 * i)));
    }
    System.out.print(sb);
  }

  @Test
  @Order(2)
  void theTrainingSetEqualsWhatServingReturned() {
    assertThat(servedBefore).as("step 1 ran").isNotEmpty();
    SparkSession spark = TestSpark.session();
    Path spinePath = dir.resolve("catalogue-spine");
    Spines.writeLabelled(
        spark,
        spinePath,
        List.of("product"),
        servedBefore.stream().map(s -> new Object[] {s.customer(), s.t(), s.product()}).toList());
    Path output = dir.resolve("catalogue-training-set");
    TrainingSetResult r =
        TrainingSets.build(
            spark,
            stack.config,
            Spines.request("slicestore", fs, spinePath, output, UncoveredPolicy.FAIL));
    System.out.println(r.describe());
    assertThat(r.writtenRows()).isEqualTo(servedBefore.size());
    List<String> problems = new ArrayList<>();
    Map<String, Integer> identical = new TreeMap<>();
    Map<String, Integer> differing = new TreeMap<>();
    for (Row row : spark.read().parquet(output.toString()).collectAsList()) {
      Served s = servedBefore.get((int) row.getLong(row.fieldIndex("label")));
      for (Map.Entry<String, Object> e : s.values().entrySet()) {
        Object trained = fromSpark(row.get(row.fieldIndex(e.getKey())));
        String fn =
            fs.aggregations().get(fs.feature(e.getKey()).aggregationIndex()).function().name();
        boolean same = deepEquals(trained, e.getValue());
        (same ? identical : differing).merge(fn, 1, Integer::sum);
        if (!same) {
          String problem = check(fs.feature(e.getKey()), s.customer(), s.t(), s.product(), trained);
          boolean orderDependent = fn.equals("approx_percentile") || fn.equals("most_frequent");
          if (!orderDependent || problem != null) {
            problems.add(
                e.getKey()
                    + " of "
                    + s.customer()
                    + " at "
                    + s.t()
                    + ": served "
                    + show(e.getValue())
                    + ", training "
                    + show(trained)
                    + (problem == null ? "" : " (" + problem + ")"));
          }
        }
      }
    }
    System.out.println(
        "training vs serving, bit-identical values per function: "
            + identical
            + "; differing (merge-order"
            + " dependent sketches, within their bound of the oracle): "
            + differing);
    assertThat(problems)
        .as("training values differing from served values (seed %d)", seed)
        .isEmpty();
  }

  private static boolean deepEquals(Object a, Object b) {
    if (a instanceof List<?> la && b instanceof List<?> lb) {
      if (la.size() != lb.size()) {
        return false;
      }
      for (int i = 0; i < la.size(); i++) {
        if (!deepEquals(la.get(i), lb.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Object[] xa && b instanceof Object[] xb) {
      return java.util.Arrays.deepEquals(xa, xb);
    }
    return java.util.Objects.equals(a, b);
  }

  private static String show(Object v) {
    if (v instanceof List<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(x -> parts.add(show(x)));
      return parts.toString();
    }
    return v instanceof Object[] a ? java.util.Arrays.toString(a) : String.valueOf(v);
  }
}
