package dev.slicestore.core.aggregate;

import static dev.slicestore.core.aggregate.GoldenBytes.assertEncodesTo;
import static dev.slicestore.core.aggregate.GoldenBytes.bytes;
import static dev.slicestore.core.aggregate.GoldenBytes.hex;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden binary fixtures of accumulator serialization version 1. The expected bytes are written by
 * hand from the layouts documented in each function's Javadoc (and {@link ExactSum#encode}), not
 * copied from program output: a change here is a format change and needs a new version.
 *
 * <p>Primitives ({@code ByteWriter}): varint = unsigned LEB128, zigzag = {@code (v << 1) ^ (v >>
 * 63)} as a varint, double = 8 bytes little-endian IEEE 754, string = varint length + UTF-8.
 */
class AccumulatorFormatV1Test {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object accumulate(AggregateFunction f, Object... values) {
    Object acc = f.createAccumulator();
    for (Object v : values) {
      acc = f.add(acc, v, null);
    }
    return acc;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void assertGolden(String name, ValueType type, Object[] values, int... expected) {
    AggregateFunction f = AggregateFunctions.create(name, type, Map.of());
    assertEncodesTo(
        name,
        String.format("%s(%s) of %s", name, type, Arrays.toString(values)),
        f,
        accumulate(f, values),
        bytes(expected));
  }

  private static Object[] of(Object... values) {
    return values;
  }

  @Test
  void count() {
    // version 1, varint count
    assertGolden("count", null, of(), 0x01, 0x00);
    assertGolden("count", null, of(1L, null, 3L), 0x01, 0x03);
    assertGolden("count", ValueType.LONG, of(1L, null, 3L), 0x01, 0x02);
    Object[] many = new Object[300];
    // 300 = 0b10_0101100: low 7 bits 0x2C with the continuation bit = 0xAC, then 0x02
    assertGolden("count", null, many, 0x01, 0xAC, 0x02);
    assertGolden("count", ValueType.STRING, of("a", "", null), 0x01, 0x02);
  }

  @Test
  void sumOfLongs() {
    // version 1, varint count of non-null inputs, then ExactSum: version 1, flags, zigzag exponent,
    // varint length + two's complement mantissa
    assertGolden("sum", ValueType.LONG, of(), 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00);
    assertGolden(
        "sum", ValueType.LONG, of((Object) null), 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00);
    // 5 + 7 = 12 = 3 * 2^2: mantissa 3, exponent 2 (zigzag 4)
    assertGolden("sum", ValueType.LONG, of(5L, null, 7L), 0x01, 0x02, 0x01, 0x00, 0x04, 0x01, 0x03);
    // -1: mantissa -1 = 0xFF
    assertGolden("sum", ValueType.LONG, of(-1L), 0x01, 0x01, 0x01, 0x00, 0x00, 0x01, 0xFF);
    // 255 needs a sign byte: 0x00 0xFF
    assertGolden("sum", ValueType.LONG, of(255L), 0x01, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0xFF);
    // Long.MIN_VALUE = -1 * 2^63: mantissa -1, exponent 63 (zigzag 126 = 0x7E)
    assertGolden(
        "sum", ValueType.LONG, of(Long.MIN_VALUE), 0x01, 0x01, 0x01, 0x00, 0x7E, 0x01, 0xFF);
  }

  @Test
  void sumOfDoubles() {
    assertGolden("sum", ValueType.DOUBLE, of(), 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00);
    // 1.5 = 3 * 2^-1: exponent -1 (zigzag 1)
    assertGolden("sum", ValueType.DOUBLE, of(1.5), 0x01, 0x01, 0x01, 0x00, 0x01, 0x01, 0x03);
    // 0.1 = 0x3FB999999999999A: biased exponent 0x3FB = 1019, significand 0x1999999999999A, so
    // 0x1999999999999A * 2^(1019 - 1075); halved to odd: 0x0CCCCCCCCCCCCD * 2^-55 (zigzag 109 =
    // 0x6D)
    assertGolden("sum", ValueType.DOUBLE, of(0.1), hex("01 01 01 00 6D 07 0C CC CC CC CC CC CD"));
    // Double.MIN_VALUE = 1 * 2^-1074: zigzag 2147 = 0x863 -> varint 0xE3 0x10
    assertGolden("sum", ValueType.DOUBLE, of(Double.MIN_VALUE), hex("01 01 01 00 E3 10 01 01"));
    // flags: NaN = 1; +Inf = 2, -Inf = 4; the finite part stays exact (0)
    assertGolden("sum", ValueType.DOUBLE, of(Double.NaN), 0x01, 0x01, 0x01, 0x01, 0x00, 0x01, 0x00);
    assertGolden(
        "sum",
        ValueType.DOUBLE,
        of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
        hex("01 02 01 06 00 01 00"));
    // -2.0 + Inf: flags 2, mantissa -1, exponent 1 (zigzag 2)
    assertGolden(
        "sum", ValueType.DOUBLE, of(-2.0, Double.POSITIVE_INFINITY), hex("01 02 01 02 02 01 FF"));
  }

  @Test
  void mean() {
    // version 1, varint count, ExactSum
    assertGolden("mean", ValueType.LONG, of(), 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00);
    // 2 + 4 = 6 = 3 * 2^1 over 2 inputs
    assertGolden(
        "mean", ValueType.LONG, of(2L, null, 4L), 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x03);
    // 0.5 + -0.5 = 0 over 2 inputs
    assertGolden("mean", ValueType.DOUBLE, of(0.5, -0.5), 0x01, 0x02, 0x01, 0x00, 0x00, 0x01, 0x00);
  }

  @Test
  void minAndMax() {
    // version 1, presence byte, value
    assertGolden("min", ValueType.LONG, of(), 0x01, 0x00);
    assertGolden("max", ValueType.DOUBLE, of((Object) null), 0x01, 0x00);
    assertGolden("max", ValueType.STRING, of(), 0x01, 0x00);
    // zigzag(7) = 14, zigzag(-3) = 5
    assertGolden("max", ValueType.LONG, of(-3L, 2L, null, 7L), 0x01, 0x01, 0x0E);
    assertGolden("min", ValueType.LONG, of(-3L, 2L, null, 7L), 0x01, 0x01, 0x05);
    // zigzag(Long.MIN_VALUE) = 2^64 - 1: ten bytes
    assertGolden(
        "min", ValueType.LONG, of(Long.MIN_VALUE, 0L), hex("01 01 FF FF FF FF FF FF FF FF FF 01"));
    // 1.0 = 0x3FF0000000000000, little-endian
    assertGolden("max", ValueType.DOUBLE, of(-5.0, 1.0), 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F);
    // -0.0 < 0.0 (Double.compare): min is -0.0 = 0x8000000000000000
    assertGolden("min", ValueType.DOUBLE, of(0.0, -0.0), 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x80);
    // NaN is the largest double: canonical NaN 0x7FF8000000000000
    assertGolden(
        "max",
        ValueType.DOUBLE,
        of(Double.POSITIVE_INFINITY, Double.NaN),
        hex("01 01 00 00 00 00 00 00 F8 7F"));
    // "é" (U+00E9) > "pear": UTF-8 C3 A9
    assertGolden("max", ValueType.STRING, of("apple", "pear", "é"), 0x01, 0x01, 0x02, 0xC3, 0xA9);
    assertGolden(
        "min",
        ValueType.STRING,
        of("pear", "apple", null, "é"),
        0x01,
        0x01,
        0x05,
        'a',
        'p',
        'p',
        'l',
        'e');
    assertGolden("min", ValueType.STRING, of("b", ""), 0x01, 0x01, 0x00);
  }

  @Test
  void malformedPayloadsAreCorrupt() {
    AggregateFunction<?> max = AggregateFunctions.create("max", ValueType.LONG, Map.of());
    assertCorrupt(max, bytes(0x01, 0x02, 0x00), "presence byte 2");
    AggregateFunction<?> count = AggregateFunctions.create("count", null, Map.of());
    // 2^63 as a varint: 9 bytes 0x80 then 0x01 -> a negative long
    assertCorrupt(
        count,
        bytes(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
        "negative count");
    assertCorrupt(
        count,
        bytes(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
        "varint longer");
    AggregateFunction<?> mean = AggregateFunctions.create("mean", ValueType.DOUBLE, Map.of());
    assertCorrupt(
        mean,
        bytes(0x01, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00),
        "exact sum: serialization version 2");
    AggregateFunction<?> sum = AggregateFunctions.create("sum", ValueType.DOUBLE, Map.of());
    assertCorrupt(sum, bytes(0x01, 0x00, 0x01, 0x10, 0x00, 0x01, 0x00), "unknown flags");
  }

  /**
   * A length prefix close to {@code Integer.MAX_VALUE} must be reported as truncated data, not
   * overflow the bounds check (which would surface as an index exception or an OutOfMemoryError).
   */
  @Test
  void hugeLengthPrefixIsTruncatedData() {
    AggregateFunction<?> max = AggregateFunctions.create("max", ValueType.STRING, Map.of());
    // version 1, present, string length 0x7FFFFFFF (varint FF FF FF FF 07), then nothing
    assertCorrupt(max, bytes(0x01, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 'x'), "truncated");
    AggregateFunction<?> sum = AggregateFunctions.create("sum", ValueType.LONG, Map.of());
    assertCorrupt(
        sum, bytes(0x01, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01), "truncated");
  }

  private static void assertCorrupt(AggregateFunction<?> f, byte[] bytes, String message) {
    assertThatThrownBy(() -> f.decode(new ByteReader(bytes)))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("Corrupt")
        .hasMessageContaining(message);
  }
}
