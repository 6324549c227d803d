package dev.slicestore.serving;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.testing.FeatureSetFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** The feature sets the serving tests use, from {@code src/test/resources/feature-sets/}. */
final class TestFeatureSets {
  private TestFeatureSets() {}

  /**
   * @return {@code cards}: card transactions with request-context, list and item-count features
   */
  static FeatureSet cards() {
    return FeatureSetFixtures.resource("cards-context");
  }

  /**
   * @return {@code shop}: one-hour slices, every function over every input type
   */
  static FeatureSet shop() {
    return FeatureSetFixtures.resource("shop");
  }

  /**
   * @return the text of {@code shop.conf}, for tests that write a variant of it to a file
   */
  static String shopText() {
    try (InputStream in =
        TestFeatureSets.class.getClassLoader().getResourceAsStream("feature-sets/shop.conf")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @return {@code other} and {@code shop}, by name
   */
  static Map<String, FeatureSet> all() {
    Map<String, FeatureSet> m = new LinkedHashMap<>();
    m.put("shop", shop());
    m.put("other", FeatureSetFixtures.resource("other"));
    return m;
  }
}
