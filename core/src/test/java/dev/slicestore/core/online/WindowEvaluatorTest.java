package dev.slicestore.core.online;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.testing.NaiveFeatures;
import dev.slicestore.core.testing.OracleEvent;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.SliceAccumulators;
import dev.slicestore.core.testing.Values;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.Slicing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The online read path against a naive oracle over the raw events. Slice hashes are built in memory
 * exactly as online-ingest and compaction write them to Redis (one field per event named by its
 * Kafka coordinates, one compacted entry per compacted slice); the evaluator's result for every
 * feature must equal the oracle applied to the events the window rule selects: {@code sliceIndex(e)
 * > sliceIndex(t) - W/s && e < t} ({@link WindowOracle}).
 */
class WindowEvaluatorTest {
  private static final long SLICE = 10_000L;

  static final FeatureSet FS =
      FeatureSetLoader.parse(
          """
      name = oracle
      version = 3
      source { topics = [t0, t1], schema { k = string, ts = long, l = long, d = double, s = string } }
      entity-key = k
      event-time { column = ts, format = epoch-millis }
      slice = 10s
      windows = [10s, 30s, 1m, 5m]
      aggregations = [
        { name = rows, function = count }
        { name = l_count, function = count, input = l }
        { name = l_sum, function = sum, input = l }
        { name = d_sum, function = sum, input = d }
        { name = l_mean, function = mean, input = l }
        { name = d_mean, function = mean, input = d }
        { name = l_min, function = min, input = l }
        { name = l_max, function = max, input = l, windows = [20s, 2m] }
        { name = d_min, function = min, input = d }
        { name = d_max, function = max, input = d }
        { name = s_min, function = min, input = s, windows = [10s, 40s] }
        { name = s_max, function = max, input = s }
        { name = s_count, function = count, input = s }
      ]
      """,
          "oracle.conf");

  private static final OnlineLayout LAYOUT = new OnlineLayout(FS);
  private static final Slicing SLICING = FS.slicing();

  /**
   * One event: entity, event time, Kafka coordinates, and its input values (FS.inputColumns()
   * order).
   */
  record Event(String entity, long time, int topic, int partition, long offset, Object[] inputs)
      implements OracleEvent {
    @Override
    public EventPosition position() {
      return new EventPosition(time, topic, partition, offset);
    }

    @Override
    public String toString() {
      return entity
          + "@"
          + time
          + "["
          + topic
          + ":"
          + partition
          + ":"
          + offset
          + "]"
          + Arrays.toString(inputs);
    }
  }

  /** A fake Redis: key to hash. Hash fields are byte[]; hashes are only put into and iterated. */
  static final class Store {
    final Map<String, Map<byte[], byte[]>> hashes = new HashMap<>();

    Map<byte[], byte[]> get(byte[] key) {
      return hashes.get(new String(key, StandardCharsets.UTF_8));
    }

    void put(byte[] key, Map<byte[], byte[]> hash) {
      hashes.put(new String(key, StandardCharsets.UTF_8), hash);
    }
  }

  private static Object[] randomInputs(Random r, boolean nonFinite) {
    List<InputColumn> cols = FS.inputColumns();
    Object[] inputs = new Object[cols.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = Values.random(r, cols.get(i).type(), 0.2, nonFinite && r.nextInt(30) == 0, true);
    }
    return inputs;
  }

  private static byte[] encodeRow(long time, Object[] inputs) {
    long slice = SLICING.sliceIndex(time);
    return new RowPreAggregate(time, inputs)
        .encode(FS.inputColumns(), SLICING.sliceStartMillis(slice), SLICE);
  }

  /** Builds every slice hash: per-event fields, and for some closed slices a compacted entry. */
  private static Store write(List<Event> events, long t, Random r, boolean compact) {
    Map<String, List<Event>> bySlice = new LinkedHashMap<>();
    for (Event e : events) {
      bySlice
          .computeIfAbsent(
              e.entity() + "\u0000" + SLICING.sliceIndex(e.time()), k -> new ArrayList<>())
          .add(e);
    }
    Store store = new Store();
    for (List<Event> group : bySlice.values()) {
      long slice = SLICING.sliceIndex(group.get(0).time());
      long sliceStart = SLICING.sliceStartMillis(slice);
      List<Map.Entry<byte[], byte[]>> fields = new ArrayList<>();
      CompactedEntry compacted = null;
      if (compact && slice < SLICING.sliceIndex(t) && r.nextBoolean()) {
        List<CoveredRange> ranges = new ArrayList<>();
        for (int topic = 0; topic < 2; topic++) {
          for (int partition = 0; partition < 3; partition++) {
            List<Long> offsets = new ArrayList<>();
            for (Event e : group) {
              if (e.topic() == topic && e.partition() == partition) {
                offsets.add(e.offset());
              }
            }
            Collections.sort(offsets);
            if (r.nextInt(5) == 0) {
              continue;
            }
            if (offsets.isEmpty() || r.nextInt(10) == 0) {
              long at = r.nextInt(50);
              ranges.add(new CoveredRange(topic, partition, at, at + r.nextInt(2)));
            } else {
              int lo = r.nextInt(offsets.size());
              int hi = lo + r.nextInt(offsets.size() - lo);
              long first = Math.max(0, offsets.get(lo) - r.nextInt(2));
              ranges.add(
                  new CoveredRange(topic, partition, first, offsets.get(hi) + 1 + r.nextInt(2)));
            }
          }
        }
        List<Event> covered = new ArrayList<>();
        long maxTime = sliceStart;
        for (Event e : group) {
          if (ranges.stream().anyMatch(cr -> cr.covers(e.topic(), e.partition(), e.offset()))) {
            covered.add(e);
            maxTime = Math.max(maxTime, e.time());
          }
        }
        compacted =
            new CompactedEntry(
                covered.size(),
                maxTime,
                ranges,
                SliceAccumulators.mergedFromHalves(FS, covered, r));
        fields.add(Map.entry(OnlineLayout.compactedField(), compacted.encode(FS, sliceStart)));
      }
      for (Event e : group) {
        byte[] field = LAYOUT.eventField(e.topic(), e.partition(), e.offset());
        if (compacted == null || !compacted.covers(e.topic(), e.partition(), e.offset())) {
          fields.add(Map.entry(field, encodeRow(e.time(), e.inputs())));
        } else {
          int fate = r.nextInt(10);
          if (fate < 3) {
            fields.add(
                Map.entry(field, encodeRow(e.time(), e.inputs()))); // replayed after compaction
          } else if (fate < 6) {
            long bogusTime = sliceStart + r.nextInt((int) SLICE); // must be ignored
            fields.add(Map.entry(field, encodeRow(bogusTime, randomInputs(r, false))));
          } // else deleted by compaction
        }
      }
      Collections.shuffle(fields, r);
      Map<byte[], byte[]> hash = new LinkedHashMap<>();
      for (Map.Entry<byte[], byte[]> f : fields) {
        hash.put(f.getKey(), f.getValue());
      }
      store.put(LAYOUT.sliceKey(group.get(0).entity(), slice), hash);
    }
    return store;
  }

  private static FeatureVector evaluate(
      WindowEvaluator evaluator, Store store, String entity, long t, Random r) {
    List<byte[]> keys = evaluator.sliceKeys(entity, t);
    assertThat(keys).hasSize(evaluator.sliceCount());
    List<Map<byte[], byte[]>> hashes = new ArrayList<>();
    for (byte[] key : keys) {
      Map<byte[], byte[]> h = store.get(key);
      hashes.add(h == null && r.nextBoolean() ? Map.of() : h);
    }
    // missing oldest hashes may be left off the list
    while (!hashes.isEmpty()
        && (hashes.get(hashes.size() - 1) == null || hashes.get(hashes.size() - 1).isEmpty())
        && r.nextBoolean()) {
      hashes.remove(hashes.size() - 1);
    }
    return evaluator.evaluate(t, hashes);
  }

  /** The oracle: select the window's events by the rule, aggregate their raw values naively. */
  private static void assertMatchesOracle(
      FeatureVector fv,
      List<Feature> features,
      List<Event> events,
      String entity,
      long t,
      String ctx) {
    assertThat(fv.error()).as(ctx).isNull();
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      Aggregation agg = FS.aggregations().get(f.aggregationIndex());
      List<Object> values = new ArrayList<>();
      for (Event e : events) {
        if (e.entity().equals(entity)
            && WindowOracle.inWindow(e.time(), t, f.windowMillis(), SLICE)) {
          values.add(e.input(agg));
        }
      }
      NaiveFeatures.assertNaive(
          fv, i, agg, values, String.format("%s: %s at t=%d over %s", ctx, f.name(), t, values));
    }
  }

  private static List<Event> randomEvents(
      Random r, long base, int n, String[] entities, boolean nonFinite) {
    long[][] nextOffset = new long[2][3];
    for (long[] row : nextOffset) {
      for (int p = 0; p < row.length; p++) {
        row[p] = r.nextInt(20);
      }
    }
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long time = base - 7 * 60_000 + (long) (r.nextDouble() * 8 * 60_000);
      int kind = r.nextInt(10);
      if (kind < 3) {
        time = SLICING.sliceStartMillis(SLICING.sliceIndex(time)); // exactly at a slice start
      } else if (kind == 3) {
        time = SLICING.sliceStartMillis(SLICING.sliceIndex(time)) - 1; // last ms of a slice
      } else if (kind == 4 && !events.isEmpty()) {
        time = events.get(r.nextInt(events.size())).time(); // same time as another event
      }
      int topic = r.nextInt(2);
      int partition = r.nextInt(3);
      events.add(
          new Event(
              entities[r.nextInt(entities.length)],
              time,
              topic,
              partition,
              nextOffset[topic][partition]++,
              randomInputs(r, nonFinite)));
    }
    return events;
  }

  private static long randomBase(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> -(long) (r.nextDouble() * 1e12); // before 1970
      case 1 -> (long) (r.nextDouble() * 1_200_000) - 600_000; // across the epoch
      default -> 1_322_727_960_000L + (long) (r.nextDouble() * 1e10);
    };
  }

  private static long randomT(Random r, long base, List<Event> events) {
    int kind = r.nextInt(10);
    long t = base - 60_000 + (long) (r.nextDouble() * 120_000);
    if (kind < 3) {
      return SLICING.sliceStartMillis(SLICING.sliceIndex(t));
    } else if (kind < 5 && !events.isEmpty()) {
      return events.get(r.nextInt(events.size())).time();
    } else if (kind < 6 && !events.isEmpty()) {
      return events.get(r.nextInt(events.size())).time() + 1;
    } else if (kind < 7) {
      return SLICING.sliceStartMillis(SLICING.sliceIndex(t)) - 1;
    }
    return t;
  }

  @Test
  void everyFeatureMatchesTheNaiveOracle() {
    Random r = Seeds.random("WindowEvaluatorTest.everyFeatureMatchesTheNaiveOracle");
    String[] entities = {"17850", "a}:1", "{x}"};
    for (int trial = 0; trial < 100; trial++) {
      long base = randomBase(r);
      boolean nonFinite = trial % 5 == 0;
      List<Event> events = randomEvents(r, base, r.nextInt(150), entities, nonFinite);
      long t = randomT(r, base, events);
      Store store = write(events, t, r, trial % 3 != 0);
      List<Feature> features = new ArrayList<>(FS.features());
      Collections.shuffle(features, r);
      if (r.nextBoolean()) {
        features = features.subList(0, 1 + r.nextInt(features.size()));
      }
      WindowEvaluator evaluator = new WindowEvaluator(FS, features);
      assertThat(evaluator.features()).isEqualTo(features);
      String trialCtx = Seeds.describe() + " trial " + trial + " t=" + t + " events " + events;
      for (String entity : entities) {
        String ctx = trialCtx + " entity " + entity;
        assertMatchesOracle(
            evaluate(evaluator, store, entity, t, r), features, events, entity, t, ctx);
      }
      // an entity without data: every feature is its function's empty result
      assertMatchesOracle(
          evaluate(evaluator, store, "nobody", t, r), features, events, "nobody", t, "nobody");
    }
  }

  @Test
  void sliceKeysAreNewestFirstOverTheLongestWindow() {
    WindowEvaluator all = new WindowEvaluator(FS, FS.features());
    assertThat(all.sliceCount()).isEqualTo(30); // 5m / 10s
    long t = 1_322_727_965_000L;
    List<byte[]> keys = all.sliceKeys("17850", t);
    long current = SLICING.sliceIndex(t);
    for (int j = 0; j < keys.size(); j++) {
      assertThat(new String(keys.get(j), StandardCharsets.UTF_8))
          .isEqualTo("ss:oracle:3:{17850}:" + (current - j));
    }
    WindowEvaluator short1 =
        new WindowEvaluator(FS, List.of(FS.feature("s_min_10s"), FS.feature("l_max_20s")));
    assertThat(short1.sliceCount()).isEqualTo(2);
    assertThat(short1.sliceKeys("k", -1))
        .extracting(b -> new String(b, StandardCharsets.UTF_8))
        .containsExactly("ss:oracle:3:{k}:-1", "ss:oracle:3:{k}:-2");
  }

  // ---- hand-built cases -------------------------------------------------------------------

  private static final long T = 1_322_727_965_000L; // inside slice 132272796
  private static final long CURRENT = T / SLICE * SLICE; // its start
  private static final List<Feature> ROWS_AND_SUM =
      List.of(
          FS.feature("rows_10s"),
          FS.feature("rows_30s"),
          FS.feature("l_sum_30s"),
          FS.feature("l_max_20s"));

  private static Object[] inputs(Long l) {
    Object[] in = new Object[FS.inputColumns().size()];
    in[FS.inputColumns().indexOf(new InputColumn("l", ValueType.LONG))] = l;
    return in;
  }

  private static Map<byte[], byte[]> hash() {
    return new TreeMap<>(Arrays::compare);
  }

  private static void putEvent(
      Map<byte[], byte[]> hash, int topic, int partition, long offset, long time, long l) {
    hash.put(LAYOUT.eventField(topic, partition, offset), encodeRow(time, inputs(l)));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static byte[] compacted(
      long sliceStart, long maxTime, List<CoveredRange> ranges, long... ls) {
    List<Object> accs = new ArrayList<>();
    for (Aggregation agg : FS.aggregations()) {
      AggregateFunction f = agg.function();
      Object acc = f.createAccumulator();
      for (long l : ls) {
        acc = f.add(acc, agg.inputSlot() < 0 ? null : inputs(l)[agg.inputSlot()], null);
      }
      accs.add(acc);
    }
    return new CompactedEntry(ls.length, maxTime, ranges, accs).encode(FS, sliceStart);
  }

  @Test
  void eventsAtOrAfterTAndInFutureSlicesAreLeftOut() {
    Map<byte[], byte[]> current = hash();
    putEvent(current, 0, 0, 1, CURRENT, 1); // slice start: in
    putEvent(current, 0, 0, 2, T - 1, 10); // just before t: in
    putEvent(current, 0, 0, 3, T, 100); // at t: out
    putEvent(current, 0, 0, 4, T + 1, 1_000); // after t, same slice: out
    Map<byte[], byte[]> previous = hash();
    putEvent(previous, 0, 1, 1, CURRENT - 1, 10_000); // last ms of the previous slice
    FeatureVector fv =
        new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, List.of(current, previous));
    assertThat(fv.values()).containsExactly(2L, 3L, 10_011L, 10_000L);
    assertThat(fv.statuses()).containsOnly(FeatureStatus.PRESENT);
    assertThat(fv.error()).isNull();

    // at t = slice start, the current slice holds nothing before t
    FeatureVector atStart =
        new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(CURRENT, List.of(current, previous));
    assertThat(atStart.values()).containsExactly(0L, 1L, 10_000L, 10_000L);
    assertThat(atStart.statuses())
        .containsExactly(
            FeatureStatus.EMPTY,
            FeatureStatus.PRESENT,
            FeatureStatus.PRESENT,
            FeatureStatus.PRESENT);
  }

  @Test
  void compactedEntryHidesFieldsInsideItsRangesOnly() {
    long sliceStart = CURRENT - SLICE;
    Map<byte[], byte[]> h = hash();
    // compaction read partition 0 offsets [6, 9) = events 6, 7, 8 (l = 6, 7, 8) and nothing of
    // partition 1
    h.put(
        OnlineLayout.compactedField(),
        compacted(sliceStart, sliceStart + 8, List.of(new CoveredRange(0, 0, 6, 9)), 6, 7, 8));
    putEvent(h, 0, 0, 5, sliceStart + 5, 5); // below the range: kept
    putEvent(h, 0, 0, 6, sliceStart + 6, 6); // replayed after compaction: ignored
    putEvent(h, 0, 0, 7, sliceStart + 7, 1_000_000); // inside the range, whatever it holds: ignored
    putEvent(h, 0, 0, 9, sliceStart + 9, 9); // arrived after compaction: merged
    putEvent(h, 1, 0, 7, sliceStart + 7, 70); // same partition and offset, other topic: merged
    putEvent(h, 0, 1, 7, sliceStart + 7, 700); // other partition: merged
    FeatureVector fv = new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, List.of(Map.of(), h));
    assertThat(fv.values()).containsExactly(0L, 7L, 6L + 7 + 8 + 5 + 9 + 70 + 700, 700L);
    assertThat(fv.statuses())
        .containsExactly(
            FeatureStatus.EMPTY,
            FeatureStatus.PRESENT,
            FeatureStatus.PRESENT,
            FeatureStatus.PRESENT);
  }

  @Test
  void aSliceWithOnlyACompactedEntryIsItsAggregate() {
    long sliceStart = CURRENT - 2 * SLICE;
    Map<byte[], byte[]> h = hash();
    h.put(
        OnlineLayout.compactedField(),
        compacted(sliceStart, sliceStart + 1, List.of(new CoveredRange(1, 2, 0, 3)), 1, 2, 3));
    FeatureVector fv =
        new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, Arrays.asList(null, Map.of(), h));
    assertThat(fv.values()).containsExactly(0L, 3L, 6L, null);
    assertThat(fv.statuses())
        .containsExactly(
            FeatureStatus.EMPTY, FeatureStatus.PRESENT, FeatureStatus.PRESENT, FeatureStatus.EMPTY);
  }

  @Test
  void currentSliceCompactedBeforeTIsMergedAndAfterTIsAnError() {
    Map<byte[], byte[]> h = hash();
    h.put(
        OnlineLayout.compactedField(),
        compacted(CURRENT, T - 1, List.of(new CoveredRange(0, 0, 0, 2)), 4, 5));
    putEvent(h, 0, 0, 2, T - 1, 6);
    FeatureVector ok = new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, List.of(h));
    assertThat(ok.values()).containsExactly(3L, 3L, 15L, 6L);

    Map<byte[], byte[]> late = hash();
    late.put(
        OnlineLayout.compactedField(),
        compacted(CURRENT, T, List.of(new CoveredRange(0, 0, 0, 2)), 4, 5));
    FeatureVector error = new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, List.of(late));
    assertThat(error.statuses()).containsOnly(FeatureStatus.ERROR);
    assertThat(error.values()).containsOnlyNulls();
    assertThat(error.error()).contains("compacted before it closed");
  }

  @Test
  void corruptStoredDataGivesErrorStatusesNotExceptions() {
    long prev = CURRENT - SLICE;
    Map<String, Map<byte[], byte[]>> cases = new LinkedHashMap<>();
    for (String field :
        new String[] {"abc", "1:2:3:4", "1:", "", "4294967297:5", "0:99999999999999999999:1"}) {
      Map<byte[], byte[]> h = hash();
      putEvent(h, 0, 0, 1, prev + 1, 1);
      h.put(field.getBytes(StandardCharsets.UTF_8), encodeRow(prev + 2, inputs(2L)));
      cases.put("field name '" + field + "'", h);
    }
    byte[] good = encodeRow(prev + 2, inputs(2L));
    byte[][] values = {
      new byte[0],
      Arrays.copyOf(good, good.length - 1),
      Arrays.copyOf(good, good.length + 2),
      OnlineFormatV1Test.bytes(9, 0, 0)
    };
    for (int i = 0; i < values.length; i++) {
      Map<byte[], byte[]> h = hash();
      h.put(LAYOUT.eventField(0, 0, 1), values[i]);
      cases.put("row value #" + i, h);
    }
    byte[] entry = compacted(prev, prev, List.of(new CoveredRange(0, 0, 0, 1)), 1);
    byte[] badVersion = entry.clone();
    badVersion[0] = 3; // versions 1 and 2 exist
    // covered range with a first offset of 2^63 (negative as a long)
    byte[] negativeOffset =
        OnlineFormatV1Test.bytes(
            1, 0, 0, 1, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00,
            0x00);
    for (byte[] bad :
        new byte[][] {
          badVersion, Arrays.copyOf(entry, entry.length - 1), negativeOffset, new byte[0]
        }) {
      Map<byte[], byte[]> h = hash();
      h.put(OnlineLayout.compactedField(), bad);
      cases.put("compacted " + Arrays.toString(bad), h);
    }
    for (Map.Entry<String, Map<byte[], byte[]>> c : cases.entrySet()) {
      FeatureVector fv =
          new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, List.of(Map.of(), c.getValue()));
      assertThat(fv.statuses()).as(c.getKey()).containsOnly(FeatureStatus.ERROR);
      assertThat(fv.values()).as(c.getKey()).containsOnlyNulls();
      assertThat(fv.error()).as(c.getKey()).contains("Corrupt");
    }
    // a slice outside every requested window is not read at all
    FeatureVector outside =
        new WindowEvaluator(FS, List.of(FS.feature("rows_10s")))
            .evaluate(T, List.of(Map.of(), cases.values().iterator().next()));
    assertThat(outside.statuses()).containsExactly(FeatureStatus.EMPTY);
  }

  @Test
  void longSumOverflowIsAnErrorOfThatFeatureOnly() {
    Map<byte[], byte[]> h = hash();
    putEvent(h, 0, 0, 1, CURRENT, Long.MAX_VALUE);
    putEvent(h, 0, 0, 2, CURRENT + 1, 1);
    // rows_10s, rows_30s, l_sum_30s, l_max_20s: only the sum overflows
    FeatureVector fv = new WindowEvaluator(FS, ROWS_AND_SUM).evaluate(T, List.of(h));
    assertThat(fv.statuses())
        .containsExactly(
            FeatureStatus.PRESENT,
            FeatureStatus.PRESENT,
            FeatureStatus.ERROR,
            FeatureStatus.PRESENT);
    assertThat(fv.values()).containsExactly(2L, 2L, null, Long.MAX_VALUE);
    assertThat(fv.error()).startsWith("l_sum_30s: ");
  }

  @Test
  void singleTopicFeatureSetsUsePartitionOffsetFields() {
    FeatureSet single =
        FeatureSetLoader.parse(
            """
        name = single
        version = 1
        source { topics = [t], schema { k = string, ts = long, x = double } }
        entity-key = k
        event-time { column = ts, format = epoch-millis }
        slice = 1m
        windows = [1m, 3m]
        aggregations = [ { name = x_sum, function = sum, input = x }, { name = n, function = count } ]
        """,
            "single.conf");
    OnlineLayout layout = new OnlineLayout(single);
    long t = 10 * 60_000L + 30_000;
    List<InputColumn> cols = single.inputColumns();
    Map<byte[], byte[]> cur = hash();
    cur.put(
        layout.eventField(0, 2, 41),
        new RowPreAggregate(t - 1, new Object[] {0.1}).encode(cols, 600_000, 60_000));
    Map<byte[], byte[]> old = hash();
    old.put(
        layout.eventField(0, 2, 40),
        new RowPreAggregate(480_000, new Object[] {0.2}).encode(cols, 480_000, 60_000));
    assertThat(new String(cur.keySet().iterator().next(), StandardCharsets.US_ASCII))
        .isEqualTo("2:41");
    WindowEvaluator ev = new WindowEvaluator(single, single.features());
    FeatureVector fv = ev.evaluate(t, List.of(cur, Map.of(), old));
    assertThat(single.features())
        .extracting(Feature::name)
        .containsExactly("x_sum_1m", "x_sum_3m", "n_1m", "n_3m");
    double exact = new java.math.BigDecimal(0.1).add(new java.math.BigDecimal(0.2)).doubleValue();
    assertThat(fv.values()).containsExactly(0.1, exact, 1L, 2L);
    assertThat(fv)
        .isEqualTo(
            new FeatureVector(
                new Object[] {0.1, exact, 1L, 2L},
                new FeatureStatus[] {
                  FeatureStatus.PRESENT,
                  FeatureStatus.PRESENT,
                  FeatureStatus.PRESENT,
                  FeatureStatus.PRESENT
                },
                null));
  }
}
