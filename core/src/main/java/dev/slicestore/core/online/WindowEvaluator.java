package dev.slicestore.core.online;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.plan.FeaturePlan;
import dev.slicestore.core.time.Sessions;
import dev.slicestore.core.time.Slicing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Computes an entity's features at an evaluation time {@code t} from its slice hashes, in one
 * newest-to-oldest pass: every window of every aggregation shares the same slices, so the pass
 * merges each slice once into one running accumulator per aggregation and reads a window's result
 * as soon as the pass has covered that window's {@code W / s} slices (docs/design.md, "Window
 * rule").
 *
 * <h2>The read-merge rule, per slice hash</h2>
 *
 * The slice's value is the merge of its compacted entry (if any) and every event field whose Kafka
 * offset lies outside the compacted entry's covered range for its partition; a slice with no
 * compacted entry is the merge of its fields. In the current slice (the one holding {@code t})
 * events at or after {@code t} are left out. An event arriving after compaction is therefore still
 * served, and a replay after compaction never counts twice.
 *
 * <h2>Session features</h2>
 *
 * A session feature ({@code <aggregation>_session}, {@link Feature#isSession()}) follows the rule
 * of {@link Sessions} in the same pass: from the current slice back over at most {@code max-length
 * / s} slices, it merges each non-empty slice (the same per-slice value as the windows, so the
 * read-merge rule and the exclusion of events at or after {@code t} apply alike) until a gap of at
 * least the session gap separates the slice from the newer one, and is empty if the latest event
 * before {@code t} is a gap or more before {@code t}. A slice's earliest and latest event times
 * come from its compacted entry and its uncovered fields; an old (version 1) compacted entry of
 * several events has no earliest time, and where the boundary depends on it the session feature
 * alone gets status ERROR ({@link Sessions#boundary}).
 *
 * <h2>Request context</h2>
 *
 * Features of functions that {@linkplain
 * dev.slicestore.core.aggregate.AggregateFunction#usesRequestContext use request context} ({@code
 * bloom_contains}) answer a question about a value the caller supplies: {@link #evaluate(long,
 * List, Map)} takes the values by context key ({@link #contextKeys()}, see {@link RequestContext})
 * and each window's value is {@link
 * dev.slicestore.core.aggregate.AggregateFunction#getFeatureResult} of the merged accumulator and
 * the value, the same call training makes.
 *
 * <p>Usage: fetch the hashes named by {@link #sliceKeys} (newest first) with one pipelined round
 * trip, or only the non-empty ones that the entity's {@link SliceIndex} lists (with empty maps in
 * the other positions), then call {@link #evaluate} with them in the same order.
 *
 * <p>Immutable and thread-safe; {@link #evaluate} allocates its own accumulators.
 */
public final class WindowEvaluator {
  private final FeatureSet featureSet;
  private final OnlineLayout layout;
  private final Slicing slicing;
  private final FeaturePlan plan;
  private final List<Feature> features;
  // copied once from the plan for the evaluation loop
  private final int[] neededAggregations;

  /**
   * Per needed aggregation: its sliding-window feature positions in {@link #features} and their
   * slice counts.
   */
  private final int[][] featuresByAggregation;

  private final int[][] windowSlicesByAggregation;

  /**
   * Per session feature: its position, its needed aggregation (index into neededAggregations),
   * slices, gap.
   */
  private final int[] sessionPositions;

  private final int[] sessionAggregation;
  private final int[] sessionSlices;
  private final long[] sessionGaps;
  private final int sliceCount;

  /**
   * @param featureSet the feature set
   * @param features the features to compute (a subset of the feature set's, any order); the results
   *     follow this order
   */
  public WindowEvaluator(FeatureSet featureSet, List<Feature> features) {
    this.featureSet = featureSet;
    this.layout = new OnlineLayout(featureSet);
    this.slicing = featureSet.slicing();
    this.features = List.copyOf(features);
    // windows checked in request order first, so an invalid one is reported for the first such
    // feature requested (the plan checks aggregation by aggregation)
    for (Feature f : this.features) {
      slicing.slicesPerWindow(f.windowMillis());
    }
    this.plan = new FeaturePlan(featureSet, this.features);
    this.neededAggregations = plan.neededAggregations();
    this.featuresByAggregation = new int[neededAggregations.length][];
    this.windowSlicesByAggregation = new int[neededAggregations.length][];
    for (int a = 0; a < neededAggregations.length; a++) {
      featuresByAggregation[a] = plan.windowFeaturePositions(a);
      windowSlicesByAggregation[a] = plan.windowSlices(a);
    }
    this.sessionPositions = plan.sessionFeaturePositions();
    this.sessionAggregation = plan.sessionAggregations();
    this.sessionSlices = plan.sessionSlices();
    this.sessionGaps = plan.sessionGapsMillis();
    this.sliceCount = plan.longestWindowSlices();
  }

  /**
   * @return the plan of the features: needed aggregations, windows and sessions in slices, request
   *     context
   */
  public FeaturePlan plan() {
    return plan;
  }

  /**
   * @return the request-context keys the features need (see {@link RequestContext}), with the type
   *     of their values; empty when none
   */
  public Map<String, ValueType> contextKeys() {
    return plan.requestContextKeys();
  }

  /**
   * @return the features computed, in result order
   */
  public List<Feature> features() {
    return features;
  }

  /**
   * @return how many slices (newest first) {@link #evaluate} needs: the longest window's, session
   *     max-lengths included
   */
  public int sliceCount() {
    return sliceCount;
  }

  /**
   * @return the index of the slice holding {@code evaluationTimeMillis} (epoch ms): the newest
   *     slice a read at that time needs
   */
  public long newestSliceIndex(long evaluationTimeMillis) {
    return slicing.sliceIndex(evaluationTimeMillis);
  }

  /**
   * @return the Redis layout of the feature set
   */
  public OnlineLayout layout() {
    return layout;
  }

  /**
   * @return the keys of the slices to read for {@code entityKey} at {@code t}, newest first: slice
   *     indices {@code sliceIndex(t)} down to {@code sliceIndex(t) - sliceCount + 1}
   */
  public List<byte[]> sliceKeys(String entityKey, long evaluationTimeMillis) {
    long current = slicing.sliceIndex(evaluationTimeMillis);
    List<byte[]> keys = new ArrayList<>(sliceCount);
    for (int j = 0; j < sliceCount; j++) {
      keys.add(layout.sliceKey(entityKey, current - j));
    }
    return keys;
  }

  /** The event times of the events one slice contributes (mutable, one per evaluation). */
  private static final class SliceTimes {
    long count;

    /** earliest of the known event times (uncovered fields, or a compacted entry that knows it) */
    long knownMin;

    /** whether a compacted entry with events does not know its earliest time */
    boolean minUnknown;

    long max;

    void reset() {
      count = 0;
      knownMin = Long.MAX_VALUE;
      minUnknown = false;
      max = Long.MIN_VALUE;
    }

    /**
     * @return the earliest event time, or {@link Sessions#UNKNOWN}
     */
    long min() {
      return minUnknown ? Sessions.UNKNOWN : knownMin;
    }

    /**
     * @return an upper bound of the earliest event time (the known one, or else the latest)
     */
    long minUpperBound() {
      return Math.min(knownMin, max);
    }
  }

  /**
   * Evaluates every requested feature.
   *
   * @param evaluationTimeMillis {@code t}, epoch ms
   * @param slicesNewestFirst the contents of the hashes named by {@link #sliceKeys}, same order (an
   *     empty map or null for a missing hash); may be shorter than {@link #sliceCount()} if the
   *     remaining slices are all empty
   * @return the feature vector; corrupt stored data gives {@link FeatureStatus#ERROR} statuses for
   *     every feature and a message, never an exception; a result that cannot be represented (a
   *     long sum beyond the long range, a {@code count_distinct} over its bound) gives ERROR for
   *     that feature only, with a message naming it
   */
  public FeatureVector evaluate(
      long evaluationTimeMillis, List<Map<byte[], byte[]>> slicesNewestFirst) {
    return evaluate(evaluationTimeMillis, slicesNewestFirst, Map.of());
  }

  /**
   * Evaluates every requested feature, answering features with request context (see {@link
   * RequestContext}) from {@code context}.
   *
   * @param evaluationTimeMillis {@code t}, epoch ms
   * @param slicesNewestFirst as {@link #evaluate(long, List)}
   * @param context request-context values by key, already {@linkplain RequestContext#convert
   *     converted} to the input types; a key mapped to null is an explicit null (the feature's
   *     value is null); must hold every key of {@link #contextKeys()}
   * @return the feature vector
   * @throws IllegalArgumentException if a needed context key is missing (the message names the
   *     feature and the key); a session boundary that an old compacted entry cannot decide gives
   *     ERROR for that session feature only
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public FeatureVector evaluate(
      long evaluationTimeMillis,
      List<Map<byte[], byte[]>> slicesNewestFirst,
      Map<String, ?> context) {
    Object[] contextValues = plan.requestContextValues(context);
    List<Aggregation> aggregations = featureSet.aggregations();
    List<InputColumn> inputColumns = featureSet.inputColumns();
    int needed = neededAggregations.length;
    Object[] running = new Object[needed];
    AggregateFunction[] functions = new AggregateFunction[needed];
    for (int a = 0; a < needed; a++) {
      Aggregation agg = aggregations.get(neededAggregations[a]);
      functions[a] = agg.function();
      running[a] = functions[a].createAccumulator();
    }
    int sessions = sessionPositions.length;
    Object[] sliceAcc = sessions > 0 ? new Object[needed] : null;
    SliceTimes times = sessions > 0 ? new SliceTimes() : null;
    Object[] sessionAcc = new Object[sessions];
    boolean[] started = new boolean[sessions];
    boolean[] done = new boolean[sessions];
    String[] sessionError = new String[sessions];
    long[] newerMin = new long[sessions];
    long[] newerMinUpper = new long[sessions];
    long[] newerStart = new long[sessions];
    for (int k = 0; k < sessions; k++) {
      sessionAcc[k] = functions[sessionAggregation[k]].createAccumulator();
    }
    Object[] values = new Object[features.size()];
    FeatureStatus[] statuses = new FeatureStatus[features.size()];
    long current = slicing.sliceIndex(evaluationTimeMillis);
    String error = null;
    String featureError = null;
    try {
      for (int j = 0; j < sliceCount; j++) {
        long sliceIndex = current - j;
        Map<byte[], byte[]> hash = j < slicesNewestFirst.size() ? slicesNewestFirst.get(j) : null;
        boolean hasEvents = false;
        if (hash != null && !hash.isEmpty()) {
          if (sessions == 0) {
            mergeSlice(
                hash,
                sliceIndex,
                j == 0,
                evaluationTimeMillis,
                inputColumns,
                functions,
                running,
                null);
          } else {
            for (int a = 0; a < needed; a++) {
              sliceAcc[a] = functions[a].createAccumulator();
            }
            times.reset();
            mergeSlice(
                hash,
                sliceIndex,
                j == 0,
                evaluationTimeMillis,
                inputColumns,
                functions,
                sliceAcc,
                times);
            for (int a = 0; a < needed; a++) {
              running[a] = functions[a].merge(running[a], sliceAcc[a]);
            }
            hasEvents = times.count > 0;
          }
        }
        for (int k = 0; k < sessions; k++) {
          if (done[k] || j >= sessionSlices[k] || !hasEvents) {
            continue;
          }
          long gap = sessionGaps[k];
          if (!started[k]) {
            started[k] = true;
            if (Sessions.ended(evaluationTimeMillis, times.max, gap)) {
              done[k] = true;
              continue;
            }
          } else {
            Sessions.Boundary b =
                Sessions.boundary(times.max, newerMin[k], newerStart[k], newerMinUpper[k], gap);
            if (b == Sessions.Boundary.GAP) {
              done[k] = true;
              continue;
            } else if (b == Sessions.Boundary.UNKNOWN) {
              done[k] = true;
              sessionError[k] =
                  Sessions.unknownBoundaryMessage(
                      features.get(sessionPositions[k]).name(),
                      slicing.sliceIndex(newerStart[k]),
                      newerStart[k]);
              continue;
            }
          }
          int a = sessionAggregation[k];
          sessionAcc[k] = functions[a].merge(sessionAcc[k], sliceAcc[a]);
          newerMin[k] = times.min();
          newerMinUpper[k] = times.minUpperBound();
          newerStart[k] = slicing.sliceStartMillis(sliceIndex);
        }
        for (int a = 0; a < needed; a++) {
          int[] windows = windowSlicesByAggregation[a];
          for (int w = 0; w < windows.length; w++) {
            if (windows[w] == j + 1) {
              int pos = featuresByAggregation[a][w];
              try {
                values[pos] = functions[a].getFeatureResult(running[a], contextValues[a]);
                statuses[pos] =
                    functions[a].isEmpty(running[a]) ? FeatureStatus.EMPTY : FeatureStatus.PRESENT;
              } catch (ArithmeticException e) {
                // this feature only (a long sum beyond the long range, a count_distinct over its
                // bound)
                statuses[pos] = FeatureStatus.ERROR;
                featureError =
                    (featureError == null ? "" : featureError + "; ")
                        + features.get(pos).name()
                        + ": "
                        + e.getMessage();
              }
            }
          }
        }
        for (int k = 0; k < sessions; k++) {
          if (sessionSlices[k] == j + 1) {
            int pos = sessionPositions[k];
            AggregateFunction f = functions[sessionAggregation[k]];
            if (sessionError[k] != null) {
              statuses[pos] = FeatureStatus.ERROR;
              featureError = (featureError == null ? "" : featureError + "; ") + sessionError[k];
            } else {
              try {
                values[pos] =
                    f.getFeatureResult(sessionAcc[k], contextValues[sessionAggregation[k]]);
                statuses[pos] =
                    f.isEmpty(sessionAcc[k]) ? FeatureStatus.EMPTY : FeatureStatus.PRESENT;
              } catch (ArithmeticException e) {
                // this feature only, as for windows
                statuses[pos] = FeatureStatus.ERROR;
                featureError =
                    (featureError == null ? "" : featureError + "; ")
                        + features.get(pos).name()
                        + ": "
                        + e.getMessage();
              }
            }
          }
        }
      }
    } catch (CorruptDataException | ArithmeticException | IllegalStateException e) {
      // corrupt or inconsistent stored data: no feature of this entity can be trusted
      error = e.getMessage();
      Arrays.fill(values, null);
      Arrays.fill(statuses, FeatureStatus.ERROR);
    }
    return new FeatureVector(values, statuses, error != null ? error : featureError);
  }

  /**
   * Merges one slice's value (read-merge rule) into {@code into}, and records its event times in
   * {@code times} unless null.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void mergeSlice(
      Map<byte[], byte[]> hash,
      long sliceIndex,
      boolean isCurrent,
      long t,
      List<InputColumn> inputColumns,
      AggregateFunction[] functions,
      Object[] into,
      SliceTimes times) {
    long sliceStart = slicing.sliceStartMillis(sliceIndex);
    CompactedEntry compacted = null;
    for (Map.Entry<byte[], byte[]> e : hash.entrySet()) {
      if (OnlineLayout.isCompactedField(e.getKey())) {
        compacted = CompactedEntry.decode(e.getValue(), featureSet, sliceStart);
        break;
      }
    }
    if (compacted != null) {
      if (isCurrent && compacted.eventCount() > 0 && compacted.maxEventTimeMillis() >= t) {
        throw new IllegalStateException(
            "slice "
                + sliceIndex
                + " was compacted before it closed: it holds events at or after t="
                + t
                + " that cannot be left out");
      }
      for (int a = 0; a < functions.length; a++) {
        into[a] = functions[a].merge(into[a], compacted.accumulators().get(neededAggregations[a]));
      }
      if (times != null && compacted.eventCount() > 0) {
        times.count += compacted.eventCount();
        times.max = Math.max(times.max, compacted.maxEventTimeMillis());
        if (compacted.hasMinEventTime()) {
          times.knownMin = Math.min(times.knownMin, compacted.minEventTimeMillis());
        } else {
          times.minUnknown = true;
        }
      }
    }
    for (Map.Entry<byte[], byte[]> e : hash.entrySet()) {
      byte[] field = e.getKey();
      if (OnlineLayout.isCompactedField(field)) {
        continue;
      }
      long[] coords = OnlineLayout.parseEventField(field);
      int topic = (int) coords[0];
      int partition = (int) coords[1];
      long offset = coords[2];
      if (compacted != null && compacted.covers(topic, partition, offset)) {
        continue;
      }
      RowPreAggregate row = RowPreAggregate.decode(e.getValue(), inputColumns, sliceStart);
      if (isCurrent && row.eventTimeMillis() >= t) {
        continue;
      }
      EventPosition position = new EventPosition(row.eventTimeMillis(), topic, partition, offset);
      for (int a = 0; a < functions.length; a++) {
        into[a] =
            functions[a].add(
                into[a],
                featureSet.aggregations().get(neededAggregations[a]).input(row.inputs()),
                position);
      }
      if (times != null) {
        times.count++;
        times.knownMin = Math.min(times.knownMin, row.eventTimeMillis());
        times.max = Math.max(times.max, row.eventTimeMillis());
      }
    }
  }
}
