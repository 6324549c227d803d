package dev.slicestore.serving;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.util.LinkedHashMap;
import java.util.Map;

/** The feature sets the serving tests use. */
final class TestFeatureSets {
  private TestFeatureSets() {}

  /** One-hour slices, windows 1h / 3h / 1d, every function over every input type. */
  static final String SHOP = """
      name = shop
      version = 3
      source {
        topics = [shop-events]
        schema { customer = string, ts = long, amount = double, quantity = long, country = string }
      }
      entity-key = customer
      event-time { column = ts, format = epoch-millis }
      slice = 1h
      windows = [1h, 3h, 1d]
      allowed-lateness = 10m
      aggregations = [
        { name = events, function = count }
        { name = amount_count, function = count, input = amount }
        { name = amount_sum, function = sum, input = amount }
        { name = amount_mean, function = mean, input = amount }
        { name = amount_min, function = min, input = amount }
        { name = amount_max, function = max, input = amount }
        { name = quantity_sum, function = sum, input = quantity }
        { name = country_max, function = max, input = country }
      ]
      """;

  static final String OTHER = """
      name = other
      version = 1
      source { topics = [other-events], schema { id = string, ts = long } }
      entity-key = id
      event-time { column = ts, format = epoch-millis }
      slice = 10m
      windows = [10m, 1h]
      aggregations = [ { name = events, function = count } ]
      """;

  /**
   * Card transactions, one-minute slices: a merchant bloom filter answered with request context
   * (key {@code merchant}, the input column), an MCC one under the key {@code category}, and list
   * and item-count features for the CLI's rendering.
   */
  static final String CARDS = """
      name = cards
      version = 1
      source {
        topics = [card-tx]
        schema { card = string, ts = long, merchant = string, mcc = long, amount = double }
      }
      entity-key = card
      event-time { column = ts, format = epoch-millis }
      slice = 1m
      windows = [1h, 1d]
      aggregations = [
        { name = tx, function = count }
        { name = merchant_seen, function = bloom_contains, input = merchant,
          params { expected-items = 1000, false-positive-rate = 0.01 } }
        { name = mcc_seen, function = bloom_contains, input = mcc, context = category, windows = [1d],
          params { expected-items = 100, false-positive-rate = 0.01 } }
        { name = last_merchants, function = last_k, input = merchant, params { k = 3 }, windows = [1d] }
        { name = top_merchants, function = most_frequent, input = merchant, params { k = 3 }, windows = [1d] }
        { name = amount_top, function = top_k, input = amount, params { k = 12 }, windows = [1d] }
      ]
      """;

  static FeatureSet cards() {
    return FeatureSetLoader.parse(CARDS, "cards.conf");
  }

  static FeatureSet shop() {
    return FeatureSetLoader.parse(SHOP, "shop.conf");
  }

  /** @return {@code other} and {@code shop}, by name */
  static Map<String, FeatureSet> all() {
    Map<String, FeatureSet> m = new LinkedHashMap<>();
    m.put("shop", shop());
    m.put("other", FeatureSetLoader.parse(OTHER, "other.conf"));
    return m;
  }
}
