package dev.slicestore.core.offline;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.FeatureStatus;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.time.Slicing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Computes one entity's features at a non-decreasing sequence of evaluation times from its slice
 * aggregates and its raw events, in one time-ordered sweep: the offline (training) side of
 * DESIGN.md's window rule, giving exactly what {@link dev.slicestore.core.online.WindowEvaluator}
 * gives online for the same events.
 *
 * <h2>The sweep</h2>
 * The caller feeds one entity's records in this order (ascending time; at equal times slices
 * first, then evaluations, then events):
 * <ul>
 *   <li>{@link #addSlice}: a closed slice's accumulators, at the slice's end time. It enters, per
 *       (aggregation, window), a {@link TwoStacks} queue of whole slices;
 *   <li>{@link #evaluate}: an evaluation time {@code t}; a window of {@code n} slices is the merge
 *       of the queued whole slices {@code sliceIndex(t) - n + 1 .. sliceIndex(t) - 1} (older ones are
 *       evicted) and of the events of slice {@code sliceIndex(t)} added so far;
 *   <li>{@link #addEvent}: an event, at its event time. Events of the slice being swept are
 *       accumulated into one partial accumulator per aggregation, reset when a later slice starts.
 *       Because an event is added only after every evaluation at or before its time, an
 *       evaluation at {@code t} sees exactly the events with event time {@code < t}.
 * </ul>
 * Each record costs O(windows) amortized merges, whatever the windows' lengths, so an entity with
 * {@code S} slices and {@code R} evaluation times costs O((S + R) · windows) merges (a per-row
 * merge of every slice in the window would cost O(R · S)).
 *
 * <p>Results are those of {@link AggregateFunction#getResult}: the merge order differs from
 * serving's, which the functions' contract makes irrelevant (exact sums, position-ordered ties).
 *
 * <p>Not thread-safe: one instance per task, {@link #reset} between entities.
 */
public final class PointInTimeEvaluator {
  private final Slicing slicing;
  private final List<Feature> features;
  private final int[] neededAggregations;
  private final AggregateFunction<Object>[] functions;
  private final Aggregation[] aggregations;
  /** Per needed aggregation: feature positions, their window lengths in slices, and their queues. */
  private final int[][] featurePositions;
  private final int[][] windowSlices;
  private final TwoStacks<Object>[][] queues;
  private final int longestWindowSlices;
  /** Per needed aggregation its request-context key, or null. */
  private final String[] contextKeys;
  private final int[] aggregationOfFeature;
  private final Map<String, ValueType> contextDescription;
  private final Object[] partial;
  private long partialSlice = Long.MIN_VALUE;
  private long lastSlice = Long.MIN_VALUE;
  private long lastEvaluationSlice = Long.MIN_VALUE;

  /**
   * @param featureSet the feature set
   * @param features the features to compute (a non-empty subset of the feature set's, any order);
   *     results follow this order
   * @throws IllegalArgumentException if {@code features} is empty
   */
  @SuppressWarnings("unchecked")
  public PointInTimeEvaluator(FeatureSet featureSet, List<Feature> features) {
    if (features.isEmpty()) {
      throw new IllegalArgumentException("no features to compute");
    }
    this.slicing = featureSet.slicing();
    this.features = List.copyOf(features);
    List<Integer> aggs = new ArrayList<>();
    for (Feature f : features) {
      if (!aggs.contains(f.aggregationIndex())) {
        aggs.add(f.aggregationIndex());
      }
    }
    int n = aggs.size();
    this.neededAggregations = aggs.stream().mapToInt(Integer::intValue).toArray();
    this.functions = new AggregateFunction[n];
    this.aggregations = new Aggregation[n];
    this.featurePositions = new int[n][];
    this.windowSlices = new int[n][];
    this.queues = new TwoStacks[n][];
    this.partial = new Object[n];
    int longest = 0;
    for (int a = 0; a < n; a++) {
      Aggregation agg = featureSet.aggregations().get(neededAggregations[a]);
      aggregations[a] = agg;
      functions[a] = (AggregateFunction<Object>) agg.function();
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < features.size(); i++) {
        if (features.get(i).aggregationIndex() == neededAggregations[a]) {
          positions.add(i);
        }
      }
      featurePositions[a] = positions.stream().mapToInt(Integer::intValue).toArray();
      windowSlices[a] = positions.stream().mapToInt(i -> slicing.slicesPerWindow(features.get(i).windowMillis())).toArray();
      queues[a] = new TwoStacks[positions.size()];
      for (int w = 0; w < positions.size(); w++) {
        queues[a][w] = new TwoStacks<>(functions[a]);
        longest = Math.max(longest, windowSlices[a][w]);
      }
    }
    this.longestWindowSlices = longest;
    this.contextKeys = new String[n];
    for (int a = 0; a < n; a++) {
      contextKeys[a] = featureSet.aggregations().get(neededAggregations[a]).contextKey();
    }
    this.aggregationOfFeature = new int[features.size()];
    for (int i = 0; i < features.size(); i++) {
      aggregationOfFeature[i] = aggs.indexOf(features.get(i).aggregationIndex());
    }
    this.contextDescription = RequestContext.keys(featureSet, this.features);
    reset();
  }

  /**
   * @return the request-context keys the features need (see {@link RequestContext}), with the
   *     type of their values; empty when none. Training reads each from the spine column of that
   *     name.
   */
  public Map<String, ValueType> contextKeys() {
    return contextDescription;
  }

  /** @return the indices (into {@link FeatureSet#aggregations()}) of the aggregations the features need */
  public int[] neededAggregations() {
    return neededAggregations.clone();
  }

  /** @return the longest requested window, in slices */
  public int longestWindowSlices() {
    return longestWindowSlices;
  }

  /** Forgets everything: call before the records of the next entity. */
  public void reset() {
    for (int a = 0; a < functions.length; a++) {
      for (int w = 0; w < queues[a].length; w++) {
        queues[a][w] = new TwoStacks<>(functions[a]);
      }
      partial[a] = functions[a].createAccumulator();
    }
    partialSlice = Long.MIN_VALUE;
    lastSlice = Long.MIN_VALUE;
    lastEvaluationSlice = Long.MIN_VALUE;
  }

  /**
   * Adds a closed slice, decoding its accumulators.
   *
   * @param sliceIndex the slice; greater than every slice added since {@link #reset}
   * @param encodedAccumulators per needed aggregation ({@link #neededAggregations()} order) the
   *     bytes of {@link AggregateFunction#encode}; a null element is an empty accumulator
   * @throws CorruptDataException if some bytes cannot be decoded
   * @throws IllegalStateException if slices come out of order
   */
  public void addSlice(long sliceIndex, byte[][] encodedAccumulators) {
    if (sliceIndex <= lastSlice) {
      throw new IllegalStateException("slice " + sliceIndex + " added after slice " + lastSlice + ": records are not in time order");
    }
    lastSlice = sliceIndex;
    for (int a = 0; a < functions.length; a++) {
      byte[] bytes = encodedAccumulators[a];
      Object acc = bytes == null ? functions[a].createAccumulator() : functions[a].decode(new ByteReader(bytes));
      for (int w = 0; w < queues[a].length; w++) {
        if (windowSlices[a][w] > 1) {
          // an evaluation after this slice is at slice >= sliceIndex + 1; it needs slices > its index - n
          queues[a][w].evictBelow(sliceIndex + 2 - windowSlices[a][w]);
          queues[a][w].push(sliceIndex, acc);
        }
      }
    }
  }

  /**
   * Adds an event of the slice being swept.
   *
   * @param position the event's position (its event time, epoch ms, picks the slice)
   * @param inputsBySlot the event's values of {@link FeatureSet#inputColumns()}, by slot (not kept)
   * @throws IllegalStateException if events come out of time order across slices
   */
  public void addEvent(EventPosition position, Object[] inputsBySlot) {
    long sliceIndex = slicing.sliceIndex(position.eventTimeMillis());
    if (sliceIndex != partialSlice) {
      if (sliceIndex < partialSlice) {
        throw new IllegalStateException("event of slice " + sliceIndex + " added after an event of slice " + partialSlice
            + ": records are not in time order");
      }
      for (int a = 0; a < functions.length; a++) {
        partial[a] = functions[a].createAccumulator();
      }
      partialSlice = sliceIndex;
    }
    for (int a = 0; a < functions.length; a++) {
      partial[a] = functions[a].add(partial[a], aggregations[a].input(inputsBySlot), position);
    }
  }

  /**
   * Evaluates every requested feature at {@code t}, over the slices and events added so far.
   *
   * @param evaluationTimeMillis {@code t}, epoch ms; its slice must not precede an earlier
   *     evaluation's
   * @return the feature vector, statuses as online: a result that cannot be represented (a long
   *     sum beyond the long range, a {@code count_distinct} over its bound) gives
   *     {@link FeatureStatus#ERROR} for that feature only, with a message
   */
  public FeatureVector evaluate(long evaluationTimeMillis) {
    return evaluate(evaluationTimeMillis, Map.of());
  }

  /**
   * Evaluates every requested feature at {@code t}, answering features with request context from
   * {@code context}, exactly as {@link dev.slicestore.core.online.WindowEvaluator#evaluate(long,
   * List, Map)} does online.
   *
   * @param evaluationTimeMillis {@code t}, as {@link #evaluate(long)}
   * @param context request-context values by key, already {@linkplain RequestContext#convert
   *     converted}; a key mapped to null gives a null value; must hold every key of
   *     {@link #contextKeys()}
   * @return the feature vector
   * @throws IllegalArgumentException if a needed context key is missing
   */
  public FeatureVector evaluate(long evaluationTimeMillis, Map<String, ?> context) {
    Object[] contextValues = RequestContext.pick(contextKeys, features, aggregationOfFeature, context);
    long current = slicing.sliceIndex(evaluationTimeMillis);
    if (current < lastEvaluationSlice) {
      throw new IllegalStateException("evaluation at slice " + current + " after one at slice " + lastEvaluationSlice
          + ": records are not in time order");
    }
    lastEvaluationSlice = current;
    Object[] values = new Object[features.size()];
    FeatureStatus[] statuses = new FeatureStatus[features.size()];
    String error = null;
    try {
      for (int a = 0; a < functions.length; a++) {
        for (int w = 0; w < queues[a].length; w++) {
          Object acc;
          if (windowSlices[a][w] > 1) {
            queues[a][w].evictBelow(current - windowSlices[a][w] + 1);
            acc = queues[a][w].query();
          } else {
            acc = functions[a].createAccumulator();
          }
          if (partialSlice == current) {
            acc = functions[a].merge(acc, partial[a]);
          }
          int pos = featurePositions[a][w];
          try {
            values[pos] = functions[a].getFeatureResult(acc, contextValues[a]);
            statuses[pos] = functions[a].isEmpty(acc) ? FeatureStatus.EMPTY : FeatureStatus.PRESENT;
          } catch (ArithmeticException e) {
            statuses[pos] = FeatureStatus.ERROR;   // this feature only, as online
            error = (error == null ? "" : error + "; ") + features.get(pos).name() + ": " + e.getMessage();
          }
        }
      }
    } catch (IllegalStateException e) {
      error = e.getMessage();
      Arrays.fill(values, null);
      Arrays.fill(statuses, FeatureStatus.ERROR);
    }
    return new FeatureVector(values, statuses, error);
  }
}
