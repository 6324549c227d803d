package dev.slicestore.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.testing.FeatureSetFixtures;
import org.junit.jupiter.api.Test;

class RetailConfTest {
  @Test
  void retailFeatureSetLoads() {
    FeatureSet fs = FeatureSetFixtures.shipped("retail");
    assertThat(fs.features())
        .extracting(Feature::name)
        .contains("lines_1h", "amount_sum_7d", "amount_min_30d");
    assertThat(fs.features()).hasSize(20);
    assertThat(fs.transformColumns().get(1).expression())
        .isEqualTo("regexp_replace(CustomerID, '\\\\.0$', '')");
    assertThat(fs.inputColumns())
        .containsExactly(new InputColumn("amount", dev.slicestore.core.aggregate.ValueType.DOUBLE));
  }
}
