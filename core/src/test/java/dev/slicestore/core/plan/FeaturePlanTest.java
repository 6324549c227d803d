package dev.slicestore.core.plan;

import static dev.slicestore.core.testing.FeatureSetFixtures.shipped;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.offline.PointInTimeEvaluator;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.Seeds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@link FeaturePlan} against a plain recomputation from the definitions: needed aggregations in
 * first-use order, windows and session lookbacks as {@code length / slice}, session gaps from the
 * aggregation's {@code session} block, context keys from the aggregations, on the shipped feature
 * sets and on random subsets of them in random order.
 */
class FeaturePlanTest {
  private static final FeatureSet SMALL =
      FeatureSetFixtures.parse(
          """
      name = small
      version = 1
      source { topics = [t], schema { k = string, ts = long, l = long, m = string } }
      entity-key = k
      event-time { column = ts, format = epoch-millis }
      slice = 10s
      windows = [10s, 1m]
      aggregations = [
        { name = rows, function = count, session { gap = 30s, max-length = 2m } }
        { name = l_sum, function = sum, input = l, windows = [30s], session { gap = 10s, max-length = 1m } }
        { name = m_seen, function = bloom_contains, input = m, context = merchant, windows = [5m],
          params { expected-items = 10, false-positive-rate = 0.01 } }
      ]
      """,
          "small.conf");

  @Test
  void aSmallPlanWorkedOutByHand() {
    // rows_session (agg 0), l_sum_30s and l_sum_session (agg 1), m_seen_5m (agg 2); requested out
    // of order
    List<Feature> features =
        List.of(
            SMALL.feature("m_seen_5m"),
            SMALL.feature("l_sum_session"),
            SMALL.feature("rows_session"),
            SMALL.feature("l_sum_30s"));
    FeaturePlan plan = new FeaturePlan(SMALL, features);
    assertThat(plan.features()).isEqualTo(features);
    assertThat(plan.neededAggregations())
        .as("first use: m_seen, l_sum, rows")
        .containsExactly(2, 1, 0);
    assertThat(plan.aggregation(0).name()).isEqualTo("m_seen");
    assertThat(plan.windowFeaturePositions(0)).containsExactly(0);
    assertThat(plan.windowSlices(0)).as("5m / 10s").containsExactly(30);
    assertThat(plan.windowFeaturePositions(1))
        .as("l_sum_30s; its session feature is not a window")
        .containsExactly(3);
    assertThat(plan.windowSlices(1)).containsExactly(3);
    assertThat(plan.windowFeaturePositions(2)).as("rows has only its session feature").isEmpty();
    assertThat(plan.sessionFeatureCount()).isEqualTo(2);
    assertThat(plan.sessionFeaturePositions()).containsExactly(1, 2);
    assertThat(plan.sessionAggregations()).containsExactly(1, 2);
    assertThat(plan.sessionSlices()).as("1m / 10s, 2m / 10s").containsExactly(6, 12);
    assertThat(plan.sessionGapsMillis()).containsExactly(10_000L, 30_000L);
    assertThat(plan.longestWindowSlices()).isEqualTo(30);
    assertThat(plan.contextKeys()).containsExactly("merchant", null, null);
    assertThat(plan.aggregationOfFeatures()).containsExactly(0, 1, 2, 1);
    assertThat(plan.requestContextKeys()).containsExactly(Map.entry("merchant", ValueType.STRING));
    assertThat(plan.requestContextValues(Map.of("merchant", "m-1")))
        .containsExactly("m-1", null, null);
    assertThatThrownBy(() -> plan.requestContextValues(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Feature m_seen_5m needs the request context value 'merchant', which is missing");
  }

  @Test
  void everyShippedFeatureSetMatchesTheRecomputation() {
    for (String name : List.of("cards", "retail", "retail_catalogue", "small")) {
      FeatureSet fs = name.equals("small") ? SMALL : shipped(name);
      FeaturePlan plan = new FeaturePlan(fs, fs.features());
      assertMatchesRecomputation(plan, fs, fs.features(), name);
      assertThat(plan.neededAggregationCount())
          .as("%s: all features need every aggregation", name)
          .isEqualTo(fs.aggregations().size());
      assertThat((long) plan.longestWindowSlices())
          .as("%s: the longest window of the feature set", name)
          .isEqualTo(fs.longestWindowMillis() / fs.sliceMillis());
    }
  }

  @Test
  void randomSubsetsInRandomOrderMatchTheRecomputation() {
    Random r = Seeds.random("FeaturePlanTest.randomSubsetsInRandomOrderMatchTheRecomputation");
    List<FeatureSet> sets =
        List.of(shipped("cards"), shipped("retail"), shipped("retail_catalogue"), SMALL);
    for (int trial = 0; trial < 300; trial++) {
      FeatureSet fs = sets.get(r.nextInt(sets.size()));
      List<Feature> features = new ArrayList<>(fs.features());
      Collections.shuffle(features, r);
      features = new ArrayList<>(features.subList(0, r.nextInt(features.size() + 1)));
      if (!features.isEmpty() && r.nextInt(4) == 0) {
        features.add(features.get(r.nextInt(features.size()))); // a feature requested twice
      }
      assertMatchesRecomputation(
          new FeaturePlan(fs, features),
          fs,
          features,
          Seeds.describe()
              + " trial "
              + trial
              + " "
              + fs.name()
              + " "
              + features.stream().map(Feature::name).toList());
    }
  }

  @Test
  void noFeaturesIsAnEmptyPlan() {
    FeaturePlan plan = new FeaturePlan(SMALL, List.of());
    assertThat(plan.neededAggregationCount()).isZero();
    assertThat(plan.sessionFeatureCount()).isZero();
    assertThat(plan.longestWindowSlices()).isZero();
    assertThat(plan.requestContextKeys()).isEmpty();
    assertThat(plan.requestContextValues(null)).isEmpty();
  }

  @Test
  void returnedArraysAreCopies() {
    FeaturePlan plan = new FeaturePlan(SMALL, SMALL.features());
    plan.neededAggregations()[0] = 99;
    plan.windowFeaturePositions(1)[0] = 99;
    plan.windowSlices(1)[0] = 99;
    plan.sessionFeaturePositions()[0] = 99;
    plan.sessionAggregations()[0] = 99;
    plan.sessionSlices()[0] = 99;
    plan.sessionGapsMillis()[0] = 99;
    plan.contextKeys()[0] = "x";
    plan.aggregationOfFeatures()[0] = 99;
    assertMatchesRecomputation(plan, SMALL, SMALL.features(), "after writing into returned arrays");
  }

  @Test
  void bothEvaluatorsExposeTheSamePlan() {
    FeatureSet cards = shipped("cards");
    List<Feature> features = new ArrayList<>(cards.features());
    Collections.reverse(features);
    WindowEvaluator online = new WindowEvaluator(cards, features);
    PointInTimeEvaluator offline = new PointInTimeEvaluator(cards, features);
    assertMatchesRecomputation(online.plan(), cards, features, "online");
    assertMatchesRecomputation(offline.plan(), cards, features, "offline");
    assertThat(online.sliceCount()).isEqualTo(online.plan().longestWindowSlices());
    assertThat(offline.longestWindowSlices()).isEqualTo(offline.plan().longestWindowSlices());
    assertThat(offline.neededAggregations()).isEqualTo(offline.plan().neededAggregations());
    assertThat(online.contextKeys())
        .isEqualTo(offline.contextKeys())
        .isEqualTo(online.plan().requestContextKeys());
  }

  /** Recomputes the plan from the definitions in the plainest way and compares. */
  private static void assertMatchesRecomputation(
      FeaturePlan plan, FeatureSet fs, List<Feature> features, String ctx) {
    long slice = fs.sliceMillis();
    List<Integer> needed = features.stream().map(Feature::aggregationIndex).distinct().toList();
    assertThat(plan.features()).as(ctx).isEqualTo(features);
    assertThat(plan.neededAggregationCount()).as(ctx).isEqualTo(needed.size());
    assertThat(plan.neededAggregations())
        .as(ctx)
        .containsExactly(needed.stream().mapToInt(Integer::intValue).toArray());
    for (int a = 0; a < needed.size(); a++) {
      int agg = needed.get(a);
      assertThat(plan.aggregation(a)).as(ctx).isSameAs(fs.aggregations().get(agg));
      int[] windows =
          IntStream.range(0, features.size())
              .filter(
                  i -> features.get(i).aggregationIndex() == agg && !features.get(i).isSession())
              .toArray();
      assertThat(plan.windowFeaturePositions(a))
          .as("%s: window features of %s", ctx, agg)
          .containsExactly(windows);
      assertThat(plan.windowSlices(a))
          .as("%s: window slices of %s", ctx, agg)
          .containsExactly(
              IntStream.of(windows)
                  .map(i -> (int) (features.get(i).windowMillis() / slice))
                  .toArray());
      for (int i : windows) {
        assertThat(fs.aggregations().get(agg).windowsMillis())
            .as(ctx)
            .contains(features.get(i).windowMillis());
      }
    }
    int[] sessions =
        IntStream.range(0, features.size()).filter(i -> features.get(i).isSession()).toArray();
    assertThat(plan.sessionFeatureCount()).as(ctx).isEqualTo(sessions.length);
    assertThat(plan.sessionFeaturePositions()).as(ctx).containsExactly(sessions);
    assertThat(plan.sessionAggregations())
        .as(ctx)
        .containsExactly(
            IntStream.of(sessions)
                .map(i -> needed.indexOf(features.get(i).aggregationIndex()))
                .toArray());
    assertThat(plan.sessionSlices())
        .as("%s: session lookbacks", ctx)
        .containsExactly(
            IntStream.of(sessions)
                .map(
                    i ->
                        (int)
                            (fs.aggregations()
                                    .get(features.get(i).aggregationIndex())
                                    .session()
                                    .maxLengthMillis()
                                / slice))
                .toArray());
    assertThat(plan.sessionGapsMillis())
        .as("%s: session gaps", ctx)
        .containsExactly(
            IntStream.of(sessions)
                .mapToLong(
                    i ->
                        fs.aggregations()
                            .get(features.get(i).aggregationIndex())
                            .session()
                            .gapMillis())
                .toArray());
    long longestMillis = features.stream().mapToLong(Feature::windowMillis).max().orElse(0);
    assertThat((long) plan.longestWindowSlices())
        .as("%s: longest window", ctx)
        .isEqualTo(longestMillis / slice);
    assertThat(plan.contextKeys())
        .as(ctx)
        .containsExactly(
            needed.stream().map(i -> fs.aggregations().get(i).contextKey()).toArray(String[]::new));
    assertThat(plan.aggregationOfFeatures())
        .as(ctx)
        .containsExactly(
            features.stream().mapToInt(f -> needed.indexOf(f.aggregationIndex())).toArray());
    Map<String, ValueType> keys = new LinkedHashMap<>();
    for (Feature f : features) {
      Aggregation agg = fs.aggregations().get(f.aggregationIndex());
      if (agg.contextKey() != null && !keys.containsKey(agg.contextKey())) {
        keys.put(agg.contextKey(), agg.inputType());
      }
    }
    assertThat(plan.requestContextKeys()).as(ctx).containsExactlyEntriesOf(keys);
  }
}
