package dev.slicestore.core.testing;

import dev.slicestore.core.offline.PointInTimeEvaluator;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.time.Slicing;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/** Training's offline sweep over the events of the oracle tests. */
public final class TrainingSweep {

  private TrainingSweep() {}

  /**
   * Feeds {@code sweep} as training does, in time order: each slice of events at its end (its
   * accumulators with the first and last event time), each evaluation time, each event; at one time
   * a slice before an evaluation before an event.
   *
   * @param sliceAccumulators the serialized accumulators of a slice's events, for {@link
   *     PointInTimeEvaluator#addSlice(long, long, long, byte[][])}
   * @param tieOrder where not null, what draws the order of the records of one time and kind;
   *     otherwise they come as given (slices in index order)
   * @return one vector per time, in the order of {@code times}
   */
  @SuppressWarnings("unchecked")
  public static <E extends OracleEvent> List<FeatureVector> feed(
      PointInTimeEvaluator sweep,
      Slicing slicing,
      List<E> events,
      List<Long> times,
      Function<List<E>, byte[][]> sliceAccumulators,
      Random tieOrder) {
    TreeMap<Long, List<E>> bySlice = new TreeMap<>();
    for (E e : events) {
      bySlice.computeIfAbsent(slicing.sliceIndex(e.time()), k -> new ArrayList<>()).add(e);
    }
    // records: (time, kind 0 slice / 1 evaluation / 2 event, payload)
    record Rec(long time, int kind, long order, Object payload) {}
    List<Rec> recs = new ArrayList<>();
    bySlice.forEach(
        (slice, list) -> recs.add(new Rec(slicing.sliceEndMillis(slice), 0, slice, list)));
    for (int i = 0; i < times.size(); i++) {
      recs.add(new Rec(times.get(i), 1, i, i));
    }
    for (E e : events) {
      recs.add(new Rec(e.time(), 2, 0, e));
    }
    if (tieOrder != null) {
      Collections.shuffle(recs, tieOrder);
    }
    recs.sort(Comparator.comparingLong(Rec::time).thenComparingInt(Rec::kind));
    FeatureVector[] out = new FeatureVector[times.size()];
    sweep.reset();
    for (Rec rec : recs) {
      switch (rec.kind()) {
        case 0 -> {
          List<E> list = (List<E>) rec.payload();
          sweep.addSlice(
              rec.order(),
              list.stream().mapToLong(E::time).min().orElseThrow(),
              list.stream().mapToLong(E::time).max().orElseThrow(),
              sliceAccumulators.apply(list));
        }
        case 1 -> out[(Integer) rec.payload()] = sweep.evaluate(rec.time());
        default -> {
          E e = (E) rec.payload();
          sweep.addEvent(e.position(), e.inputs());
        }
      }
    }
    return List.of(out);
  }
}
