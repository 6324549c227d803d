package dev.slicestore.core.online;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.offline.PointInTimeEvaluator;
import dev.slicestore.core.testing.NaiveFeatures;
import dev.slicestore.core.testing.OracleEvent;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.SessionOracle;
import dev.slicestore.core.testing.SliceAccumulators;
import dev.slicestore.core.testing.TrainingSweep;
import dev.slicestore.core.testing.Values;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.Sessions;
import dev.slicestore.core.time.Slicing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Session features in both evaluators, serving's {@link WindowEvaluator} over slice hashes
 * (per-event fields and compacted entries covering random offset ranges) and training's {@link
 * PointInTimeEvaluator} sweep, against {@link SessionOracle}, a naive computation over the raw
 * events sorted by time. Events come in bursts whose gaps are drawn around the session gaps
 * (exactly {@code G}, {@code G - 1 ms}, {@code G + 1 ms}), evaluation times exactly at events, one
 * ms later, exactly {@code G} and {@code G - 1 ms} after the last event, on slice boundaries; the
 * lookback (max-length) is shorter than many sessions. Sliding-window features are evaluated in the
 * same pass and checked too.
 */
class SessionEvaluationTest {
  private static final long SLICE = 10_000L;
  static final FeatureSet FS =
      FeatureSetLoader.parse(
          """
      name = sess
      version = 1
      source { topics = [t0, t1], schema { k = string, ts = long, l = long, d = double } }
      entity-key = k
      event-time { column = ts, format = epoch-millis }
      slice = 10s
      windows = [10s, 1m]
      aggregations = [
        { name = rows, function = count, session { gap = 30s, max-length = 2m } }
        { name = l_sum, function = sum, input = l, windows = [30s], session { gap = 10s, max-length = 1m } }
        { name = d_max, function = max, input = d, session { gap = 20s, max-length = 5m } }
        { name = d_mean, function = mean, input = d, session { gap = 1m, max-length = 3m } }
        { name = l_min, function = min, input = l }
      ]
      """,
          "sess.conf");
  private static final OnlineLayout LAYOUT = new OnlineLayout(FS);
  private static final Slicing SLICING = FS.slicing();
  private static final long[] GAPS = {10_000, 20_000, 30_000, 60_000};

  record Event(long time, int topic, int partition, long offset, Object[] inputs)
      implements OracleEvent {
    @Override
    public EventPosition position() {
      return new EventPosition(time, topic, partition, offset);
    }
  }

  @Test
  void featuresAreNamedAfterTheAggregationAndCountAsWindows() {
    assertThat(FS.features())
        .extracting(Feature::name)
        .containsExactly(
            "rows_session",
            "l_sum_30s",
            "l_sum_session",
            "d_max_session",
            "d_mean_session",
            "l_min_10s",
            "l_min_1m");
    Feature rows = FS.feature("rows_session");
    assertThat(rows.isSession()).isTrue();
    assertThat(rows.sessionGapMillis()).isEqualTo(30_000);
    assertThat(rows.windowMillis()).as("the lookback").isEqualTo(120_000);
    assertThat(FS.feature("l_sum_30s").isSession()).isFalse();
    assertThat(FS.longestWindowMillis()).as("max-length of d_max").isEqualTo(300_000);
    assertThat(new WindowEvaluator(FS, List.of(FS.feature("l_sum_session"))).sliceCount())
        .isEqualTo(6);
    assertThat(new WindowEvaluator(FS, FS.features()).sliceCount()).isEqualTo(30);
  }

  // ---- random data against the oracle --------------------------------------------------------

  private static Object[] randomInputs(Random r) {
    List<InputColumn> cols = FS.inputColumns();
    Object[] in = new Object[cols.size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = Values.random(r, cols.get(i).type(), 0.15, false, true);
    }
    return in;
  }

  /** Bursts of events: consecutive gaps drawn around every session gap and the slice size. */
  private static List<Event> randomEvents(Random r, long base, int n) {
    List<Event> events = new ArrayList<>();
    long[] offsets = new long[4];
    long time = base;
    for (int i = 0; i < n; i++) {
      long g = GAPS[r.nextInt(GAPS.length)];
      long delta =
          switch (r.nextInt(12)) {
            case 0 -> 0;
            case 1 -> g - 1;
            case 2 -> g;
            case 3 -> g + 1;
            case 4 -> g + r.nextInt(3 * (int) SLICE);
            case 5 -> 2 * 60_000 + r.nextInt(4 * 60_000); // beyond every max-length
            case 6 -> SLICE - Math.floorMod(time, SLICE); // to the next slice start
            default -> r.nextInt(5_000);
          };
      time += delta;
      if (r.nextInt(15) == 0) {
        time = SLICING.sliceStartMillis(SLICING.sliceIndex(time) + 1) - 1; // last ms of a slice
      }
      int topic = r.nextInt(2);
      int partition = r.nextInt(2);
      events.add(
          new Event(time, topic, partition, offsets[topic * 2 + partition]++, randomInputs(r)));
    }
    Collections.shuffle(events, r);
    return events;
  }

  private static List<Long> randomTimes(Random r, long base, List<Event> events, int n) {
    List<Long> times = new ArrayList<>();
    long last = events.stream().mapToLong(Event::time).max().orElse(base);
    for (int i = 0; i < n; i++) {
      long t;
      Event e = events.isEmpty() ? null : events.get(r.nextInt(events.size()));
      long g = GAPS[r.nextInt(GAPS.length)];
      int kind = e == null ? 9 : r.nextInt(10);
      t =
          switch (kind) {
            case 0 -> e.time(); // exactly at an event: excluded
            case 1 -> e.time() + 1;
            case 2 -> e.time() + g; // exactly a gap after an event
            case 3 -> e.time() + g - 1;
            case 4 -> SLICING.sliceStartMillis(SLICING.sliceIndex(e.time()) + 1 + r.nextInt(4));
            case 5 -> e.time() + r.nextInt(90_000);
            default -> base - 60_000 + (long) (r.nextDouble() * (last - base + 8 * 60_000));
          };
      times.add(t);
    }
    return times;
  }

  private static byte[] row(Event e) {
    return new RowPreAggregate(e.time(), e.inputs())
        .encode(FS.inputColumns(), SLICING.sliceStartMillis(SLICING.sliceIndex(e.time())), SLICE);
  }

  /**
   * One entity's slice hashes as Redis holds them: per-event fields, and for random closed slices a
   * version-2 compacted entry covering random offset ranges (covered fields deleted, replayed or
   * replaced by bogus values that must be ignored).
   */
  private static Map<Long, Map<byte[], byte[]>> write(List<Event> events, long t, Random r) {
    TreeMap<Long, List<Event>> bySlice = new TreeMap<>();
    events.forEach(
        e -> bySlice.computeIfAbsent(SLICING.sliceIndex(e.time()), k -> new ArrayList<>()).add(e));
    Map<Long, Map<byte[], byte[]>> out = new HashMap<>();
    bySlice.forEach(
        (slice, group) -> {
          long sliceStart = SLICING.sliceStartMillis(slice);
          CompactedEntry compacted = null;
          List<Map.Entry<byte[], byte[]>> fields = new ArrayList<>();
          if (slice < SLICING.sliceIndex(t) && r.nextInt(3) > 0) {
            List<CoveredRange> ranges = new ArrayList<>();
            for (int topic = 0; topic < 2; topic++) {
              for (int partition = 0; partition < 2; partition++) {
                final int tp = topic;
                final int pp = partition;
                List<Long> offsets =
                    group.stream()
                        .filter(e -> e.topic() == tp && e.partition() == pp)
                        .map(Event::offset)
                        .sorted()
                        .toList();
                if (offsets.isEmpty() || r.nextInt(4) == 0) {
                  continue;
                }
                int lo = r.nextInt(3) == 0 ? r.nextInt(offsets.size()) : 0;
                int hi =
                    r.nextInt(3) == 0 ? lo + r.nextInt(offsets.size() - lo) : offsets.size() - 1;
                ranges.add(
                    new CoveredRange(topic, partition, offsets.get(lo), offsets.get(hi) + 1));
              }
            }
            List<Event> covered =
                group.stream()
                    .filter(
                        e ->
                            ranges.stream()
                                .anyMatch(c -> c.covers(e.topic(), e.partition(), e.offset())))
                    .toList();
            long min = covered.stream().mapToLong(Event::time).min().orElse(sliceStart);
            long max = covered.stream().mapToLong(Event::time).max().orElse(sliceStart);
            compacted =
                new CompactedEntry(
                    covered.size(),
                    min,
                    max,
                    ranges,
                    SliceAccumulators.mergedFromHalves(FS, covered, r));
            fields.add(Map.entry(OnlineLayout.compactedField(), compacted.encode(FS, sliceStart)));
          }
          for (Event e : group) {
            byte[] field = LAYOUT.eventField(e.topic(), e.partition(), e.offset());
            if (compacted == null || !compacted.covers(e.topic(), e.partition(), e.offset())) {
              fields.add(Map.entry(field, row(e)));
            } else if (r.nextInt(4) == 0) {
              fields.add(
                  Map.entry(
                      field,
                      row(
                          new Event(
                              sliceStart + r.nextInt((int) SLICE), 0, 0, 0, randomInputs(r)))));
            }
          }
          Collections.shuffle(fields, r);
          Map<byte[], byte[]> hash = new LinkedHashMap<>();
          fields.forEach(f -> hash.put(f.getKey(), f.getValue()));
          out.put(slice, hash);
        });
    return out;
  }

  private static FeatureVector serve(
      WindowEvaluator evaluator, Map<Long, Map<byte[], byte[]>> hashes, long t) {
    List<byte[]> keys = evaluator.sliceKeys("e", t);
    List<Map<byte[], byte[]>> read = new ArrayList<>();
    long current = SLICING.sliceIndex(t);
    for (int j = 0; j < keys.size(); j++) {
      assertThat(new String(keys.get(j), StandardCharsets.UTF_8)).endsWith(":" + (current - j));
      read.add(hashes.get(current - j));
    }
    return evaluator.evaluate(t, read);
  }

  /**
   * Training's sweep over the same events: slices (with first/last times) at their end,
   * evaluations, events.
   */
  static List<FeatureVector> train(
      PointInTimeEvaluator sweep, List<Event> events, List<Long> times) {
    int[] needed = sweep.neededAggregations();
    return TrainingSweep.feed(
        sweep, SLICING, events, times, list -> SliceAccumulators.encoded(FS, needed, list), null);
  }

  /**
   * @return how many session features were non-empty
   */
  private static int assertOracle(
      FeatureVector fv, List<Feature> features, List<Event> events, long t, String ctx) {
    assertThat(fv.error()).as(ctx).isNull();
    int present = 0;
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      Aggregation agg = FS.aggregations().get(f.aggregationIndex());
      List<Event> selected;
      if (f.isSession()) {
        selected =
            SessionOracle.session(
                events, Event::time, t, SLICE, f.sessionGapMillis(), f.windowMillis());
      } else {
        selected = WindowOracle.select(events, Event::time, t, f.windowMillis(), SLICE);
      }
      boolean nonEmpty =
          NaiveFeatures.assertNaive(
              fv,
              i,
              agg,
              NaiveFeatures.inputs(agg, selected),
              String.format("%s: %s at t=%d over %s", ctx, f.name(), t, selected));
      if (f.isSession() && nonEmpty) {
        present++;
      }
    }
    return present;
  }

  @Test
  void servingAndTrainingEqualTheNaiveOracle() {
    Random r = Seeds.random("SessionEvaluationTest.servingAndTrainingEqualTheNaiveOracle");
    int evaluations = 0;
    int nonEmptySessions = 0;
    for (int trial = 0; trial < 200; trial++) {
      long base =
          switch (r.nextInt(3)) {
            case 0 -> -(long) (r.nextDouble() * 1e12); // before 1970
            case 1 -> (long) (r.nextDouble() * 600_000) - 300_000; // across the epoch
            default -> 1_322_727_960_000L + (long) (r.nextDouble() * 1e10);
          };
      List<Feature> features = new ArrayList<>(FS.features());
      Collections.shuffle(features, r);
      if (r.nextBoolean()) {
        features = new ArrayList<>(features.subList(0, 1 + r.nextInt(features.size())));
      }
      WindowEvaluator online = new WindowEvaluator(FS, features);
      PointInTimeEvaluator offline = new PointInTimeEvaluator(FS, features);
      List<Event> events = randomEvents(r, base, trial % 10 == 0 ? 0 : r.nextInt(120));
      List<Long> times = randomTimes(r, base, events, 1 + r.nextInt(30));
      List<FeatureVector> trained = train(offline, events, times);
      for (int i = 0; i < times.size(); i++) {
        long t = times.get(i);
        String ctx = Seeds.describe() + " trial " + trial + " t=" + t;
        FeatureVector served = serve(online, write(events, t, r), t);
        nonEmptySessions += assertOracle(served, features, events, t, ctx + " (serving)");
        assertOracle(trained.get(i), features, events, t, ctx + " (training)");
        assertThat(trained.get(i)).as(ctx).isEqualTo(served);
        evaluations++;
      }
    }
    System.out.println(
        "session evaluations: "
            + evaluations
            + ", non-empty session features: "
            + nonEmptySessions);
    assertThat(nonEmptySessions).isGreaterThan(evaluations / 4);
  }

  // ---- hand-built cases ------------------------------------------------------------------------

  private static final long BASE = 1_322_727_960_000L; // a slice start (10 s slices)
  private static final List<Feature> SESSIONS =
      List.of(FS.feature("rows_session"), FS.feature("l_sum_session"));

  private static Event ev(long time, long offset, long l) {
    Object[] in = new Object[FS.inputColumns().size()];
    in[
            FS.inputColumns()
                .indexOf(new InputColumn("l", dev.slicestore.core.aggregate.ValueType.LONG))] =
        l;
    return new Event(time, 0, 0, offset, in);
  }

  /** Serving (uncompacted fields) and training of {@link #SESSIONS} at t; asserts they agree. */
  private static FeatureVector both(List<Event> events, long t) {
    Map<Long, Map<byte[], byte[]>> hashes = new HashMap<>();
    for (Event e : events) {
      hashes
          .computeIfAbsent(SLICING.sliceIndex(e.time()), k -> new LinkedHashMap<>())
          .put(LAYOUT.eventField(e.topic(), e.partition(), e.offset()), row(e));
    }
    FeatureVector served = serve(new WindowEvaluator(FS, SESSIONS), hashes, t);
    FeatureVector trained =
        train(new PointInTimeEvaluator(FS, SESSIONS), events, List.of(t)).get(0);
    assertThat(trained).as("training equals serving at t=%d", t).isEqualTo(served);
    return served;
  }

  @Test
  void aGapOfExactlyGSplitsAndGMinusOneDoesNot() {
    // rows_session: gap 30 s; l_sum_session: gap 10 s
    List<Event> split =
        List.of(ev(BASE + 1_000, 1, 1), ev(BASE + 31_000, 2, 10)); // exactly 30 s apart
    assertThat(both(split, BASE + 31_001).values()).containsExactly(1L, 10L);
    List<Event> joined =
        List.of(ev(BASE + 1_001, 1, 1), ev(BASE + 31_000, 2, 10)); // 30 s - 1 ms apart
    assertThat(both(joined, BASE + 31_001).values()).containsExactly(2L, 10L);
    // 10 s gap with events in adjacent slices: first of slice 1 exactly 10 s after the last of
    // slice 0
    List<Event> adjacent =
        List.of(ev(BASE + 5_000, 1, 1), ev(BASE + 15_000, 2, 10), ev(BASE + 16_000, 3, 100));
    assertThat(both(adjacent, BASE + 20_000).values()).containsExactly(3L, 110L);
    List<Event> adjacentJoined = List.of(ev(BASE + 5_001, 1, 1), ev(BASE + 15_000, 2, 10));
    assertThat(both(adjacentJoined, BASE + 20_000).values()).containsExactly(2L, 11L);
  }

  @Test
  void aSessionEndsExactlyGAfterItsLastEventAndEventsAtTAreLeftOut() {
    List<Event> events = List.of(ev(BASE, 1, 1), ev(BASE + 2_000, 2, 2));
    assertThat(both(events, BASE + 2_000 + 10_000 - 1).values()).containsExactly(2L, 3L);
    FeatureVector ended = both(events, BASE + 2_000 + 10_000);
    assertThat(ended.values()).containsExactly(2L, 0L);
    assertThat(ended.statuses()).containsExactly(FeatureStatus.PRESENT, FeatureStatus.EMPTY);
    assertThat(both(events, BASE + 32_000).values()).containsExactly(0L, 0L);
    // the event at t is not in the session, and the gap to t is measured from the one before
    List<Event> atT = List.of(ev(BASE, 1, 1), ev(BASE + 20_000, 2, 2));
    assertThat(both(atT, BASE + 20_000).values()).containsExactly(1L, 0L);
    assertThat(both(atT, BASE + 20_001).values()).containsExactly(2L, 2L);
  }

  @Test
  void aSessionLongerThanMaxLengthIsCutToTheLookback() {
    // an event every 5 s for 5 minutes: one session; l_sum_session looks back 1 minute (6 slices)
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      events.add(ev(BASE + i * 5_000L, i, 1));
    }
    long t = BASE + 300_000 + 2_500; // in slice 30, 2.5 s after the last event
    FeatureVector fv = both(events, t);
    // rows_session: slices 19..30 (2 minutes), 2 events per slice, none in slice 30
    // l_sum_session: slices 25..30
    assertThat(fv.values()).containsExactly(22L, 10L);
    assertThat(SessionOracle.session(events, Event::time, t, SLICE, 10_000, 60_000)).hasSize(10);
  }

  @Test
  void versionOneCompactedEntriesAreUsedWhenTheyDecideAndAnErrorWhenTheyCannot() {
    // slice 0: one event at +9 s; slice 1 (compacted by an old version: no earliest time): events
    // at +12 s and +19 s
    long s1 = BASE + SLICE;
    List<Event> older = List.of(ev(BASE + 9_000, 1, 1));
    List<Event> v1 = List.of(ev(s1 + 2_000, 2, 10), ev(s1 + 9_000, 3, 100));
    Map<Long, Map<byte[], byte[]>> hashes = new HashMap<>();
    Map<byte[], byte[]> h0 = new LinkedHashMap<>();
    h0.put(LAYOUT.eventField(0, 0, 1), row(older.get(0)));
    hashes.put(SLICING.sliceIndex(BASE), h0);
    Map<byte[], byte[]> h1 = new LinkedHashMap<>();
    CompactedEntry old =
        new CompactedEntry(
            2,
            s1 + 9_000,
            List.of(new CoveredRange(0, 0, 2, 4)),
            SliceAccumulators.mergedFromHalves(FS, v1, new Random(1)));
    assertThat(old.hasMinEventTime()).isFalse();
    byte[] bytes = old.encode(FS, s1);
    assertThat(bytes[0]).as("written as version 1").isEqualTo((byte) 1);
    h1.put(OnlineLayout.compactedField(), bytes);
    hashes.put(SLICING.sliceIndex(s1), h1);
    long t = s1 + 9_500;
    List<Feature> features =
        List.of(FS.feature("rows_session"), FS.feature("l_sum_session"), FS.feature("l_min_1m"));
    FeatureVector served = serve(new WindowEvaluator(FS, features), hashes, t);
    // rows_session (gap 30 s): slice 1 starts 1 s after the event of slice 0: joined whatever its
    // first event
    assertThat(served.values()[0]).isEqualTo(3L);
    // l_sum_session (gap 10 s): the first event of slice 1 lies in [s1, s1 + 9 s]: 1 s .. 10 s
    // after 9 s: undecidable
    assertThat(served.statuses()[1]).isEqualTo(FeatureStatus.ERROR);
    assertThat(served.values()[1]).isNull();
    assertThat(served.error()).contains("l_sum_session", "re-run compaction");
    assertThat(served.statuses()[2]).isEqualTo(FeatureStatus.PRESENT);
    assertThat(served.values()[2]).as("sliding windows are unaffected").isEqualTo(1L);

    // training with the slices-table row of an old run (min_event_time null): the same values and
    // statuses
    PointInTimeEvaluator sweep = new PointInTimeEvaluator(FS, features);
    int[] needed = sweep.neededAggregations();
    byte[][] a0 = SliceAccumulators.encoded(FS, needed, older);
    byte[][] a1 = SliceAccumulators.encoded(FS, needed, v1);
    sweep.addSlice(SLICING.sliceIndex(BASE), BASE + 9_000, BASE + 9_000, a0);
    sweep.addSlice(SLICING.sliceIndex(s1), Sessions.UNKNOWN, s1 + 9_000, a1);
    FeatureVector trained = sweep.evaluate(s1 + SLICE + 500);
    FeatureVector servedLater = serve(new WindowEvaluator(FS, features), hashes, s1 + SLICE + 500);
    assertThat(trained).isEqualTo(servedLater);
    assertThat(trained.statuses())
        .containsExactly(FeatureStatus.PRESENT, FeatureStatus.ERROR, FeatureStatus.PRESENT);
    assertThat(trained.error()).contains("l_sum_session");

    // 5 s after the last event the session is still open and reaches back to the same boundary
    FeatureVector near =
        serve(new WindowEvaluator(FS, List.of(FS.feature("l_sum_session"))), hashes, s1 + 14_000);
    assertThat(near.statuses()).containsExactly(FeatureStatus.ERROR);
    // 10 s after it the session has ended: nothing depends on the boundary
    FeatureVector ended =
        serve(new WindowEvaluator(FS, List.of(FS.feature("l_sum_session"))), hashes, s1 + 19_000);
    assertThat(ended.statuses()).containsExactly(FeatureStatus.EMPTY);
  }

  @Test
  void unknownBoundariesOutsideTheLookbackDoNotMatter() {
    // slice 0 event at +9 s; slice 1 old entry (+12 s, +19 s); then a steady session every 5 s up
    // to 80 s later
    long s1 = BASE + SLICE;
    List<Event> v1 = List.of(ev(s1 + 2_000, 2, 10), ev(s1 + 9_000, 3, 100));
    Map<Long, Map<byte[], byte[]>> hashes = new HashMap<>();
    Map<byte[], byte[]> h0 = new LinkedHashMap<>();
    h0.put(LAYOUT.eventField(0, 0, 1), row(ev(BASE + 9_000, 1, 1)));
    hashes.put(SLICING.sliceIndex(BASE), h0);
    Map<byte[], byte[]> h1 = new LinkedHashMap<>();
    h1.put(
        OnlineLayout.compactedField(),
        new CompactedEntry(
                2,
                s1 + 9_000,
                List.of(new CoveredRange(0, 0, 2, 4)),
                SliceAccumulators.mergedFromHalves(FS, v1, new Random(3)))
            .encode(FS, s1));
    hashes.put(SLICING.sliceIndex(s1), h1);
    PointInTimeEvaluator sweep = new PointInTimeEvaluator(FS, List.of(FS.feature("l_sum_session")));
    sweep.addSlice(
        SLICING.sliceIndex(BASE),
        BASE + 9_000,
        BASE + 9_000,
        SliceAccumulators.encoded(FS, sweep.neededAggregations(), List.of(ev(BASE + 9_000, 1, 1))));
    sweep.addSlice(
        SLICING.sliceIndex(s1),
        Sessions.UNKNOWN,
        s1 + 9_000,
        SliceAccumulators.encoded(FS, sweep.neededAggregations(), v1));
    long offset = 10;
    for (long time = s1 + 14_000; time < s1 + 80_000; time += 5_000) {
      Event e = ev(time, offset++, 1_000);
      hashes
          .computeIfAbsent(SLICING.sliceIndex(time), k -> new LinkedHashMap<>())
          .put(LAYOUT.eventField(0, 0, e.offset()), row(e));
    }
    for (long slice = SLICING.sliceIndex(s1) + 1;
        slice <= SLICING.sliceIndex(s1 + 79_000);
        slice++) {
      List<Event> inSlice = new ArrayList<>();
      for (long time = s1 + 14_000; time < s1 + 80_000; time += 5_000) {
        if (SLICING.sliceIndex(time) == slice) {
          inSlice.add(ev(time, 0, 1_000));
        }
      }
      sweep.addSlice(
          slice,
          inSlice.get(0).time(),
          inSlice.get(inSlice.size() - 1).time(),
          SliceAccumulators.encoded(FS, sweep.neededAggregations(), inSlice));
    }
    // t in slice 9 (1 minute lookback: slices 4..9): slice 0 is out of the lookback
    long t = SLICING.sliceStartMillis(SLICING.sliceIndex(s1) + 8) + 1;
    FeatureVector served =
        serve(new WindowEvaluator(FS, List.of(FS.feature("l_sum_session"))), hashes, t);
    assertThat(served.statuses()).containsExactly(FeatureStatus.PRESENT);
    assertThat(sweep.evaluate(t)).isEqualTo(served);
  }
}
