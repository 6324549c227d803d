package dev.slicestore.e2e;

import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ItemCount;
import dev.slicestore.serving.v1.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Served values in the e2e tests' plain Java form, for comparison with oracles and training sets.
 */
final class ServedValues {
  private ServedValues() {}

  /**
   * @return the entity's served values by feature name, each as {@link #fromProto} gives it
   */
  static Map<String, Object> byFeature(GetFeaturesResponse response, EntityFeatures entity) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < response.getFeatureNamesCount(); i++) {
      values.put(response.getFeatureNames(i), fromProto(entity.getValues(i)));
    }
    return values;
  }

  /**
   * @return Long, Double, String, Boolean, a List of those, a list of {@code Object[] {item, count,
   *     errorBound}} for item counts, or null when no kind is set
   */
  static Object fromProto(Value v) {
    return switch (v.getKindCase()) {
      case INT64_VALUE -> v.getInt64Value();
      case DOUBLE_VALUE -> v.getDoubleValue();
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> v.getBoolValue();
      case LIST_VALUE -> {
        List<Object> out = new ArrayList<>();
        v.getListValue().getValuesList().forEach(x -> out.add(fromProto(x)));
        yield out;
      }
      case ITEM_COUNTS -> {
        List<Object[]> out = new ArrayList<>();
        for (ItemCount ic : v.getItemCounts().getItemsList()) {
          out.add(new Object[] {ic.getItem(), ic.getCount(), ic.getErrorBound()});
        }
        yield out;
      }
      case KIND_NOT_SET -> null;
    };
  }
}
