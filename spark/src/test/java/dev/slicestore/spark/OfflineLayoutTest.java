package dev.slicestore.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import org.junit.jupiter.api.Test;

/** The offline layout's naming rules, with the messages users see (no Spark session). */
class OfflineLayoutTest {
  private static final String CONF =
      """
      name = orders
      version = 2
      source { topics = [orders, returns], dead-letter-topic = dlq, schema { %s } }
      entity-key = customer
      event-time { column = at, format = iso-8601 }
      slice = 5m
      windows = [5m, 1h]
      allowed-lateness = 10m
      aggregations = [ %s ]
      """;

  private static FeatureSet fs(String schema, String aggregations) {
    return FeatureSetLoader.parse(CONF.formatted(schema, aggregations), "orders.conf");
  }

  private static FeatureSet orders() {
    return fs(
        "customer = string, total = double, at = string",
        "{ name = n, function = count }, { name = total_sum, function = sum, input = total }");
  }

  @Test
  void columnNamesMustFitTheTables() {
    OfflineLayout.checkColumnNames(orders());
    assertThatThrownBy(
            () ->
                OfflineLayout.checkColumnNames(
                    fs(
                        "customer = string, offset = long, at = string",
                        "{ name = n, function = count }")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "Cannot write the events table of feature set orders: the payload or transform column 'offset' has the same"
                + " name as another column of that table");
    assertThatThrownBy(
            () ->
                OfflineLayout.checkColumnNames(
                    fs(
                        "customer = string, at = string",
                        "{ name = n, function = count }, { name = n_acc, function = count }")))
        .hasMessageContaining("the aggregation 'n_acc' has the same name");
    assertThatThrownBy(
            () ->
                OfflineLayout.checkColumnNames(
                    fs(
                        "customer = string, at = string",
                        "{ name = Event_Count, function = count }")))
        .hasMessageContaining("'Event_Count'");
    assertThat(OfflineLayout.eventsTable("cat", "ns", orders())).isEqualTo("cat.ns.orders_events");
    assertThat(OfflineLayout.slicesTable("cat", "ns", orders())).isEqualTo("cat.ns.orders_slices");
  }

  @Test
  void slicesTableColumnsFollowTheLayout() {
    assertThat(OfflineLayout.slicesSchema(orders()).fieldNames())
        .containsExactly(
            "entity_key",
            "slice_index",
            "slice_start",
            "slice_end",
            "event_count",
            "min_event_time",
            "max_event_time",
            "n",
            "n_acc",
            "total_sum",
            "total_sum_acc",
            "covered_offsets");
    assertThat(OfflineLayout.eventsSchema(orders()).fieldNames())
        .startsWith(
            "entity_key",
            "event_time",
            "slice_start",
            "slice_index",
            "topic",
            "partition",
            "offset")
        .contains("customer", "total", "at")
        .hasSize(10);
  }
}
