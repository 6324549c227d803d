package dev.slicestore.core.plan;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.time.Slicing;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What computing a list of features of one feature set needs, worked out once: the plan the online
 * evaluator ({@link dev.slicestore.core.online.WindowEvaluator}), the offline evaluator ({@link
 * dev.slicestore.core.offline.PointInTimeEvaluator}) and training share.
 *
 * <h2>Indices</h2>
 *
 * Three kinds of index appear in the plan:
 *
 * <ul>
 *   <li>a <em>feature position</em> {@code i}: the index of a feature in {@link #features()} (the
 *       requested order, which results follow);
 *   <li>a <em>needed aggregation</em> {@code a}: the index of an aggregation in {@link
 *       #neededAggregations()}, the aggregations the features use, each once, in the order of their
 *       first use by {@link #features()}; {@code neededAggregations()[a]} is its index in {@link
 *       FeatureSet#aggregations()};
 *   <li>a <em>session feature</em> {@code k}: the index of a session feature ({@link
 *       Feature#isSession()}) among the session features of {@link #features()}, in feature order.
 * </ul>
 *
 * <h2>Windows in slices</h2>
 *
 * Every length is given in slices of the feature set's slice size {@code s} ({@link
 * Slicing#slicesPerWindow}): a sliding window of {@code W} ms spans {@code W / s} slices, the
 * current slice included (the window rule of {@link Slicing}); a session feature looks back over
 * its max-length ({@link Feature#windowMillis()}), {@code maxLength / s} slices.
 *
 * <h2>Request context</h2>
 *
 * Per needed aggregation the plan knows its request-context key ({@link Aggregation#contextKey()},
 * null for functions without request context), and per feature the needed aggregation it reads;
 * {@link #requestContextKeys()} is {@link RequestContext#keys} of the features and {@link
 * #requestContextValues} is {@link RequestContext#pick} over them.
 *
 * <p>Immutable and thread-safe: every array the plan returns is a copy.
 */
public final class FeaturePlan {
  private final FeatureSet featureSet;
  private final List<Feature> features;

  /** Per needed aggregation: its index in {@link FeatureSet#aggregations()}. */
  private final int[] neededAggregations;

  /** Per needed aggregation: the positions of its sliding-window features, in feature order. */
  private final int[][] windowFeaturePositions;

  /** Per needed aggregation: the lengths in slices of those windows, same order. */
  private final int[][] windowSlices;

  /**
   * Per session feature: its position, its needed aggregation, its lookback in slices, its gap in
   * ms.
   */
  private final int[] sessionFeaturePositions;

  private final int[] sessionAggregations;
  private final int[] sessionSlices;
  private final long[] sessionGapsMillis;
  private final int longestWindowSlices;

  /** Per needed aggregation: its request-context key, or null. */
  private final String[] contextKeys;

  /** Per feature position: its needed aggregation. */
  private final int[] aggregationOfFeature;

  private final Map<String, ValueType> requestContextKeys;

  /**
   * Works out the plan.
   *
   * @param featureSet the feature set
   * @param features the features to compute, features of {@code featureSet} in any order (the
   *     results of an evaluator follow this order); may be empty (no needed aggregations, no
   *     slices); copied
   * @throws NullPointerException if {@code features} or one of its elements is null
   * @throws IndexOutOfBoundsException if a feature's {@link Feature#aggregationIndex()} is not an
   *     index of {@link FeatureSet#aggregations()}
   * @throws IllegalArgumentException if a feature's window (or session max-length) is not a
   *     positive whole multiple of the slice size, or spans more than {@link Integer#MAX_VALUE}
   *     slices ({@link Slicing#slicesPerWindow}); checked aggregation by aggregation, in the order
   *     of {@link #neededAggregations()}
   */
  public FeaturePlan(FeatureSet featureSet, List<Feature> features) {
    Slicing slicing = featureSet.slicing();
    this.featureSet = featureSet;
    this.features = List.copyOf(features);
    List<Integer> needed = new ArrayList<>();
    for (Feature f : this.features) {
      if (!needed.contains(f.aggregationIndex())) {
        needed.add(f.aggregationIndex());
      }
    }
    int n = needed.size();
    this.neededAggregations = needed.stream().mapToInt(Integer::intValue).toArray();
    this.windowFeaturePositions = new int[n][];
    this.windowSlices = new int[n][];
    this.contextKeys = new String[n];
    int[] slicesOfFeature = new int[this.features.size()];
    int longest = 0;
    for (int a = 0; a < n; a++) {
      Aggregation aggregation = featureSet.aggregations().get(neededAggregations[a]);
      contextKeys[a] = aggregation.contextKey();
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < this.features.size(); i++) {
        Feature f = this.features.get(i);
        if (f.aggregationIndex() == neededAggregations[a]) {
          if (f.isSession()) {
            slicesOfFeature[i] = slicing.slicesPerWindow(f.windowMillis());
            longest = Math.max(longest, slicesOfFeature[i]);
          } else {
            positions.add(i);
          }
        }
      }
      for (int i : positions) {
        slicesOfFeature[i] = slicing.slicesPerWindow(this.features.get(i).windowMillis());
        longest = Math.max(longest, slicesOfFeature[i]);
      }
      windowFeaturePositions[a] = positions.stream().mapToInt(Integer::intValue).toArray();
      windowSlices[a] = positions.stream().mapToInt(i -> slicesOfFeature[i]).toArray();
    }
    List<Integer> sessions = new ArrayList<>();
    for (int i = 0; i < this.features.size(); i++) {
      if (this.features.get(i).isSession()) {
        sessions.add(i);
      }
    }
    this.sessionFeaturePositions = sessions.stream().mapToInt(Integer::intValue).toArray();
    this.sessionAggregations = new int[sessionFeaturePositions.length];
    this.sessionSlices = new int[sessionFeaturePositions.length];
    this.sessionGapsMillis = new long[sessionFeaturePositions.length];
    for (int k = 0; k < sessionFeaturePositions.length; k++) {
      int i = sessionFeaturePositions[k];
      sessionAggregations[k] = needed.indexOf(this.features.get(i).aggregationIndex());
      sessionSlices[k] = slicesOfFeature[i];
      sessionGapsMillis[k] = this.features.get(i).sessionGapMillis();
    }
    this.longestWindowSlices = longest;
    this.aggregationOfFeature = new int[this.features.size()];
    for (int i = 0; i < this.features.size(); i++) {
      aggregationOfFeature[i] = needed.indexOf(this.features.get(i).aggregationIndex());
    }
    this.requestContextKeys = RequestContext.keys(featureSet, this.features);
  }

  /**
   * @return the feature set the plan is for
   */
  public FeatureSet featureSet() {
    return featureSet;
  }

  /**
   * @return the features, in the requested order (feature positions index it; unmodifiable)
   */
  public List<Feature> features() {
    return features;
  }

  /**
   * @return how many aggregations the features need (0 for no features)
   */
  public int neededAggregationCount() {
    return neededAggregations.length;
  }

  /**
   * @return per needed aggregation its index in {@link FeatureSet#aggregations()}, in the order of
   *     first use by {@link #features()}, each aggregation once (a copy)
   */
  public int[] neededAggregations() {
    return neededAggregations.clone();
  }

  /**
   * @param a a needed aggregation, {@code 0 <= a < neededAggregationCount()}
   * @return its aggregation in {@link FeatureSet#aggregations()}
   * @throws IndexOutOfBoundsException if {@code a} is out of range
   */
  public Aggregation aggregation(int a) {
    return featureSet.aggregations().get(neededAggregations[a]);
  }

  /**
   * @param a a needed aggregation, {@code 0 <= a < neededAggregationCount()}
   * @return the feature positions of its sliding-window features (session features excluded),
   *     ascending; empty when it has only a session feature (a copy)
   * @throws IndexOutOfBoundsException if {@code a} is out of range
   */
  public int[] windowFeaturePositions(int a) {
    return windowFeaturePositions[a].clone();
  }

  /**
   * @param a a needed aggregation, {@code 0 <= a < neededAggregationCount()}
   * @return the window lengths in slices ({@code W / s}, each {@code >= 1}) of its sliding-window
   *     features, in the order of {@link #windowFeaturePositions(int)} (a copy)
   * @throws IndexOutOfBoundsException if {@code a} is out of range
   */
  public int[] windowSlices(int a) {
    return windowSlices[a].clone();
  }

  /**
   * @return how many of the features are session features
   */
  public int sessionFeatureCount() {
    return sessionFeaturePositions.length;
  }

  /**
   * @return per session feature its feature position, ascending (a copy; empty without session
   *     features)
   */
  public int[] sessionFeaturePositions() {
    return sessionFeaturePositions.clone();
  }

  /**
   * @return per session feature the needed aggregation it reads (an index into {@link
   *     #neededAggregations()}; a copy)
   */
  public int[] sessionAggregations() {
    return sessionAggregations.clone();
  }

  /**
   * @return per session feature its lookback in slices: its max-length divided by the slice size,
   *     each {@code >= 1} (a copy)
   */
  public int[] sessionSlices() {
    return sessionSlices.clone();
  }

  /**
   * @return per session feature its session gap in ms, each {@code > 0} (a copy)
   */
  public long[] sessionGapsMillis() {
    return sessionGapsMillis.clone();
  }

  /**
   * The number of slices, newest (the one holding {@code t}) first, that evaluating every feature
   * at {@code t} reads: the longest of the sliding windows' lengths and the session features'
   * max-lengths, in slices.
   *
   * @return {@code max over the features of windowMillis / s}; at least 1 when there are features
   *     (every window and max-length spans at least one slice), so for a non-empty list it equals
   *     {@code Math.max(1, ...)} of the same; 0 when there are none
   */
  public int longestWindowSlices() {
    return longestWindowSlices;
  }

  /**
   * @return per needed aggregation its request-context key ({@link Aggregation#contextKey()}), or
   *     null for an aggregation whose function takes no request context (a copy)
   */
  public String[] contextKeys() {
    return contextKeys.clone();
  }

  /**
   * @return per feature position the needed aggregation it reads (an index into {@link
   *     #neededAggregations()}; a copy)
   */
  public int[] aggregationOfFeatures() {
    return aggregationOfFeature.clone();
  }

  /**
   * @return the request-context keys the features need, with the type their values must have, in
   *     the order of first use ({@link RequestContext#keys}); empty when none (unmodifiable)
   */
  public Map<String, ValueType> requestContextKeys() {
    return requestContextKeys;
  }

  /**
   * Picks, per needed aggregation, the request-context value its features test ({@link
   * RequestContext#pick}).
   *
   * @param context request-context values by key, already {@linkplain RequestContext#convert
   *     converted} to the input types; a key mapped to null is an explicit null; may be null when
   *     no key is needed
   * @return per needed aggregation its value, null for an aggregation without request context (a
   *     new array)
   * @throws IllegalArgumentException if a key of {@link #requestContextKeys()} is missing from
   *     {@code context}; the message names the first feature (in feature order) of the first needed
   *     aggregation whose key is missing, and the key
   */
  public Object[] requestContextValues(Map<String, ?> context) {
    return RequestContext.pick(contextKeys, features, aggregationOfFeature, context);
  }

  @Override
  public String toString() {
    return "FeaturePlan["
        + featureSet.name()
        + ": "
        + features.size()
        + " features, "
        + neededAggregations.length
        + " aggregations, "
        + longestWindowSlices
        + " slices]";
  }
}
