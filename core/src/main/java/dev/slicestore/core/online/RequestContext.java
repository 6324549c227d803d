package dev.slicestore.core.online;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Request context: values a caller supplies with a request, which features of functions that
 * {@linkplain AggregateFunction#usesRequestContext use request context} ({@code bloom_contains})
 * test the window against. Each such aggregation names its <em>context key</em> ({@link
 * Aggregation#contextKey()}: its {@code context} setting, by default its input column's name); the
 * value must be of the aggregation's input type.
 *
 * <p>Serving takes the values from {@code GetFeaturesRequest} ({@code context}, overridden per
 * entity by {@code entity_contexts}), training from the spine column named like the key; both
 * convert them with {@link #convert}, so a text value (a CLI argument, a CSV spine) means the same
 * on both paths.
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestContext {
  private RequestContext() {}

  /**
   * The context keys some of {@code features} need, with the type their values must have.
   *
   * @param featureSet the feature set
   * @param features features of it
   * @return context key to input type, in the order of first use by {@code features}; empty when no
   *     feature needs context (unmodifiable)
   */
  public static Map<String, ValueType> keys(FeatureSet featureSet, List<Feature> features) {
    Map<String, ValueType> keys = new LinkedHashMap<>();
    for (Feature f : features) {
      Aggregation a = featureSet.aggregations().get(f.aggregationIndex());
      if (a.contextKey() != null) {
        keys.putIfAbsent(a.contextKey(), a.inputType());
      }
    }
    return Collections.unmodifiableMap(keys);
  }

  /**
   * Converts a context value to {@code type}, the input type of the aggregations that test it.
   * Accepted: a value of the type itself; text, parsed as the type ({@code long}: decimal integer;
   * {@code double}: Java's {@code Double.parseDouble}; {@code boolean}: {@code true} or {@code
   * false}, any case; {@code string}: as is); for {@code double} also an integer (exactly
   * representable); for {@code string} also an integer, as its decimal text.
   *
   * @param type the input type
   * @param value a {@code Long}, {@code Integer}, {@code Double}, {@code String}, {@code Boolean},
   *     or null
   * @return the value as a {@code Long}, {@code Double}, {@code String} or {@code Boolean} of
   *     {@code type}; null for null
   * @throws IllegalArgumentException saying why the value does not fit {@code type}
   */
  public static Object convert(ValueType type, Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Integer i) {
      value = (long) i;
    }
    switch (type) {
      case LONG:
        if (value instanceof Long) {
          return value;
        }
        if (value instanceof String s) {
          try {
            return Long.parseLong(s.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a long (a decimal integer)");
          }
        }
        break;
      case DOUBLE:
        if (value instanceof Double) {
          return value;
        }
        if (value instanceof Long l) {
          double d = l;
          if ((long) d == l && d != 0x1p63) {
            return d;
          }
          throw new IllegalArgumentException(l + " is not exactly representable as a double");
        }
        if (value instanceof String s) {
          try {
            return Double.parseDouble(s.trim());
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s + "' is not a double");
          }
        }
        break;
      case STRING:
        if (value instanceof String) {
          return value;
        }
        if (value instanceof Long l) {
          return Long.toString(l);
        }
        break;
      case BOOLEAN:
        if (value instanceof Boolean) {
          return value;
        }
        if (value instanceof String s) {
          String t = s.trim().toLowerCase(Locale.ROOT);
          if (t.equals("true") || t.equals("false")) {
            return Boolean.valueOf(t);
          }
          throw new IllegalArgumentException("'" + s + "' is not a boolean (true or false)");
        }
        break;
      default:
        break;
    }
    throw new IllegalArgumentException(
        "a " + kind(value) + " value does not fit an input column of type " + type.configName());
  }

  private static String kind(Object value) {
    if (value instanceof Long) {
      return "long";
    }
    if (value instanceof Double) {
      return "double";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    if (value instanceof String) {
      return "string";
    }
    return value.getClass().getSimpleName();
  }

  /**
   * Picks, per aggregation, the context value it tests.
   *
   * @param keys per aggregation its context key, or null for an aggregation without context
   * @param features the evaluator's features, for the message
   * @param aggregationOfFeature per feature, the position of its aggregation in {@code keys}
   * @param context typed context values by key (a null value is an explicit null); may be null when
   *     no key is needed
   * @return per aggregation its value (null for none)
   * @throws IllegalArgumentException naming the first feature whose key is missing
   */
  public static Object[] pick(
      String[] keys, List<Feature> features, int[] aggregationOfFeature, Map<String, ?> context) {
    Object[] values = new Object[keys.length];
    for (int a = 0; a < keys.length; a++) {
      if (keys[a] == null) {
        continue;
      }
      if (context == null || !context.containsKey(keys[a])) {
        String feature = "?";
        for (int i = 0; i < features.size(); i++) {
          if (aggregationOfFeature[i] == a) {
            feature = features.get(i).name();
            break;
          }
        }
        throw new IllegalArgumentException(
            "Feature "
                + feature
                + " needs the request context value '"
                + keys[a]
                + "', which is missing");
      }
      values[a] = context.get(keys[a]);
    }
    return values;
  }
}
