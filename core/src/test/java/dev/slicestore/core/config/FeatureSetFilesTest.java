package dev.slicestore.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.aggregate.ResultType;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.testing.FeatureSetFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every file of conf/feature-sets/ loads, and the catalogue examples declare what their comments
 * say.
 */
class FeatureSetFilesTest {
  private static final Path DIR = FeatureSetFixtures.featureSetsDir();

  @Test
  void everyFileLoadsAndNamesItsFeatureSetAfterTheFile() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(DIR)) {
      files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
    }
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains("retail.conf", "retail_catalogue.conf", "cards.conf");
    for (Path file : files) {
      FeatureSet fs = FeatureSetLoader.load(file);
      assertThat(fs.name() + ".conf")
          .as("file name of %s", fs.name())
          .isEqualTo(file.getFileName().toString());
      assertThat(fs.features()).as(file.toString()).isNotEmpty();
    }
    Map<String, FeatureSet> all = FeatureSetLoader.loadDirectory(DIR);
    assertThat(all).containsKeys("retail", "retail_catalogue", "cards");
  }

  @Test
  void retailCatalogue() {
    FeatureSet fs = FeatureSetFixtures.shipped("retail_catalogue");
    assertThat(fs.topics()).containsExactly("retail-events");
    assertThat(fs.aggregations())
        .extracting(a -> a.function().name())
        .containsExactly(
            "count",
            "approx_count_distinct",
            "count_distinct",
            "most_frequent",
            "last_k",
            "max",
            "argmax",
            "variance_samp",
            "stddev_samp",
            "top_k",
            "approx_percentile",
            "count",
            "sum",
            "bool_or",
            "bloom_contains");
    assertThat(fs.feature("visit_spend_session").isSession()).isTrue();
    assertThat(fs.feature("visit_lines_session").sessionGapMillis()).isEqualTo(2 * 3_600_000L);
    assertThat(fs.feature("top_products_7d").result())
        .isEqualTo(ResultType.itemCounts(ValueType.STRING));
    assertThat(fs.feature("last_products_30d").result())
        .isEqualTo(ResultType.list(ValueType.STRING));
    assertThat(fs.feature("amount_pct_1d").result()).isEqualTo(ResultType.list(ValueType.DOUBLE));
    assertThat(fs.feature("cancelled_any_1d").result())
        .isEqualTo(ResultType.scalar(ValueType.BOOLEAN));
    assertThat(fs.feature("product_seen_7d").result())
        .isEqualTo(ResultType.scalar(ValueType.BOOLEAN));
    assertThat(fs.feature("product_seen_1d")).as("only 7d and 30d").isNull();
    assertThat(RequestContext.keys(fs, fs.features()))
        .containsExactly(Map.entry("product", ValueType.STRING));
    assertThat(fs.columns()).containsEntry("cancelled", ValueType.BOOLEAN);
  }

  @Test
  void cards() {
    FeatureSet fs = FeatureSetFixtures.shipped("cards");
    assertThat(fs.entityKeyColumn()).isEqualTo("card_id");
    assertThat(fs.sliceMillis()).isEqualTo(60_000L);
    assertThat(fs.features())
        .extracting(Feature::name)
        .contains(
            "tx_1m",
            "tx_1h",
            "tx_1d",
            "amount_sum_1h",
            "amount_max_1d",
            "merchants_1d",
            "countries_1h",
            "merchant_seen_1h",
            "merchant_seen_1d",
            "burst_tx_session",
            "burst_spend_session");
    assertThat(RequestContext.keys(fs, fs.features()))
        .containsExactly(Map.entry("merchant", ValueType.STRING));
    assertThat(fs.feature("merchant_seen_1d").result())
        .isEqualTo(ResultType.scalar(ValueType.BOOLEAN));
  }
}
