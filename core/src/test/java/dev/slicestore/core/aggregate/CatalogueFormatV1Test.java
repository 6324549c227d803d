package dev.slicestore.core.aggregate;

import static dev.slicestore.core.aggregate.GoldenBytes.assertEncodesTo;
import static dev.slicestore.core.aggregate.GoldenBytes.bytes;
import static dev.slicestore.core.aggregate.GoldenBytes.hex;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden binary fixtures of the catalogue's accumulator serialization version 1, as {@link
 * AccumulatorFormatV1Test} does for the basic functions. For slicestore's own layouts the expected
 * bytes are written by hand from the class Javadoc; a change is a format change and needs a new
 * version. For the sketches the envelope (version byte, varint length) is written by hand and the
 * payload is DataSketches 6.2.0's serialization as that release writes it, frozen here so that a
 * library upgrade that changes it fails this test instead of silently writing bytes older readers
 * cannot read.
 */
class CatalogueFormatV1Test {

  /** One event: value at a position. */
  private record At(Object value, EventPosition position) {}

  private static At at(Object value, long time, int topic, int partition, long offset) {
    return new At(value, new EventPosition(time, topic, partition, offset));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void assertGolden(
      String name, ValueType type, Map<String, Object> params, Object[] values, int... expected) {
    At[] rows = new At[values.length];
    for (int i = 0; i < values.length; i++) {
      rows[i] = values[i] instanceof At a ? a : new At(values[i], new EventPosition(i, 0, 0, i));
    }
    AggregateFunction f = AggregateFunctions.create(name, type, params);
    Object acc = f.createAccumulator();
    for (At row : rows) {
      acc = f.add(acc, row.value(), row.position());
    }
    assertEncodesTo(
        name,
        String.format("%s(%s) of %s", name, type, Arrays.toString(values)),
        f,
        acc,
        bytes(expected));
  }

  private static Object[] of(Object... values) {
    return values;
  }

  @Test
  void variance() {
    // version 1, varint n, ExactSum S1 (version, flags, zigzag exponent, length + mantissa),
    // ExactSum S2
    assertGolden(
        "variance_pop",
        ValueType.DOUBLE,
        Map.of(),
        of(),
        hex("01 00 01 00 00 01 00 01 00 00 01 00"));
    // 1.5 = 3 * 2^-1 (zigzag(-1) = 1); 1.5^2 = 2.25 = 9 * 2^-2 (zigzag(-2) = 3)
    assertGolden(
        "stddev_samp",
        ValueType.DOUBLE,
        Map.of(),
        of(1.5, null),
        hex("01 01 01 00 01 01 03 01 00 03 01 09"));
    // 2 + 4 = 6 = 3 * 2^1; 4 + 16 = 20 = 5 * 2^2
    assertGolden(
        "variance_samp",
        ValueType.LONG,
        Map.of(),
        of(2L, 4L),
        hex("01 02 01 00 02 01 03 01 00 04 01 05"));
  }

  @Test
  void topAndBottomK() {
    // version 1, varint count, values best first
    assertGolden("top_k", ValueType.LONG, Map.of("k", 2), of(), 0x01, 0x00);
    // [9, 5]: zigzag 18, 10
    assertGolden(
        "top_k", ValueType.LONG, Map.of("k", 2), of(3L, 9L, null, 5L), 0x01, 0x02, 0x12, 0x0A);
    assertGolden(
        "bottom_k",
        ValueType.STRING,
        Map.of("k", 2),
        of("b", "a", "c"),
        0x01,
        0x02,
        0x01,
        'a',
        0x01,
        'b');
    // 1.0 = 0x3FF0000000000000 little-endian
    assertGolden(
        "top_k",
        ValueType.DOUBLE,
        Map.of("k", 1),
        of(-5.0, 1.0),
        hex("01 01 00 00 00 00 00 00 F0 3F"));
  }

  @Test
  void firstAndLastK() {
    Object[] rows = of(at("x", 1000, 0, 2, 7), at("y", 5, 1, 0, 300), at(null, 1, 0, 0, 1));
    // version 1, varint count, per entry: zigzag time, topic, partition, offset, then the value
    // "y" at time 5 (zigzag 10), topic 1 (2), partition 0, offset 300 (zigzag 600 = varint D8 04)
    assertGolden(
        "first_k",
        ValueType.STRING,
        Map.of("k", 1),
        rows,
        0x01,
        0x01,
        0x0A,
        0x02,
        0x00,
        0xD8,
        0x04,
        0x01,
        'y');
    // "x" at time 1000 (zigzag 2000 = varint D0 0F), topic 0, partition 2 (4), offset 7 (14)
    assertGolden(
        "last_k",
        ValueType.STRING,
        Map.of("k", 1),
        rows,
        0x01,
        0x01,
        0xD0,
        0x0F,
        0x00,
        0x04,
        0x0E,
        0x01,
        'x');
    assertGolden("last_k", ValueType.BOOLEAN, Map.of("k", 3), of(), 0x01, 0x00);
  }

  @Test
  void countDistinct() {
    // version 1, state 0 (exact), varint count, values ascending
    assertGolden("count_distinct", ValueType.LONG, Map.of(), of(), 0x01, 0x00, 0x00);
    assertGolden(
        "count_distinct", ValueType.LONG, Map.of(), of(5L, -1L, 5L, null), hex("01 00 02 01 0A"));
    // state 1: overflowed, nothing follows
    assertGolden("count_distinct", ValueType.LONG, Map.of("max-size", 1), of(5L, -1L), 0x01, 0x01);
  }

  @Test
  void boolAndOr() {
    // version 1, state: 0 no input, 1 false, 2 true
    assertGolden("bool_and", ValueType.BOOLEAN, Map.of(), of(), 0x01, 0x00);
    assertGolden("bool_and", ValueType.BOOLEAN, Map.of(), of(true, null, false), 0x01, 0x01);
    assertGolden("bool_or", ValueType.BOOLEAN, Map.of(), of(false, true), 0x01, 0x02);
  }

  @Test
  void bloomContains() {
    Map<String, Object> params = Map.of("expected-items", 1000, "false-positive-rate", 0.01);
    // version 1, state 0 (sparse), varint count, values ascending: -1 (zigzag 1), 5 (zigzag 10)
    assertGolden("bloom_contains", ValueType.LONG, params, of(), 0x01, 0x00, 0x00);
    assertGolden(
        "bloom_contains", ValueType.LONG, params, of(5L, null, -1L, 5L), hex("01 00 02 01 0A"));
    // state 1 (filter): varint length 40, then DataSketches' BloomFilter serialization (preamble:
    // 4 longs, 2 hashes, seed 9001 = 0x2329, 64 bits = 1 long, bits-set count 17, the bits)
    assertGolden(
        "bloom_contains",
        ValueType.LONG,
        Map.of("expected-items", 10, "false-positive-rate", 0.5),
        of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L),
        hex(
            "01 01 28",
            "04 01 15 00 02 00 00 00",
            "29 23 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00",
            "11 00 00 00 00 00 00 00",
            "54 29 00 A0 1C 50 00 3A"));
  }

  @Test
  void approxCountDistinct() {
    // version 1, varint length 8, the DataSketches compact HLL_4 image of an empty sketch (lgK 4)
    assertGolden(
        "approx_count_distinct",
        ValueType.LONG,
        Map.of("lg-k", 4),
        of(),
        hex("01 08 02 01 07 04 03 0C 00 00"));
    // list mode: 8-byte preamble (2 coupons) + two 4-byte coupons
    assertGolden(
        "approx_count_distinct",
        ValueType.LONG,
        Map.of("lg-k", 4),
        of(1L, 2L, 1L),
        hex("01 10", "02 01 07 04 03 08 02 00", "2B F2 FB 06 86 2F F9 0D"));
  }

  @Test
  void mostFrequent() {
    Map<String, Object> params = Map.of("k", 2, "max-map-size", 8);
    // version 1, varint length 8, DataSketches' empty frequent-items preamble (lgMaxMapSize 3)
    assertGolden(
        "most_frequent", ValueType.LONG, params, of(), hex("01 08 01 01 0A 03 03 05 00 00"));
    // 32-byte preamble (2 active items, stream length 3, offset 0), counts [2, 1], items [7, 3]
    assertGolden(
        "most_frequent",
        ValueType.LONG,
        params,
        of(7L, 7L, null, 3L),
        hex(
            "01 40",
            "04 01 0A 03 03 00 00 00",
            "02 00 00 00 00 00 00 00",
            "03 00 00 00 00 00 00 00",
            "00 00 00 00 00 00 00 00",
            "02 00 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00",
            "07 00 00 00 00 00 00 00",
            "03 00 00 00 00 00 00 00"));
    // strings: the items as ArrayOfStringsSerDe writes them (4-byte length + UTF-8)
    assertGolden(
        "most_frequent",
        ValueType.STRING,
        params,
        of("a"),
        hex(
            "01 2D",
            "04 01 0A 03 03 00 00 00",
            "01 00 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00",
            "00 00 00 00 00 00 00 00",
            "01 00 00 00 00 00 00 00",
            "01 00 00 00 61"));
  }

  @Test
  void approxPercentile() {
    Map<String, Object> params = Map.of("percentiles", List.of(0.5), "k", 8);
    // version 1, varint length 8, DataSketches' compact empty KLL preamble (k = 8)
    assertGolden(
        "approx_percentile", ValueType.DOUBLE, params, of(), hex("01 08 02 01 0F 01 08 00 08 00"));
    // single-item form: 8-byte preamble + the double 1.5
    assertGolden(
        "approx_percentile",
        ValueType.DOUBLE,
        params,
        of(1.5, null, Double.NaN),
        hex("01 10", "02 02 0F 04 08 00 08 00", "00 00 00 00 00 00 F8 3F"));
  }

  @Test
  void malformedPayloadsAreCorrupt() {
    assertCorrupt(
        "top_k",
        ValueType.LONG,
        Map.of("k", 3),
        bytes(0x01, 0x02, 0x0A, 0x12),
        "values not in order");
    assertCorrupt(
        "first_k",
        ValueType.LONG,
        Map.of("k", 3),
        bytes(0x01, 0x02, 0x04, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x02),
        "not in position order");
    assertCorrupt(
        "count_distinct",
        ValueType.LONG,
        Map.of(),
        bytes(0x01, 0x00, 0x02, 0x0A, 0x0A),
        "not strictly increasing");
    assertCorrupt("count_distinct", ValueType.LONG, Map.of(), bytes(0x01, 0x02), "state byte 2");
    assertCorrupt("bool_or", ValueType.BOOLEAN, Map.of(), bytes(0x01, 0x03), "state byte 3");
    assertCorrupt(
        "bloom_contains",
        ValueType.LONG,
        Map.of("expected-items", 10, "false-positive-rate", 0.5),
        bytes(0x01, 0x02),
        "state byte 2");
    assertCorrupt(
        "variance_pop",
        ValueType.LONG,
        Map.of(),
        bytes(0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
        "negative count");
    // garbage inside the sketches' envelopes
    assertCorrupt(
        "approx_count_distinct",
        ValueType.LONG,
        Map.of(),
        bytes(0x01, 0x03, 0x09, 0x09, 0x09),
        "does not deserialize");
    assertCorrupt(
        "most_frequent",
        ValueType.LONG,
        Map.of("k", 2),
        bytes(0x01, 0x03, 0x09, 0x09, 0x09),
        "does not deserialize");
    assertCorrupt(
        "most_frequent",
        ValueType.STRING,
        Map.of("k", 2),
        bytes(0x01, 0x03, 0x09, 0x09, 0x09),
        "does not deserialize");
    assertCorrupt(
        "approx_percentile",
        ValueType.LONG,
        Map.of("percentiles", List.of(0.5)),
        bytes(0x01, 0x03, 0x09, 0x09, 0x09),
        "does not deserialize");
    assertCorrupt(
        "bloom_contains",
        ValueType.LONG,
        Map.of("expected-items", 10, "false-positive-rate", 0.5),
        bytes(0x01, 0x01, 0x03, 0x09, 0x09, 0x09),
        "does not deserialize");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void inconsistentContentsAreCorrupt() {
    // a filter of other parameters than the function's
    AggregateFunction small =
        AggregateFunctions.create(
            "bloom_contains",
            ValueType.LONG,
            Map.of("expected-items", 10, "false-positive-rate", 0.5));
    Object dense = small.createAccumulator();
    for (long i = 0; i < 10; i++) {
      dense = small.add(dense, i, null);
    }
    byte[] encoded = Accumulators.encode(small, dense);
    AggregateFunction big =
        AggregateFunctions.create(
            "bloom_contains",
            ValueType.LONG,
            Map.of("expected-items", 1000, "false-positive-rate", 0.01));
    assertThatThrownBy(() -> big.decode(new ByteReader(encoded)))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("filter of 64 bits, 2 hashes, seed 9001 where the function has");
    // moments no real data can have: S1 = 4, S2 = 1 over n = 1
    AggregateFunction variance =
        AggregateFunctions.create("variance_pop", ValueType.LONG, Map.of());
    Object acc =
        variance.decode(
            new ByteReader(
                bytes(0x01, 0x01, 0x01, 0x00, 0x00, 0x01, 0x04, 0x01, 0x00, 0x00, 0x01, 0x01)));
    assertThatThrownBy(() -> variance.getResult(acc))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("sum of squares below");
  }

  private static void assertCorrupt(
      String name, ValueType type, Map<String, Object> params, byte[] bytes, String message) {
    AggregateFunction<?> f = AggregateFunctions.create(name, type, params);
    assertThatThrownBy(() -> f.decode(new ByteReader(bytes)))
        .as(name)
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("Corrupt")
        .hasMessageContaining(message);
  }
}
