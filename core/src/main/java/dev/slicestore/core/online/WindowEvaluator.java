package dev.slicestore.core.online;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.time.Slicing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Computes an entity's features at an evaluation time {@code t} from its slice hashes, in one
 * newest-to-oldest pass: every window of every aggregation shares the same slices, so the pass
 * merges each slice once into one running accumulator per aggregation and reads a window's result
 * as soon as the pass has covered that window's {@code W / s} slices (DESIGN.md window rule).
 *
 * <h2>The read-merge rule, per slice hash</h2>
 * The slice's value is the merge of its compacted entry (if any) and every event field whose
 * Kafka offset lies outside the compacted entry's covered range for its partition; a slice with
 * no compacted entry is the merge of its fields. In the current slice (the one holding {@code t})
 * events at or after {@code t} are left out. An event arriving after compaction is therefore still
 * served, and a replay after compaction never counts twice.
 *
 * <h2>Request context</h2>
 * Features of functions that {@linkplain dev.slicestore.core.aggregate.AggregateFunction#usesRequestContext
 * use request context} ({@code bloom_contains}) answer a question about a value the caller
 * supplies: {@link #evaluate(long, List, Map)} takes the values by context key
 * ({@link #contextKeys()}, see {@link RequestContext}) and each window's value is
 * {@link dev.slicestore.core.aggregate.AggregateFunction#getFeatureResult} of the merged
 * accumulator and the value, the same call training makes.
 *
 * <p>Usage: fetch the hashes named by {@link #sliceKeys} (newest first) with one pipelined round
 * trip, then call {@link #evaluate} with them in the same order.
 *
 * <p>Immutable and thread-safe; {@link #evaluate} allocates its own accumulators.
 */
public final class WindowEvaluator {
  private final FeatureSet featureSet;
  private final OnlineLayout layout;
  private final Slicing slicing;
  private final List<Feature> features;
  private final int[] neededAggregations;
  /** Per needed aggregation: feature positions in {@link #features} and their window slice counts. */
  private final int[][] featuresByAggregation;
  private final int[][] windowSlicesByAggregation;
  private final int sliceCount;
  /** Per needed aggregation its request-context key, or null. */
  private final String[] contextKeys;
  /** Per feature, the position of its aggregation in {@link #neededAggregations}. */
  private final int[] aggregationOfFeature;
  private final Map<String, ValueType> contextDescription;

  /**
   * @param featureSet the feature set
   * @param features the features to compute (a subset of the feature set's, any order); the
   *     results follow this order
   */
  public WindowEvaluator(FeatureSet featureSet, List<Feature> features) {
    this.featureSet = featureSet;
    this.layout = new OnlineLayout(featureSet);
    this.slicing = featureSet.slicing();
    this.features = List.copyOf(features);
    List<Integer> aggs = new ArrayList<>();
    int maxSlices = 0;
    for (Feature f : features) {
      if (!aggs.contains(f.aggregationIndex())) {
        aggs.add(f.aggregationIndex());
      }
      maxSlices = Math.max(maxSlices, slicing.slicesPerWindow(f.windowMillis()));
    }
    this.neededAggregations = aggs.stream().mapToInt(Integer::intValue).toArray();
    this.featuresByAggregation = new int[neededAggregations.length][];
    this.windowSlicesByAggregation = new int[neededAggregations.length][];
    for (int a = 0; a < neededAggregations.length; a++) {
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < features.size(); i++) {
        if (features.get(i).aggregationIndex() == neededAggregations[a]) {
          positions.add(i);
        }
      }
      featuresByAggregation[a] = positions.stream().mapToInt(Integer::intValue).toArray();
      windowSlicesByAggregation[a] = positions.stream()
          .mapToInt(i -> slicing.slicesPerWindow(features.get(i).windowMillis())).toArray();
    }
    this.sliceCount = maxSlices;
    this.contextKeys = new String[neededAggregations.length];
    for (int a = 0; a < neededAggregations.length; a++) {
      contextKeys[a] = featureSet.aggregations().get(neededAggregations[a]).contextKey();
    }
    this.aggregationOfFeature = new int[features.size()];
    for (int i = 0; i < features.size(); i++) {
      aggregationOfFeature[i] = aggs.indexOf(features.get(i).aggregationIndex());
    }
    this.contextDescription = RequestContext.keys(featureSet, this.features);
  }

  /**
   * @return the request-context keys the features need (see {@link RequestContext}), with the
   *     type of their values; empty when none
   */
  public Map<String, ValueType> contextKeys() {
    return contextDescription;
  }

  /** @return the features computed, in result order */
  public List<Feature> features() {
    return features;
  }

  /** @return how many slices (newest first) {@link #evaluate} needs: the longest window's */
  public int sliceCount() {
    return sliceCount;
  }

  /**
   * @return the keys of the slices to read for {@code entityKey} at {@code t}, newest first:
   *     slice indices {@code sliceIndex(t)} down to {@code sliceIndex(t) - sliceCount + 1}
   */
  public List<byte[]> sliceKeys(String entityKey, long evaluationTimeMillis) {
    long current = slicing.sliceIndex(evaluationTimeMillis);
    List<byte[]> keys = new ArrayList<>(sliceCount);
    for (int j = 0; j < sliceCount; j++) {
      keys.add(layout.sliceKey(entityKey, current - j));
    }
    return keys;
  }

  /**
   * Evaluates every requested feature.
   *
   * @param evaluationTimeMillis {@code t}, epoch ms
   * @param slicesNewestFirst the contents of the hashes named by {@link #sliceKeys}, same order
   *     (an empty map or null for a missing hash); may be shorter than {@link #sliceCount()} if
   *     the remaining slices are all empty
   * @return the feature vector; corrupt stored data gives {@link FeatureStatus#ERROR} statuses
   *     for every feature and a message, never an exception; a result that cannot be represented
   *     (a long sum beyond the long range, a {@code count_distinct} over its bound) gives ERROR for
   *     that feature only, with a message naming it
   */
  public FeatureVector evaluate(long evaluationTimeMillis, List<Map<byte[], byte[]>> slicesNewestFirst) {
    return evaluate(evaluationTimeMillis, slicesNewestFirst, Map.of());
  }

  /**
   * Evaluates every requested feature, answering features with request context (see
   * {@link RequestContext}) from {@code context}.
   *
   * @param evaluationTimeMillis {@code t}, epoch ms
   * @param slicesNewestFirst as {@link #evaluate(long, List)}
   * @param context request-context values by key, already {@linkplain RequestContext#convert
   *     converted} to the input types; a key mapped to null is an explicit null (the feature's
   *     value is null); must hold every key of {@link #contextKeys()}
   * @return the feature vector
   * @throws IllegalArgumentException if a needed context key is missing (the message names the
   *     feature and the key)
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public FeatureVector evaluate(long evaluationTimeMillis, List<Map<byte[], byte[]>> slicesNewestFirst,
      Map<String, ?> context) {
    Object[] contextValues = RequestContext.pick(contextKeys, features, aggregationOfFeature, context);
    List<Aggregation> aggregations = featureSet.aggregations();
    List<InputColumn> inputColumns = featureSet.inputColumns();
    Object[] running = new Object[neededAggregations.length];
    AggregateFunction[] functions = new AggregateFunction[neededAggregations.length];
    int[] slots = new int[neededAggregations.length];
    for (int a = 0; a < neededAggregations.length; a++) {
      Aggregation agg = aggregations.get(neededAggregations[a]);
      functions[a] = agg.function();
      slots[a] = agg.inputSlot();
      running[a] = functions[a].createAccumulator();
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
        if (hash != null && !hash.isEmpty()) {
          mergeSlice(hash, sliceIndex, j == 0, evaluationTimeMillis, inputColumns, aggregations, functions, slots, running);
        }
        for (int a = 0; a < neededAggregations.length; a++) {
          int[] windows = windowSlicesByAggregation[a];
          for (int w = 0; w < windows.length; w++) {
            if (windows[w] == j + 1) {
              int pos = featuresByAggregation[a][w];
              try {
                values[pos] = functions[a].getFeatureResult(running[a], contextValues[a]);
                statuses[pos] = functions[a].isEmpty(running[a]) ? FeatureStatus.EMPTY : FeatureStatus.PRESENT;
              } catch (ArithmeticException e) {
                // this feature only (a long sum beyond the long range, a count_distinct over its bound)
                statuses[pos] = FeatureStatus.ERROR;
                featureError = (featureError == null ? "" : featureError + "; ") + features.get(pos).name() + ": " + e.getMessage();
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

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void mergeSlice(Map<byte[], byte[]> hash, long sliceIndex, boolean isCurrent, long t,
      List<InputColumn> inputColumns, List<Aggregation> aggregations, AggregateFunction[] functions, int[] slots,
      Object[] running) {
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
        throw new IllegalStateException("slice " + sliceIndex + " was compacted before it closed: it holds events at or after t="
            + t + " that cannot be left out");
      }
      for (int a = 0; a < functions.length; a++) {
        running[a] = functions[a].merge(running[a], compacted.accumulators().get(neededAggregations[a]));
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
        running[a] = functions[a].add(running[a], aggregations.get(neededAggregations[a]).input(row.inputs()), position);
      }
    }
  }
}
