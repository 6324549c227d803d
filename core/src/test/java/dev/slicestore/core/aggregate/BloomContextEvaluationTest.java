package dev.slicestore.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.offline.PointInTimeEvaluator;
import dev.slicestore.core.online.FeatureStatus;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.Slicing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@code bloom_contains} features answered with request context, against a naive oracle (the set of
 * values in the window): online ({@link WindowEvaluator} over slice hashes as Redis holds them) and
 * offline ({@link PointInTimeEvaluator} over encoded slices and events, as training feeds it) give
 * the same answers; membership is exact while the accumulator is still an exact set; an added value
 * is never answered false; the false-positive rate stays within the configured bound.
 */
class BloomContextEvaluationTest {
  private static final long MINUTE = 60_000L;

  static final FeatureSet FS =
      FeatureSetLoader.parse(
          """
      name = cards
      version = 1
      source { topics = [tx], schema { card = string, ts = long, merchant = string, mcc = long, amount = double } }
      entity-key = card
      event-time { column = ts, format = epoch-millis }
      slice = 1m
      windows = [1m, 10m, 1h]
      aggregations = [
        { name = tx, function = count }
        { name = merchant_seen, function = bloom_contains, input = merchant,
          params { expected-items = 200, false-positive-rate = 0.01 } }
        { name = mcc_seen, function = bloom_contains, input = mcc, context = category, windows = [1h],
          params { expected-items = 50, false-positive-rate = 0.05 } }
      ]
      """,
          "cards.conf");
  private static final Slicing SLICING = FS.slicing();
  private static final OnlineLayout LAYOUT = new OnlineLayout(FS);

  record Event(long time, long offset, String merchant, Long mcc) {
    Object[] inputs() {
      return new Object[] {merchant, mcc};
    }
  }

  @Test
  void contextKeysAndTypesComeFromTheConfiguration() {
    Aggregation merchant = FS.aggregations().get(1);
    Aggregation mcc = FS.aggregations().get(2);
    assertThat(merchant.contextKey()).as("default: the input column").isEqualTo("merchant");
    assertThat(mcc.contextKey()).isEqualTo("category");
    assertThat(FS.aggregations().get(0).contextKey()).isNull();
    assertThat(FS.feature("merchant_seen_1h").result())
        .isEqualTo(ResultType.scalar(ValueType.BOOLEAN));
    assertThat(merchant.function().result())
        .as("the context-free slice summary")
        .isEqualTo(ResultType.scalar(ValueType.LONG));
    assertThat(RequestContext.keys(FS, FS.features()))
        .containsExactly(
            Map.entry("merchant", ValueType.STRING), Map.entry("category", ValueType.LONG));
    assertThat(RequestContext.keys(FS, List.of(FS.feature("tx_1m")))).isEmpty();
    assertThat(
            new WindowEvaluator(FS, List.of(FS.feature("mcc_seen_1h"), FS.feature("tx_1h")))
                .contextKeys())
        .containsOnlyKeys("category");
  }

  @Test
  void contextSettingsAreValidatedAtLoadTime() {
    String base =
        """
        name = x
        version = 1
        source { topics = [t], schema { k = string, ts = long, m = string, n = long } }
        entity-key = k
        event-time { column = ts, format = epoch-millis }
        slice = 1m
        windows = [1m]
        aggregations = [ %s ]
        """;
    String bloom = "params { expected-items = 10, false-positive-rate = 0.1 }";
    assertThatThrownBy(
            () ->
                FeatureSetLoader.parse(
                    base.formatted("{ name = s, function = sum, input = n, context = m }"),
                    "x.conf"))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining("aggregations[0].context")
        .hasMessageContaining("function sum takes no request context");
    assertThatThrownBy(
            () ->
                FeatureSetLoader.parse(
                    base.formatted(
                        "{ name = b, function = bloom_contains, input = m, context = \"not a key\", "
                            + bloom
                            + " }"),
                    "x.conf"))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining("Invalid context key 'not a key'");
    assertThatThrownBy(
            () ->
                FeatureSetLoader.parse(
                    base.formatted(
                        "{ name = a, function = bloom_contains, input = m, context = v, "
                            + bloom
                            + " }, "
                            + "{ name = b, function = bloom_contains, input = n, context = v, "
                            + bloom
                            + " }"),
                    "x.conf"))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining("aggregations[1].context")
        .hasMessageContaining(
            "context key 'v' is used by aggregations with inputs of types string and long");
    FeatureSet shared =
        FeatureSetLoader.parse(
            base.formatted(
                "{ name = a, function = bloom_contains, input = m, "
                    + bloom
                    + " }, "
                    + "{ name = b, function = bloom_contains, input = m, windows = [2m], "
                    + bloom
                    + " }"),
            "x.conf");
    assertThat(RequestContext.keys(shared, shared.features())).containsOnlyKeys("m");
  }

  @Test
  void contextValuesConvertFromText() {
    assertThat(RequestContext.convert(ValueType.LONG, "5411")).isEqualTo(5411L);
    assertThat(RequestContext.convert(ValueType.LONG, 7)).isEqualTo(7L);
    assertThat(RequestContext.convert(ValueType.DOUBLE, 3L)).isEqualTo(3.0);
    assertThat(RequestContext.convert(ValueType.DOUBLE, " 2.5")).isEqualTo(2.5);
    assertThat(RequestContext.convert(ValueType.STRING, 42L)).isEqualTo("42");
    assertThat(RequestContext.convert(ValueType.BOOLEAN, "TRUE")).isEqualTo(true);
    assertThat(RequestContext.convert(ValueType.STRING, null)).isNull();
    assertThatThrownBy(() -> RequestContext.convert(ValueType.LONG, "m42"))
        .hasMessage("'m42' is not a long (a decimal integer)");
    assertThatThrownBy(() -> RequestContext.convert(ValueType.LONG, 2.5))
        .hasMessage("a double value does not fit an input column of type long");
    assertThatThrownBy(() -> RequestContext.convert(ValueType.DOUBLE, Long.MAX_VALUE))
        .hasMessageContaining("not exactly representable");
    assertThatThrownBy(() -> RequestContext.convert(ValueType.BOOLEAN, "yes"))
        .hasMessageContaining("not a boolean");
  }

  /**
   * Random events of one card over 90 minutes, merchants from a pool large enough that the 1h
   * window turns into a filter while the 1m window stays an exact set; every pool merchant and some
   * never-seen ones asked at random times, online and offline.
   */
  @Test
  void windowAnswersMatchTheOracleOnlineAndOffline() {
    Random r =
        Seeds.random("BloomContextEvaluationTest.windowAnswersMatchTheOracleOnlineAndOffline");
    BloomContainsFunction merchantFn = (BloomContainsFunction) FS.aggregations().get(1).function();
    long base = 1_700_000_000_000L;
    int exactChecks = 0;
    int filterChecks = 0;
    for (int trial = 0; trial < 20; trial++) {
      int pool = 20 + r.nextInt(400);
      List<Event> events = new ArrayList<>();
      int n = r.nextInt(600);
      for (int i = 0; i < n; i++) {
        long time = base + (long) (r.nextDouble() * 90 * MINUTE);
        if (r.nextInt(10) == 0) {
          time = SLICING.sliceStartMillis(SLICING.sliceIndex(time));
        }
        String merchant = r.nextInt(20) == 0 ? null : "m" + r.nextInt(pool);
        events.add(
            new Event(
                time, i, merchant, r.nextInt(10) == 0 ? null : (long) (5000 + r.nextInt(60))));
      }
      events.sort((a, b) -> Long.compare(a.time(), b.time()));
      Map<String, Map<byte[], byte[]>> store = writeHashes(events);
      List<Long> times = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        times.add(
            i == 0
                ? base - MINUTE
                : i == 1 && !events.isEmpty()
                    ? events.get(r.nextInt(events.size())).time()
                    : base + (long) (r.nextDouble() * 95 * MINUTE));
      }
      times.sort(Long::compare);
      List<Feature> features = FS.features();
      WindowEvaluator online = new WindowEvaluator(FS, features);
      PointInTimeEvaluator offline = new PointInTimeEvaluator(FS, features);

      // queries per time: a pool merchant (maybe seen), a never-seen one, a null
      List<Map<String, Object>> contexts = new ArrayList<>();
      for (int i = 0; i < times.size(); i++) {
        Map<String, Object> ctx = new HashMap<>();
        int q = r.nextInt(10);
        ctx.put(
            "merchant", q == 0 ? null : q < 7 ? "m" + r.nextInt(pool) : "never-" + r.nextInt(1000));
        ctx.put("category", (long) (5000 + r.nextInt(80)));
        contexts.add(ctx);
      }
      List<FeatureVector> swept = sweep(offline, events, times, contexts);
      for (int i = 0; i < times.size(); i++) {
        long t = times.get(i);
        FeatureVector fv = online.evaluate(t, hashes(online, store, t), contexts.get(i));
        assertThat(swept.get(i)).as("offline equals online, trial %d t=%d", trial, t).isEqualTo(fv);
        assertThat(swept.get(i).statuses()).isEqualTo(fv.statuses());
        for (int f = 0; f < features.size(); f++) {
          Feature feature = features.get(f);
          Aggregation agg = FS.aggregations().get(feature.aggregationIndex());
          if (agg.contextKey() == null) {
            continue;
          }
          int slot = agg.inputSlot();
          Set<Object> window = new HashSet<>();
          for (Event e : events) {
            if (WindowOracle.inWindow(e.time(), t, feature.windowMillis(), MINUTE)
                && e.inputs()[slot] != null) {
              window.add(e.inputs()[slot]);
            }
          }
          Object asked = contexts.get(i).get(agg.contextKey());
          String what =
              "trial "
                  + trial
                  + " "
                  + feature.name()
                  + " at t="
                  + t
                  + " asked "
                  + asked
                  + "; "
                  + Seeds.describe();
          if (window.isEmpty()) {
            assertThat(fv.values()[f]).as(what).isNull();
            assertThat(fv.statuses()[f]).as(what).isEqualTo(FeatureStatus.EMPTY);
            continue;
          }
          assertThat(fv.statuses()[f]).as(what).isEqualTo(FeatureStatus.PRESENT);
          if (asked == null) {
            assertThat(fv.values()[f]).as(what).isNull();
          } else if (window.contains(asked)) {
            assertThat(fv.values()[f]).as("no false negative: " + what).isEqualTo(true);
          } else if (agg.name().equals("merchant_seen") && stillExact(merchantFn, window)) {
            assertThat(fv.values()[f]).as("exact set: " + what).isEqualTo(false);
            exactChecks++;
          } else {
            assertThat(fv.values()[f]).as(what).isInstanceOf(Boolean.class);
            filterChecks++;
          }
        }
      }
    }
    assertThat(exactChecks).as("exact-set answers checked").isGreaterThan(20);
    assertThat(filterChecks).as("filter answers checked").isGreaterThan(5);
  }

  /**
   * Whether the accumulator of these distinct string values is still the exact set (its documented
   * switch rule).
   */
  private static boolean stillExact(BloomContainsFunction f, Set<Object> values) {
    BloomContainsFunction.Acc acc = f.createAccumulator();
    for (Object v : values) {
      acc = f.add(acc, v, null);
    }
    return acc.filter == null;
  }

  @Test
  void noFalseNegativesAndFalsePositivesWithinTheBoundOnALargeSample() {
    Random r =
        Seeds.random(
            "BloomContextEvaluationTest.noFalseNegativesAndFalsePositivesWithinTheBoundOnALargeSample");
    for (double p : new double[] {0.01, 0.05}) {
      int expected = 5_000;
      @SuppressWarnings("unchecked")
      AggregateFunction<BloomContainsFunction.Acc> f =
          (AggregateFunction<BloomContainsFunction.Acc>)
              AggregateFunctions.create(
                  "bloom_contains",
                  ValueType.STRING,
                  Map.of("expected-items", expected, "false-positive-rate", p));
      // expected-items distinct values over 24 slices, merged as a window is
      List<BloomContainsFunction.Acc> slices = new ArrayList<>();
      for (int s = 0; s < 24; s++) {
        slices.add(f.createAccumulator());
      }
      Set<String> added = new HashSet<>();
      while (added.size() < expected) {
        String v = "merchant-" + r.nextLong();
        added.add(v);
        int s = r.nextInt(24);
        slices.set(s, f.add(slices.get(s), v, null));
      }
      BloomContainsFunction.Acc window = f.createAccumulator();
      for (BloomContainsFunction.Acc s : slices) {
        window = f.merge(window, s);
      }
      assertThat(window.filter).as("a filter by now").isNotNull();
      for (String v : added) {
        assertThat(f.getFeatureResult(window, v)).as("no false negative for %s", v).isEqualTo(true);
      }
      int trials = 200_000;
      int positives = 0;
      for (int i = 0; i < trials; i++) {
        String v = "other-" + r.nextLong();
        if ((Boolean) f.getFeatureResult(window, v)) {
          positives++;
        }
      }
      double rate = positives / (double) trials;
      // the filter is sized so that the EXPECTED rate is p at n = expected-items; one filter's rate
      // varies around it with its share of set bits (a few percent relative, seen up to 1.04 p),
      // plus 4 standard errors of sampling noise
      double bound = 1.1 * p + 4 * Math.sqrt(p * (1 - p) / trials);
      assertThat(rate)
          .as("false-positive rate at p=%s, %s", p, Seeds.describe())
          .isLessThanOrEqualTo(bound);
      assertThat(rate).as("a real filter has some false positives").isGreaterThan(0);
    }
  }

  @Test
  void emptyWindowsNullValuesAndMissingKeys() {
    long t = 1_700_000_000_000L;
    WindowEvaluator online = new WindowEvaluator(FS, FS.features());
    Map<String, Object> ctx = new HashMap<>();
    ctx.put("merchant", "m1");
    ctx.put("category", null);
    FeatureVector empty = online.evaluate(t, List.of(), ctx);
    for (int i = 0; i < FS.features().size(); i++) {
      if (FS.features().get(i).name().contains("_seen_")) {
        assertThat(empty.values()[i]).isNull();
        assertThat(empty.statuses()[i]).isEqualTo(FeatureStatus.EMPTY);
      }
    }
    Map<String, Map<byte[], byte[]>> store = writeHashes(List.of(new Event(t - 1, 0, "m1", 5411L)));
    FeatureVector fv = online.evaluate(t, hashes(online, store, t), ctx);
    int merchant1m = FS.features().indexOf(FS.feature("merchant_seen_1m"));
    int mcc1h = FS.features().indexOf(FS.feature("mcc_seen_1h"));
    assertThat(fv.values()[merchant1m]).isEqualTo(true);
    assertThat(fv.values()[mcc1h]).as("explicit null context value").isNull();
    assertThat(fv.statuses()[mcc1h]).isEqualTo(FeatureStatus.PRESENT);

    assertThatThrownBy(() -> online.evaluate(t, List.of(), Map.of("merchant", "m1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Feature mcc_seen_1h needs the request context value 'category', which is missing");
    assertThatThrownBy(() -> new PointInTimeEvaluator(FS, FS.features()).evaluate(t))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'merchant', which is missing");
    // features without context need none
    assertThat(
            new WindowEvaluator(FS, List.of(FS.feature("tx_1h"))).evaluate(t, List.of()).values())
        .containsExactly(0L);
  }

  // ---- helpers: the online store as Redis holds it, and the offline sweep as training feeds it
  // ----

  private static Map<String, Map<byte[], byte[]>> writeHashes(List<Event> events) {
    Map<String, Map<byte[], byte[]>> store = new HashMap<>();
    for (Event e : events) {
      long slice = SLICING.sliceIndex(e.time());
      byte[] key = LAYOUT.sliceKey("card-1", slice);
      store
          .computeIfAbsent(new String(key, StandardCharsets.UTF_8), k -> new LinkedHashMap<>())
          .put(
              LAYOUT.eventField(0, 0, e.offset()),
              new RowPreAggregate(e.time(), e.inputs())
                  .encode(FS.inputColumns(), SLICING.sliceStartMillis(slice), FS.sliceMillis()));
    }
    return store;
  }

  private static List<Map<byte[], byte[]>> hashes(
      WindowEvaluator evaluator, Map<String, Map<byte[], byte[]>> store, long t) {
    List<Map<byte[], byte[]>> out = new ArrayList<>();
    for (byte[] key : evaluator.sliceKeys("card-1", t)) {
      out.add(store.get(new String(key, StandardCharsets.UTF_8)));
    }
    return out;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<FeatureVector> sweep(
      PointInTimeEvaluator sweep,
      List<Event> events,
      List<Long> times,
      List<Map<String, Object>> contexts) {
    int[] needed = sweep.neededAggregations();
    TreeMap<Long, List<Event>> bySlice = new TreeMap<>();
    for (Event e : events) {
      bySlice.computeIfAbsent(SLICING.sliceIndex(e.time()), k -> new ArrayList<>()).add(e);
    }
    record Rec(long time, int kind, int index, Object payload) {}
    List<Rec> recs = new ArrayList<>();
    bySlice.forEach(
        (slice, list) ->
            recs.add(new Rec(SLICING.sliceEndMillis(slice), 0, (int) (long) slice, list)));
    for (int i = 0; i < times.size(); i++) {
      recs.add(new Rec(times.get(i), 1, i, null));
    }
    for (Event e : events) {
      recs.add(new Rec(e.time(), 2, 0, e));
    }
    recs.sort(
        (a, b) ->
            a.time() != b.time()
                ? Long.compare(a.time(), b.time())
                : Integer.compare(a.kind(), b.kind()));
    FeatureVector[] out = new FeatureVector[times.size()];
    for (Rec rec : recs) {
      if (rec.kind() == 0) {
        byte[][] accs = new byte[needed.length][];
        for (int a = 0; a < needed.length; a++) {
          Aggregation agg = FS.aggregations().get(needed[a]);
          AggregateFunction fn = agg.function();
          Object acc = fn.createAccumulator();
          for (Event e : (List<Event>) rec.payload()) {
            acc = fn.add(acc, agg.inputSlot() < 0 ? null : e.inputs()[agg.inputSlot()], null);
          }
          ByteWriter w = new ByteWriter(16);
          fn.encode(acc, w);
          accs[a] = w.toByteArray();
        }
        sweep.addSlice(SLICING.sliceIndex(rec.time() - 1), accs);
      } else if (rec.kind() == 1) {
        out[rec.index()] = sweep.evaluate(rec.time(), contexts.get(rec.index()));
      } else {
        Event e = (Event) rec.payload();
        sweep.addEvent(
            new dev.slicestore.core.aggregate.EventPosition(e.time(), 0, 0, e.offset()),
            e.inputs());
      }
    }
    return List.of(out);
  }
}
