package dev.slicestore.core.offline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.testing.NaiveFeatures;
import dev.slicestore.core.testing.OracleEvent;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.SliceAccumulators;
import dev.slicestore.core.testing.TrainingSweep;
import dev.slicestore.core.testing.Values;
import dev.slicestore.core.testing.WindowOracle;
import dev.slicestore.core.time.Slicing;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The offline sweep against a naive oracle over the raw events: for random events and random
 * evaluation times (on slice boundaries, exactly at event times, one ms after, before any data,
 * repeated), slices are aggregated and encoded as compaction writes them, records are fed in the
 * sweep order, and every feature must equal the oracle over the events the window rule selects:
 * {@code sliceIndex(e) > sliceIndex(t) - W/s && e < t} ({@link WindowOracle}).
 */
class PointInTimeEvaluatorTest {
  private static final long SLICE = 10_000L;

  static final FeatureSet FS =
      FeatureSetLoader.parse(
          """
      name = pit
      version = 1
      source { topics = [t0, t1], schema { k = string, ts = long, l = long, d = double, s = string } }
      entity-key = k
      event-time { column = ts, format = epoch-millis }
      slice = 10s
      windows = [10s, 30s, 1m, 5m]
      aggregations = [
        { name = rows, function = count }
        { name = l_sum, function = sum, input = l }
        { name = d_sum, function = sum, input = d }
        { name = d_mean, function = mean, input = d }
        { name = l_min, function = min, input = l }
        { name = d_max, function = max, input = d, windows = [20s, 2m] }
        { name = s_max, function = max, input = s, windows = [10s, 40s] }
        { name = s_count, function = count, input = s }
      ]
      """,
          "pit.conf");
  private static final Slicing SLICING = FS.slicing();

  record Event(long time, EventPosition position, Object[] inputs) implements OracleEvent {}

  private static List<Event> randomEvents(Random r, long base, int n) {
    List<Event> events = new ArrayList<>();
    long[] offsets = new long[4];
    for (int i = 0; i < n; i++) {
      long time = base + (long) (r.nextDouble() * 8 * 60_000);
      int kind = r.nextInt(10);
      if (kind < 2) {
        time = SLICING.sliceStartMillis(SLICING.sliceIndex(time));
      } else if (kind == 2) {
        time = SLICING.sliceStartMillis(SLICING.sliceIndex(time)) - 1;
      } else if (kind == 3 && !events.isEmpty()) {
        time = events.get(r.nextInt(events.size())).time();
      }
      int topic = r.nextInt(2);
      int partition = r.nextInt(2);
      Object[] inputs = new Object[FS.inputColumns().size()];
      for (int c = 0; c < inputs.length; c++) {
        inputs[c] =
            Values.random(r, FS.inputColumns().get(c).type(), 0.2, r.nextInt(40) == 0, true);
      }
      events.add(
          new Event(
              time,
              new EventPosition(time, topic, partition, offsets[topic * 2 + partition]++),
              inputs));
    }
    return events;
  }

  private static List<Long> randomTimes(Random r, long base, List<Event> events, int n) {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t = base - 60_000 + (long) (r.nextDouble() * 10 * 60_000);
      int kind = r.nextInt(10);
      if (kind < 2) {
        t = SLICING.sliceStartMillis(SLICING.sliceIndex(t)); // on a slice boundary
      } else if (kind < 4 && !events.isEmpty()) {
        t = events.get(r.nextInt(events.size())).time(); // exactly at an event: excluded
      } else if (kind < 5 && !events.isEmpty()) {
        t = events.get(r.nextInt(events.size())).time() + 1;
      } else if (kind < 6 && !times.isEmpty()) {
        t = times.get(r.nextInt(times.size())); // duplicate spine row
      } else if (kind < 7) {
        t = base - 600_000 - r.nextInt(1_000_000); // before any data
      }
      times.add(t);
    }
    return times;
  }

  /** The slice's accumulators, and for an empty slice one time in ten none at all. */
  private static byte[][] sliceAccumulators(
      PointInTimeEvaluator sweep, List<Event> sliceEvents, Random r) {
    byte[][] out = SliceAccumulators.encoded(FS, sweep.neededAggregations(), sliceEvents);
    for (int a = 0; a < out.length; a++) {
      if (r.nextInt(10) == 0 && sliceEvents.isEmpty()) {
        out[a] = null;
      }
    }
    return out;
  }

  /**
   * Feeds the sweep in its order, records of one time and kind in a random order, and returns one
   * vector per time (in the given order).
   */
  private static List<FeatureVector> sweep(
      PointInTimeEvaluator sweep, List<Event> events, List<Long> times, Random r) {
    return TrainingSweep.feed(
        sweep, SLICING, events, times, list -> sliceAccumulators(sweep, list, r), r);
  }

  private static void assertMatchesOracle(
      FeatureVector fv, List<Feature> features, List<Event> events, long t, String ctx) {
    assertThat(fv.error()).as(ctx).isNull();
    for (int i = 0; i < features.size(); i++) {
      Feature f = features.get(i);
      Aggregation agg = FS.aggregations().get(f.aggregationIndex());
      List<Event> selected = WindowOracle.select(events, Event::time, t, f.windowMillis(), SLICE);
      NaiveFeatures.assertNaive(
          fv,
          i,
          agg,
          NaiveFeatures.inputs(agg, selected),
          String.format("%s: %s at t=%d", ctx, f.name(), t));
    }
  }

  @Test
  void everyFeatureAtEverySpineTimeMatchesTheNaiveOracle() {
    Random r =
        Seeds.random("PointInTimeEvaluatorTest.everyFeatureAtEverySpineTimeMatchesTheNaiveOracle");
    for (int trial = 0; trial < 150; trial++) {
      long base =
          switch (r.nextInt(3)) {
            case 0 -> -(long) (r.nextDouble() * 1e12);
            case 1 -> (long) (r.nextDouble() * 600_000) - 300_000;
            default -> 1_322_727_960_000L + (long) (r.nextDouble() * 1e10);
          };
      List<Feature> features = new ArrayList<>(FS.features());
      Collections.shuffle(features, r);
      if (r.nextBoolean()) {
        features = features.subList(0, 1 + r.nextInt(features.size()));
      }
      PointInTimeEvaluator sweep = new PointInTimeEvaluator(FS, features);
      // several entities through one evaluator, reset between them
      for (int entity = 0; entity < 3; entity++) {
        List<Event> events = randomEvents(r, base, entity == 2 ? 0 : r.nextInt(200));
        List<Long> times = randomTimes(r, base, events, 1 + r.nextInt(40));
        List<FeatureVector> vectors = sweep(sweep, events, times, r);
        for (int i = 0; i < times.size(); i++) {
          assertMatchesOracle(
              vectors.get(i),
              features,
              events,
              times.get(i),
              Seeds.describe() + " trial " + trial + " entity " + entity);
        }
      }
    }
  }

  @Test
  void recordsOutOfOrderAreRefused() {
    PointInTimeEvaluator sweep = new PointInTimeEvaluator(FS, FS.features());
    sweep.addSlice(10, 100_000, 100_001, new byte[sweep.neededAggregations().length][]);
    assertThatThrownBy(
            () ->
                sweep.addSlice(10, 100_000, 100_001, new byte[sweep.neededAggregations().length][]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not in time order");
    sweep.evaluate(200_000);
    assertThatThrownBy(() -> sweep.evaluate(100_000)).isInstanceOf(IllegalStateException.class);
    Object[] inputs = new Object[FS.inputColumns().size()];
    sweep.addEvent(new EventPosition(200_000, 0, 0, 0), inputs);
    assertThatThrownBy(() -> sweep.addEvent(new EventPosition(100_000, 0, 0, 1), inputs))
        .isInstanceOf(IllegalStateException.class);
    assertThat(FS.inputColumns()).extracting(InputColumn::name).contains("l", "d", "s");
  }
}
