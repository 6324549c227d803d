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
import dev.slicestore.core.plan.FeaturePlan;
import dev.slicestore.core.time.Sessions;
import dev.slicestore.core.time.Slicing;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Computes one entity's features at a non-decreasing sequence of evaluation times from its slice
 * aggregates and its raw events, in one time-ordered sweep: the offline (training) side of the
 * window rule (docs/design.md, "Window rule"), giving exactly what {@link
 * dev.slicestore.core.online.WindowEvaluator} gives online for the same events.
 *
 * <h2>The sweep</h2>
 *
 * The caller feeds one entity's records in this order (ascending time; at equal times slices first,
 * then evaluations, then events):
 *
 * <ul>
 *   <li>{@link #addSlice}: a closed slice's accumulators, at the slice's end time. It enters, per
 *       (aggregation, window), a {@link TwoStacks} queue of whole slices;
 *   <li>{@link #evaluate}: an evaluation time {@code t}; a window of {@code n} slices is the merge
 *       of the queued whole slices {@code sliceIndex(t) - n + 1 .. sliceIndex(t) - 1} (older ones
 *       are evicted) and of the events of slice {@code sliceIndex(t)} added so far;
 *   <li>{@link #addEvent}: an event, at its event time. Events of the slice being swept are
 *       accumulated into one partial accumulator per aggregation, reset when a later slice starts.
 *       Because an event is added only after every evaluation at or before its time, an evaluation
 *       at {@code t} sees exactly the events with event time {@code < t}.
 * </ul>
 *
 * Each record costs O(windows) amortized merges, whatever the windows' lengths, so an entity with
 * {@code S} slices and {@code R} evaluation times costs O((S + R) · windows) merges (a per-row
 * merge of every slice in the window would cost O(R · S)).
 *
 * <h2>Session features</h2>
 *
 * A session feature ({@link Feature#isSession()}, rule in {@link Sessions}) keeps a Two-Stacks
 * queue of the whole slices of the <em>current run</em>: the slices added since the last boundary
 * of at least the gap between consecutive non-empty slices ({@link Sessions#boundary} on the older
 * slice's latest and the newer slice's earliest event time), emptied at each such boundary and
 * evicted below the max-length lookback. An evaluation at {@code t} is the current slice's events
 * before {@code t} plus, unless a gap separates them from the run's newest slice, the run; empty if
 * the latest event before {@code t} is a gap or more before {@code t}. That is exactly the slices
 * serving's newest-to-oldest walk merges, at O(1) amortized merges per record. A boundary {@link
 * Sessions.Boundary#UNKNOWN} (a slice without its earliest event time) gives the feature status
 * ERROR in the evaluations whose session and lookback reach across it, as online.
 *
 * <p>Results are those of {@link AggregateFunction#getResult}: the merge order differs from
 * serving's, which the functions' contract makes irrelevant (exact sums, position-ordered ties).
 *
 * <p>Not thread-safe: one instance per task, {@link #reset} between entities.
 */
public final class PointInTimeEvaluator {
  private final Slicing slicing;
  private final FeaturePlan plan;
  private final List<Feature> features;
  private final AggregateFunction<Object>[] functions;
  private final Aggregation[] aggregations;

  /**
   * Per needed aggregation (copied from the plan): feature positions, their window lengths in
   * slices, and their queues.
   */
  private final int[][] featurePositions;

  private final int[][] windowSlices;
  private final TwoStacks<Object>[][] queues;

  /**
   * Per session feature: position, needed aggregation (index into neededAggregations), slices, gap.
   */
  private final int[] sessionPositions;

  private final int[] sessionAggregation;
  private final int[] sessionSlices;
  private final long[] sessionGaps;

  /** Per session feature: the whole slices of the current run (since the last gap). */
  private final TwoStacks<Object>[] sessionRuns;

  /**
   * Per session feature: the slices on both sides of an undecidable boundary before the run, or
   * NONE.
   */
  private final long[] uncertainOlder;

  private final long[] uncertainNewer;
  private final Object[] partial;
  private long partialSlice = Long.MIN_VALUE;
  private long partialCount;
  private long partialMin;
  private long partialMax;
  private long lastSlice = Long.MIN_VALUE;

  /**
   * The latest event time of the last slice added with events, and that slice's index (or NONE).
   */
  private long lastEventSliceMax;

  private long lastEventSlice = NONE;
  private long lastEvaluationSlice = Long.MIN_VALUE;
  private static final long NONE = Long.MIN_VALUE;

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
    this.plan = new FeaturePlan(featureSet, features);
    this.features = plan.features();
    int n = plan.neededAggregationCount();
    this.functions = new AggregateFunction[n];
    this.aggregations = new Aggregation[n];
    this.featurePositions = new int[n][];
    this.windowSlices = new int[n][];
    this.queues = new TwoStacks[n][];
    this.partial = new Object[n];
    for (int a = 0; a < n; a++) {
      aggregations[a] = plan.aggregation(a);
      functions[a] = (AggregateFunction<Object>) aggregations[a].function();
      featurePositions[a] = plan.windowFeaturePositions(a);
      windowSlices[a] = plan.windowSlices(a);
      queues[a] = new TwoStacks[featurePositions[a].length];
      for (int w = 0; w < featurePositions[a].length; w++) {
        queues[a][w] = new TwoStacks<>(functions[a]);
      }
    }
    this.sessionPositions = plan.sessionFeaturePositions();
    this.sessionAggregation = plan.sessionAggregations();
    this.sessionSlices = plan.sessionSlices();
    this.sessionGaps = plan.sessionGapsMillis();
    int k = sessionPositions.length;
    this.sessionRuns = new TwoStacks[k];
    this.uncertainOlder = new long[k];
    this.uncertainNewer = new long[k];
    reset();
  }

  /**
   * @return the request-context keys the features need (see {@link RequestContext}), with the type
   *     of their values; empty when none. Training reads each from the spine column of that name.
   */
  public Map<String, ValueType> contextKeys() {
    return plan.requestContextKeys();
  }

  /**
   * @return the indices (into {@link FeatureSet#aggregations()}) of the aggregations the features
   *     need
   */
  public int[] neededAggregations() {
    return plan.neededAggregations();
  }

  /**
   * @return the longest requested window (session max-lengths included), in slices
   */
  public int longestWindowSlices() {
    return plan.longestWindowSlices();
  }

  /**
   * @return the plan of the features: needed aggregations, windows and sessions in slices, request
   *     context
   */
  public FeaturePlan plan() {
    return plan;
  }

  /** Forgets everything: call before the records of the next entity. */
  public void reset() {
    for (int a = 0; a < functions.length; a++) {
      for (int w = 0; w < queues[a].length; w++) {
        queues[a][w] = new TwoStacks<>(functions[a]);
      }
      partial[a] = functions[a].createAccumulator();
    }
    for (int k = 0; k < sessionRuns.length; k++) {
      sessionRuns[k] = new TwoStacks<>(functions[sessionAggregation[k]]);
      uncertainOlder[k] = NONE;
      uncertainNewer[k] = NONE;
    }
    partialSlice = Long.MIN_VALUE;
    partialCount = 0;
    lastSlice = Long.MIN_VALUE;
    lastEventSlice = NONE;
    lastEvaluationSlice = Long.MIN_VALUE;
  }

  /**
   * Adds a closed slice without its event times: only for evaluators without session features.
   *
   * @throws IllegalStateException if some requested feature is a session feature (it needs the
   *     slice's event times: {@link #addSlice(long, long, long, byte[][])}), or slices come out of
   *     order
   * @throws CorruptDataException if some bytes cannot be decoded
   */
  public void addSlice(long sliceIndex, byte[][] encodedAccumulators) {
    if (sessionRuns.length > 0) {
      throw new IllegalStateException(
          "session features need each slice's earliest and latest event times");
    }
    addSlice(sliceIndex, Sessions.UNKNOWN, Sessions.UNKNOWN, encodedAccumulators);
  }

  /**
   * Adds a closed slice, decoding its accumulators.
   *
   * @param sliceIndex the slice; greater than every slice added since {@link #reset}
   * @param minEventTimeMillis the slice's earliest event time, epoch ms, or {@link
   *     Sessions#UNKNOWN} (rows written before it was recorded); only session features use it
   * @param maxEventTimeMillis the slice's latest event time, epoch ms; only session features use it
   *     ({@link Sessions#UNKNOWN} = a slice without events, which sessions skip)
   * @param encodedAccumulators per needed aggregation ({@link #neededAggregations()} order) the
   *     bytes of {@link AggregateFunction#encode}; a null element is an empty accumulator
   * @throws CorruptDataException if some bytes cannot be decoded
   * @throws IllegalStateException if slices come out of order
   */
  public void addSlice(
      long sliceIndex,
      long minEventTimeMillis,
      long maxEventTimeMillis,
      byte[][] encodedAccumulators) {
    if (sliceIndex <= lastSlice) {
      throw new IllegalStateException(
          "slice "
              + sliceIndex
              + " added after slice "
              + lastSlice
              + ": records are not in time order");
    }
    lastSlice = sliceIndex;
    Object[] decoded = new Object[functions.length];
    for (int a = 0; a < functions.length; a++) {
      byte[] bytes = encodedAccumulators[a];
      Object acc =
          bytes == null
              ? functions[a].createAccumulator()
              : functions[a].decode(new ByteReader(bytes));
      decoded[a] = acc;
      for (int w = 0; w < queues[a].length; w++) {
        if (windowSlices[a][w] > 1) {
          // an evaluation after this slice is at slice >= sliceIndex + 1; it needs slices > its
          // index - n
          queues[a][w].evictBelow(sliceIndex + 2 - windowSlices[a][w]);
          queues[a][w].push(sliceIndex, acc);
        }
      }
    }
    if (sessionRuns.length == 0 || maxEventTimeMillis == Sessions.UNKNOWN) {
      return;
    }
    if (minEventTimeMillis != Sessions.UNKNOWN && minEventTimeMillis > maxEventTimeMillis) {
      throw new CorruptDataException(
          "Corrupt slice "
              + sliceIndex
              + ": earliest event time "
              + minEventTimeMillis
              + " after the latest "
              + maxEventTimeMillis);
    }
    long sliceStart = slicing.sliceStartMillis(sliceIndex);
    for (int k = 0; k < sessionRuns.length; k++) {
      if (lastEventSlice != NONE) {
        Sessions.Boundary b =
            Sessions.boundary(
                lastEventSliceMax,
                minEventTimeMillis,
                sliceStart,
                maxEventTimeMillis,
                sessionGaps[k]);
        if (b != Sessions.Boundary.JOINED) {
          sessionRuns[k] = new TwoStacks<>(functions[sessionAggregation[k]]);
          uncertainOlder[k] = b == Sessions.Boundary.UNKNOWN ? lastEventSlice : NONE;
          uncertainNewer[k] = b == Sessions.Boundary.UNKNOWN ? sliceIndex : NONE;
        }
      }
      sessionRuns[k].evictBelow(sliceIndex + 2 - sessionSlices[k]);
      sessionRuns[k].push(sliceIndex, decoded[sessionAggregation[k]]);
    }
    lastEventSlice = sliceIndex;
    lastEventSliceMax = maxEventTimeMillis;
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
        throw new IllegalStateException(
            "event of slice "
                + sliceIndex
                + " added after an event of slice "
                + partialSlice
                + ": records are not in time order");
      }
      for (int a = 0; a < functions.length; a++) {
        partial[a] = functions[a].createAccumulator();
      }
      partialSlice = sliceIndex;
      partialCount = 0;
      partialMin = Long.MAX_VALUE;
      partialMax = Long.MIN_VALUE;
    }
    for (int a = 0; a < functions.length; a++) {
      partial[a] = functions[a].add(partial[a], aggregations[a].input(inputsBySlot), position);
    }
    partialCount++;
    partialMin = Math.min(partialMin, position.eventTimeMillis());
    partialMax = Math.max(partialMax, position.eventTimeMillis());
  }

  /**
   * Evaluates every requested feature at {@code t}, over the slices and events added so far.
   *
   * @param evaluationTimeMillis {@code t}, epoch ms; its slice must not precede an earlier
   *     evaluation's
   * @return the feature vector, statuses as online: a result that cannot be represented (a long sum
   *     beyond the long range, a {@code count_distinct} over its bound) gives {@link
   *     FeatureStatus#ERROR} for that feature only, with a message
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
   *     converted}; a key mapped to null gives a null value; must hold every key of {@link
   *     #contextKeys()}
   * @return the feature vector
   * @throws IllegalArgumentException if a needed context key is missing
   */
  public FeatureVector evaluate(long evaluationTimeMillis, Map<String, ?> context) {
    Object[] contextValues = plan.requestContextValues(context);
    long current = slicing.sliceIndex(evaluationTimeMillis);
    if (current < lastEvaluationSlice) {
      throw new IllegalStateException(
          "evaluation at slice "
              + current
              + " after one at slice "
              + lastEvaluationSlice
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
            statuses[pos] = FeatureStatus.ERROR; // this feature only, as online
            error =
                (error == null ? "" : error + "; ")
                    + features.get(pos).name()
                    + ": "
                    + e.getMessage();
          }
        }
      }
      for (int k = 0; k < sessionRuns.length; k++) {
        String message =
            evaluateSession(k, evaluationTimeMillis, current, contextValues, values, statuses);
        if (message != null) {
          error = (error == null ? "" : error + "; ") + message;
        }
      }
    } catch (IllegalStateException e) {
      error = e.getMessage();
      Arrays.fill(values, null);
      Arrays.fill(statuses, FeatureStatus.ERROR);
    }
    return new FeatureVector(values, statuses, error);
  }

  /**
   * Evaluates session feature {@code k} at {@code t} into {@code values} and {@code statuses}.
   *
   * @return an error message when the session crosses an undecidable boundary or its result cannot
   *     be represented, else null
   */
  private String evaluateSession(
      int k,
      long t,
      long current,
      Object[] contextValues,
      Object[] values,
      FeatureStatus[] statuses) {
    int pos = sessionPositions[k];
    AggregateFunction<Object> f = functions[sessionAggregation[k]];
    long gap = sessionGaps[k];
    long lookbackStart = current - sessionSlices[k] + 1;
    TwoStacks<Object> run = sessionRuns[k];
    run.evictBelow(lookbackStart);
    Object acc = f.createAccumulator();
    boolean includeRun;
    if (partialSlice == current && partialCount > 0) {
      if (Sessions.ended(t, partialMax, gap)) {
        includeRun = false;
      } else {
        acc = f.merge(acc, partial[sessionAggregation[k]]);
        includeRun =
            run.size() > 0
                && Sessions.boundary(
                        lastEventSliceMax,
                        partialMin,
                        slicing.sliceStartMillis(current),
                        partialMin,
                        gap)
                    == Sessions.Boundary.JOINED;
      }
    } else {
      includeRun = run.size() > 0 && !Sessions.ended(t, lastEventSliceMax, gap);
    }
    if (includeRun) {
      if (uncertainOlder[k] != NONE && uncertainOlder[k] >= lookbackStart) {
        values[pos] = null;
        statuses[pos] = FeatureStatus.ERROR;
        return Sessions.unknownBoundaryMessage(
            features.get(pos).name(),
            uncertainNewer[k],
            slicing.sliceStartMillis(uncertainNewer[k]));
      }
      acc = f.merge(acc, run.query());
    }
    try {
      values[pos] = f.getFeatureResult(acc, contextValues[sessionAggregation[k]]);
      statuses[pos] = f.isEmpty(acc) ? FeatureStatus.EMPTY : FeatureStatus.PRESENT;
    } catch (ArithmeticException e) {
      values[pos] = null;
      statuses[pos] = FeatureStatus.ERROR; // this feature only, as online
      return features.get(pos).name() + ": " + e.getMessage();
    }
    return null;
  }
}
