package dev.slicestore.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.online.FeatureStatus;
import dev.slicestore.core.online.FeatureVector;
import java.util.ArrayList;
import java.util.List;

/** A feature vector's values checked against {@link NaiveAggregator}, for the oracle tests. */
public final class NaiveFeatures {

  private NaiveFeatures() {}

  /**
   * @return the inputs {@code events} give {@code agg}, in order
   */
  public static List<Object> inputs(Aggregation agg, List<? extends OracleEvent> events) {
    List<Object> values = new ArrayList<>();
    for (OracleEvent e : events) {
      values.add(e.input(agg));
    }
    return values;
  }

  /**
   * Asserts that feature {@code i} of {@code fv} is the naive result of {@code agg} over {@code
   * values}, with the status {@code PRESENT} where that result has input and {@code EMPTY}
   * otherwise.
   *
   * @param description what the feature is, for the messages
   * @return whether the feature has input ({@code PRESENT})
   */
  public static boolean assertNaive(
      FeatureVector fv, int i, Aggregation agg, List<Object> values, String description) {
    String name = agg.function().name();
    assertThat(fv.values()[i])
        .as(description)
        .isEqualTo(NaiveAggregator.result(name, agg.inputType(), values));
    boolean present = NaiveAggregator.present(name, agg.inputType(), values);
    assertThat(fv.statuses()[i])
        .as("status of %s", description)
        .isEqualTo(present ? FeatureStatus.PRESENT : FeatureStatus.EMPTY);
    return present;
  }
}
