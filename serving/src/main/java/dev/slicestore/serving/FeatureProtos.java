package dev.slicestore.serving;

import dev.slicestore.core.aggregate.ResultType;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureInfo;
import dev.slicestore.serving.v1.FeatureSetInfo;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.ItemCount;
import dev.slicestore.serving.v1.ItemCounts;
import dev.slicestore.serving.v1.Value;
import dev.slicestore.serving.v1.ValueList;
import java.util.List;

/**
 * Conversions between core's values and the {@code slicestore.v1} protobuf messages: a feature
 * vector to {@code EntityFeatures}, a feature value to {@code Value} by the feature's result type,
 * a status, a feature set to {@code FeatureSetInfo}, and a request-context {@code Value} to Java.
 *
 * <p>Stateless and thread-safe.
 */
final class FeatureProtos {
  private FeatureProtos() {}

  /**
   * @return a context value as Java: Long, Double, String, Boolean or null (no kind set)
   */
  static Object javaValue(Value v) {
    return switch (v.getKindCase()) {
      case INT64_VALUE -> v.getInt64Value();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> v.getBoolValue();
      case KIND_NOT_SET -> null;
      case LIST_VALUE, ITEM_COUNTS ->
          throw new IllegalArgumentException("a list is not a context value: send one value");
    };
  }

  static EntityFeatures entityFeatures(
      String entity, long t, List<Feature> features, FeatureVector vector) {
    EntityFeatures.Builder b =
        EntityFeatures.newBuilder().setEntityKey(entity).setEvaluationTimeMillis(t);
    for (int i = 0; i < features.size(); i++) {
      b.addValues(toValue(features.get(i), vector.values()[i]));
      b.addStatuses(status(vector.statuses()[i]));
    }
    if (vector.error() != null) {
      b.setError(vector.error());
    }
    return b.build();
  }

  /**
   * Converts a feature value to its protobuf form, following the feature's result type ({@link
   * Feature#result()}): a scalar to the matching {@code Value} kind; a list ({@code
   * List<Long|Double|String|Boolean>}) to {@code list_value}, element order kept; an item-count
   * list ({@code List<ItemCount>}) to {@code item_counts}, order kept, each item as its string form
   * ({@code String.valueOf}: {@code 17}, {@code 2.5}, {@code true}).
   *
   * @param feature the feature (its {@link Feature#result()} picks the kind)
   * @param value the value as {@code AggregateFunction.getResult} returns it, or null
   * @return the value; a value with no kind set for null
   * @throws IllegalStateException if the value's Java type does not fit the result type
   */
  static Value toValue(Feature feature, Object value) {
    if (value == null) {
      return Value.getDefaultInstance();
    }
    ResultType result = feature.result();
    switch (result.kind()) {
      case SCALAR:
        {
          Value v = scalarValue(result.element(), value);
          if (v != null) {
            return v;
          }
          break;
        }
      case LIST:
        if (value instanceof List<?> list) {
          ValueList.Builder b = ValueList.newBuilder();
          for (Object element : list) {
            Value v =
                element == null
                    ? Value.getDefaultInstance()
                    : scalarValue(result.element(), element);
            if (v == null) {
              throw new IllegalStateException(
                  "Cannot convert the value of feature "
                      + feature.name()
                      + ": element "
                      + element.getClass().getSimpleName()
                      + " "
                      + element
                      + " does not fit its type "
                      + result.configName());
            }
            b.addValues(v);
          }
          return Value.newBuilder().setListValue(b).build();
        }
        break;
      case ITEM_COUNTS:
        if (value instanceof List<?> list) {
          ItemCounts.Builder b = ItemCounts.newBuilder();
          for (Object element : list) {
            if (!(element instanceof dev.slicestore.core.aggregate.ItemCount ic)) {
              throw new IllegalStateException(
                  "Cannot convert the value of feature "
                      + feature.name()
                      + ": element "
                      + element
                      + " is not an ItemCount");
            }
            b.addItems(
                ItemCount.newBuilder()
                    .setItem(String.valueOf(ic.item()))
                    .setCount(ic.count())
                    .setErrorBound(ic.errorBound()));
          }
          return Value.newBuilder().setItemCounts(b).build();
        }
        break;
      default:
        break;
    }
    throw new IllegalStateException(
        "Cannot convert the value of feature "
            + feature.name()
            + ": "
            + value.getClass().getSimpleName()
            + " "
            + value
            + " does not fit its type "
            + result.configName());
  }

  /**
   * @return the scalar {@code Value} of {@code value}, or null if its Java type does not fit {@code
   *     type}
   */
  private static Value scalarValue(ValueType type, Object value) {
    switch (type) {
      case LONG:
        if (value instanceof Long || value instanceof Integer) {
          return Value.newBuilder().setInt64Value(((Number) value).longValue()).build();
        }
        return null;
      case DOUBLE:
        if (value instanceof Number n) {
          return Value.newBuilder().setDoubleValue(n.doubleValue()).build();
        }
        return null;
      case STRING:
        if (value instanceof String str) {
          return Value.newBuilder().setStringValue(str).build();
        }
        return null;
      case BOOLEAN:
        if (value instanceof Boolean bool) {
          return Value.newBuilder().setBoolValue(bool).build();
        }
        return null;
      default:
        return null;
    }
  }

  static FeatureStatus status(dev.slicestore.core.online.FeatureStatus s) {
    return switch (s) {
      case PRESENT -> FeatureStatus.PRESENT;
      case EMPTY -> FeatureStatus.EMPTY;
      case ERROR -> FeatureStatus.ERROR;
    };
  }

  static FeatureSetInfo featureSetInfo(FeatureSet fs) {
    FeatureSetInfo.Builder b =
        FeatureSetInfo.newBuilder()
            .setName(fs.name())
            .setVersion(fs.version())
            .setEntityKeyColumn(fs.entityKeyColumn())
            .setSliceMillis(fs.sliceMillis());
    for (Feature f : fs.features()) {
      Aggregation a = fs.aggregations().get(f.aggregationIndex());
      b.addFeatures(
          FeatureInfo.newBuilder()
              .setName(f.name())
              .setWindowMillis(f.windowMillis())
              .setSessionGapMillis(f.sessionGapMillis())
              .setValueType(f.result().configName())
              .setAggregation(a.name())
              .setFunction(a.function().name())
              .setInputColumn(a.inputColumn() == null ? "" : a.inputColumn())
              .setContextKey(a.contextKey() == null ? "" : a.contextKey())
              .setContextType(a.contextKey() == null ? "" : a.inputType().configName()));
    }
    return b.build();
  }
}
