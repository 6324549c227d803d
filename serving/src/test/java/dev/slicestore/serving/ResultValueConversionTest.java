package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.ItemCount;
import dev.slicestore.core.aggregate.ResultType;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Feature;
import dev.slicestore.serving.v1.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FeatureProtos#toValue}: every result shape of the catalogue to the proto Value. */
class ResultValueConversionTest {

  private static Feature feature(ResultType type) {
    return new Feature("f_1d", 0, 86_400_000L, type);
  }

  @Test
  void scalarsListsAndItemCountsKeepTheirNaturalTypeAndOrder() {
    assertThat(
            FeatureProtos.toValue(feature(ResultType.scalar(ValueType.LONG)), 5L).getInt64Value())
        .isEqualTo(5L);
    assertThat(
            FeatureProtos.toValue(feature(ResultType.scalar(ValueType.DOUBLE)), 2.5)
                .getDoubleValue())
        .isEqualTo(2.5);
    assertThat(
            FeatureProtos.toValue(feature(ResultType.scalar(ValueType.BOOLEAN)), true)
                .getBoolValue())
        .isTrue();
    assertThat(FeatureProtos.toValue(feature(ResultType.scalar(ValueType.LONG)), null))
        .isEqualTo(Value.getDefaultInstance());

    Value list =
        FeatureProtos.toValue(feature(ResultType.list(ValueType.DOUBLE)), List.of(3.0, 1.0, 2.0));
    assertThat(list.getKindCase()).isEqualTo(Value.KindCase.LIST_VALUE);
    assertThat(list.getListValue().getValuesList())
        .extracting(Value::getDoubleValue)
        .containsExactly(3.0, 1.0, 2.0);
    Value strings = FeatureProtos.toValue(feature(ResultType.list(ValueType.STRING)), List.of());
    assertThat(strings.getKindCase()).isEqualTo(Value.KindCase.LIST_VALUE);
    assertThat(strings.getListValue().getValuesCount()).isZero();

    Value counts =
        FeatureProtos.toValue(
            feature(ResultType.itemCounts(ValueType.LONG)),
            List.of(new ItemCount(17L, 9, 2), new ItemCount(4L, 3, 0)));
    assertThat(counts.getKindCase()).isEqualTo(Value.KindCase.ITEM_COUNTS);
    assertThat(counts.getItemCounts().getItemsList())
        .extracting(i -> i.getItem() + ":" + i.getCount() + "±" + i.getErrorBound())
        .containsExactly("17:9±2", "4:3±0");
    assertThat(feature(ResultType.itemCounts(ValueType.LONG)).resultType())
        .isEqualTo(ValueType.LONG);
  }

  @Test
  void valuesOfTheWrongShapeAreAnError() {
    assertThatThrownBy(() -> FeatureProtos.toValue(feature(ResultType.list(ValueType.LONG)), 5L))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not fit its type list<long>");
    assertThatThrownBy(
            () -> FeatureProtos.toValue(feature(ResultType.list(ValueType.LONG)), List.of("x")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("element String x does not fit");
    assertThatThrownBy(
            () ->
                FeatureProtos.toValue(feature(ResultType.itemCounts(ValueType.LONG)), List.of(1L)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not an ItemCount");
  }
}
