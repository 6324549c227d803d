package dev.slicestore.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AggregateFunctionsTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object result(String name, ValueType type, Object... values) {
    AggregateFunction f = AggregateFunctions.create(name, type, Map.of());
    Object acc = f.createAccumulator();
    for (Object v : values) {
      acc = f.add(acc, v, null);
    }
    return f.getResult(acc);
  }

  @Test
  void emptyResults() {
    assertThat(AggregateFunctions.create("count", null, Map.of()).emptyResult()).isEqualTo(0L);
    assertThat(AggregateFunctions.create("count", ValueType.STRING, Map.of()).emptyResult())
        .isEqualTo(0L);
    assertThat(AggregateFunctions.create("sum", ValueType.LONG, Map.of()).emptyResult())
        .isEqualTo(0L);
    assertThat(AggregateFunctions.create("sum", ValueType.DOUBLE, Map.of()).emptyResult())
        .isEqualTo(0.0);
    for (ValueType t : new ValueType[] {ValueType.LONG, ValueType.DOUBLE}) {
      assertThat(AggregateFunctions.create("mean", t, Map.of()).emptyResult()).isNull();
    }
    for (ValueType t : new ValueType[] {ValueType.LONG, ValueType.DOUBLE, ValueType.STRING}) {
      assertThat(AggregateFunctions.create("min", t, Map.of()).emptyResult()).isNull();
      assertThat(AggregateFunctions.create("max", t, Map.of()).emptyResult()).isNull();
    }
    // only nulls is the same as nothing
    assertThat(result("count", ValueType.DOUBLE, null, null)).isEqualTo(0L);
    assertThat(result("count", null, null, null)).as("count of rows counts rows").isEqualTo(2L);
    assertThat(result("sum", ValueType.DOUBLE, (Object) null)).isEqualTo(0.0);
    assertThat(result("mean", ValueType.DOUBLE, (Object) null)).isNull();
    assertThat(result("max", ValueType.STRING, (Object) null)).isNull();
  }

  @Test
  void resultTypesAndValues() {
    assertThat(AggregateFunctions.create("sum", ValueType.LONG, null).resultType())
        .isEqualTo(ValueType.LONG);
    assertThat(AggregateFunctions.create("sum", ValueType.DOUBLE, null).resultType())
        .isEqualTo(ValueType.DOUBLE);
    assertThat(AggregateFunctions.create("mean", ValueType.LONG, null).resultType())
        .isEqualTo(ValueType.DOUBLE);
    assertThat(AggregateFunctions.create("count", ValueType.STRING, null).resultType())
        .isEqualTo(ValueType.LONG);
    assertThat(AggregateFunctions.create("min", ValueType.STRING, null).resultType())
        .isEqualTo(ValueType.STRING);
    assertThat(AggregateFunctions.create("max", ValueType.STRING, null).name()).isEqualTo("max");
    assertThat(result("sum", ValueType.LONG, 3L, null, -10L)).isEqualTo(-7L);
    assertThat(result("mean", ValueType.LONG, 1L, 2L)).isEqualTo(1.5);
    assertThat(result("mean", ValueType.DOUBLE, 0.1, 0.2, 0.3)).isEqualTo(0.6 / 3);
    assertThat(result("max", ValueType.DOUBLE, -0.0, 0.0)).isEqualTo(0.0);
    assertThat(result("min", ValueType.DOUBLE, 0.0, -0.0)).isEqualTo(-0.0);
    assertThat(result("max", ValueType.DOUBLE, 1.0, Double.NaN, Double.POSITIVE_INFINITY))
        .isEqualTo(Double.NaN);
    assertThat(result("min", ValueType.DOUBLE, Double.NaN, Double.NEGATIVE_INFINITY))
        .isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(result("min", ValueType.LONG, Long.MAX_VALUE, Long.MIN_VALUE))
        .isEqualTo(Long.MIN_VALUE);
    assertThat(result("max", ValueType.STRING, "Zebra", "apple")).isEqualTo("apple");
  }

  @Test
  void longSumOutsideTheLongRangeIsAnArithmeticError() {
    assertThatThrownBy(() -> result("sum", ValueType.LONG, Long.MAX_VALUE, 1L))
        .isInstanceOf(ArithmeticException.class);
    assertThat(result("sum", ValueType.LONG, Long.MAX_VALUE, 1L, -2L))
        .isEqualTo(Long.MAX_VALUE - 1);
    assertThat(result("mean", ValueType.LONG, Long.MAX_VALUE, Long.MAX_VALUE)).isEqualTo(0x1p63);
  }

  /**
   * Documents the current behaviour: {@code sum}'s isEmpty is "exact sum is zero", not "no input".
   */
  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void sumIsPresentWhenItsInputsCancel() {
    AggregateFunction f = AggregateFunctions.create("sum", ValueType.LONG, Map.of());
    Object acc = f.add(f.add(f.createAccumulator(), 5L, null), -5L, null);
    assertThat(f.getResult(acc)).isEqualTo(0L);
    assertThat(f.isEmpty(acc)).as("inputs were added, even though they cancel out").isFalse();
    assertThat(f.isEmpty(f.add(f.createAccumulator(), null, null)))
        .as("a null input is no input")
        .isTrue();
    AggregateFunction count = AggregateFunctions.create("count", ValueType.LONG, Map.of());
    assertThat(count.isEmpty(count.add(count.createAccumulator(), 0L, null))).isFalse();
  }

  @Test
  void factoryRejectsWhatItCannotBuild() {
    assertThatThrownBy(() -> AggregateFunctions.create("median", ValueType.DOUBLE, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown aggregate function: median")
        .hasMessageContaining("count, sum, mean, min, max");
    assertThatThrownBy(() -> AggregateFunctions.create("sum", ValueType.STRING, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use sum on a string column: needs a long or double input column");
    assertThatThrownBy(() -> AggregateFunctions.create("mean", null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot use mean on no input column: needs a long or double input column");
    assertThatThrownBy(() -> AggregateFunctions.create("max", ValueType.BOOLEAN, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot use max on a boolean column");
    assertThatThrownBy(() -> AggregateFunctions.create("min", null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AggregateFunctions.create("count", null, Map.of("k", 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown parameter(s) for function count: [k]");
    assertThat(AggregateFunctions.requiresInput("count")).isFalse();
    assertThat(AggregateFunctions.requiresInput("sum")).isTrue();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void functionsAreSerializable() throws Exception {
    for (String name : AggregateFunctions.NAMES) {
      boolean bool = name.startsWith("bool_");
      boolean keyed = name.startsWith("arg");
      AggregateFunction f =
          AggregateFunctions.create(
              name,
              bool ? ValueType.BOOLEAN : ValueType.LONG,
              CatalogueFunctionsTest.exampleParams(name),
              column -> ValueType.STRING);
      Object value = bool ? (Object) true : keyed ? new KeyedValue(4L, "x") : (Object) 4L;
      EventPosition at = new EventPosition(1, 0, 0, 0);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(f);
      }
      AggregateFunction copy;
      try (ObjectInputStream in =
          new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        copy = (AggregateFunction) in.readObject();
      }
      assertThat(copy.getResult(copy.add(copy.createAccumulator(), value, at)))
          .as(name)
          .isEqualTo(f.getResult(f.add(f.createAccumulator(), value, at)));
    }
  }

  @Test
  void eventPositionsOrderByTimeThenTopicPartitionOffset() {
    EventPosition a = new EventPosition(10, 0, 5, 100);
    assertThat(a).isLessThan(new EventPosition(11, 0, 0, 0));
    assertThat(a).isLessThan(new EventPosition(10, 1, 0, 0));
    assertThat(a).isLessThan(new EventPosition(10, 0, 6, 0));
    assertThat(a).isLessThan(new EventPosition(10, 0, 5, 101));
    assertThat(a.compareTo(new EventPosition(10, 0, 5, 100))).isZero();
  }

  @Test
  void valueTypesHaveStableIdsAndConfigNames() {
    assertThat(ValueType.LONG.id()).isEqualTo(1);
    assertThat(ValueType.DOUBLE.id()).isEqualTo(2);
    assertThat(ValueType.STRING.id()).isEqualTo(3);
    assertThat(ValueType.BOOLEAN.id()).isEqualTo(4);
    assertThat(ValueType.fromId(3)).isEqualTo(ValueType.STRING);
    assertThatThrownBy(() -> ValueType.fromId(7))
        .hasMessageContaining("Corrupt data: value type id 7 not recognized");
    assertThat(ValueType.fromConfigName("BigInt")).isEqualTo(ValueType.LONG);
    assertThat(ValueType.fromConfigName("float")).isEqualTo(ValueType.DOUBLE);
    assertThat(ValueType.fromConfigName("bool")).isEqualTo(ValueType.BOOLEAN);
    assertThat(ValueType.fromConfigName("decimal")).isNull();
  }
}
