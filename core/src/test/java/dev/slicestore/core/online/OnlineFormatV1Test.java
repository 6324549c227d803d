package dev.slicestore.core.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.config.InputColumn;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.Values;
import dev.slicestore.core.time.Sessions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Golden binary fixtures of format version 1 of the row pre-aggregate (an event field's value) and
 * the compacted entry, written by hand from the layouts in their Javadoc, plus round trips and
 * corrupt input.
 */
class OnlineFormatV1Test {
  private static final long HOUR = 3_600_000L;

  /** Start of slice 367424 (2011-12-01T08:00:00Z) for 1 h slices. */
  static final long SLICE_START = 367_424L * HOUR;

  static final FeatureSet GOLDEN =
      FeatureSetLoader.parse(
          String.join(
              "\n",
              "name = golden",
              "version = 1",
              "source { topics = [events], schema { k = string, ts = long, amount = double } }",
              "entity-key = k",
              "event-time { column = ts, format = epoch-millis }",
              "slice = 1h",
              "windows = [1h]",
              "aggregations = [",
              "  { name = n, function = count }",
              "  { name = total, function = sum, input = amount }",
              "  { name = top, function = max, input = amount }",
              "]"),
          "golden.conf");

  static byte[] bytes(int... unsigned) {
    byte[] b = new byte[unsigned.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) unsigned[i];
    }
    return b;
  }

  private static final List<InputColumn> AMOUNT =
      List.of(new InputColumn("amount", ValueType.DOUBLE));

  /**
   * c0 long, c1 double, c2 string, c3 boolean, c4..c7 long, c8 long: a two-byte presence bitmap.
   */
  private static final List<InputColumn> NINE =
      List.of(
          new InputColumn("c0", ValueType.LONG),
          new InputColumn("c1", ValueType.DOUBLE),
          new InputColumn("c2", ValueType.STRING),
          new InputColumn("c3", ValueType.BOOLEAN),
          new InputColumn("c4", ValueType.LONG),
          new InputColumn("c5", ValueType.LONG),
          new InputColumn("c6", ValueType.LONG),
          new InputColumn("c7", ValueType.LONG),
          new InputColumn("c8", ValueType.LONG));

  private static void assertRowGolden(
      RowPreAggregate row, List<InputColumn> columns, byte[] golden) {
    assertThat(row.encode(columns, SLICE_START, HOUR)).as("%s", row).isEqualTo(golden);
    assertThat(RowPreAggregate.decode(golden, columns, SLICE_START)).isEqualTo(row);
    for (int len = 0; len < golden.length; len++) {
      byte[] prefix = Arrays.copyOf(golden, len);
      assertThatThrownBy(() -> RowPreAggregate.decode(prefix, columns, SLICE_START))
          .as("prefix of %d bytes", len)
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("Corrupt");
    }
    byte[] trailing = Arrays.copyOf(golden, golden.length + 1);
    assertThatThrownBy(() -> RowPreAggregate.decode(trailing, columns, SLICE_START))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("Corrupt row pre-aggregate: 1 unexpected trailing bytes");
    byte[] version = golden.clone();
    version[0] = 2;
    assertThatThrownBy(() -> RowPreAggregate.decode(version, columns, SLICE_START))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("Corrupt row pre-aggregate: format version 2 not recognized");
  }

  @Test
  void rowPreAggregateGoldenBytes() {
    // version 1, delta 1234 (varint 0xD2 0x09), bitmap 0x01, 2.5 = 0x4004000000000000 little-endian
    assertRowGolden(
        new RowPreAggregate(SLICE_START + 1_234, new Object[] {2.5}),
        AMOUNT,
        bytes(0x01, 0xD2, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x40));
    // a null input: bitmap 0x00, no value
    assertRowGolden(
        new RowPreAggregate(SLICE_START, new Object[] {null}), AMOUNT, bytes(0x01, 0x00, 0x00));
    // no input columns at all: no bitmap; delta 3_599_999 = 0x36EE7F -> varint FF DC DB 01
    assertRowGolden(
        new RowPreAggregate(SLICE_START + HOUR - 1, new Object[0]),
        List.of(),
        bytes(0x01, 0xFF, 0xDC, 0xDB, 0x01));
    // bitmap LSB first: c0, c2, c3 -> 0x0D; c8 -> second byte 0x01;
    // values: zigzag(-2) = 3; "hi" = 02 68 69; true = 01; zigzag(64) = 128 = 80 01
    assertRowGolden(
        new RowPreAggregate(
            SLICE_START, new Object[] {-2L, null, "hi", true, null, null, null, null, 64L}),
        NINE,
        bytes(0x01, 0x00, 0x0D, 0x01, 0x03, 0x02, 'h', 'i', 0x01, 0x80, 0x01));
  }

  @Test
  void rowPreAggregateOutsideItsSliceCannotBeEncoded() {
    assertThatThrownBy(
            () ->
                new RowPreAggregate(SLICE_START - 1, new Object[] {1.0})
                    .encode(AMOUNT, SLICE_START, HOUR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("outside the slice");
    assertThatThrownBy(
            () ->
                new RowPreAggregate(SLICE_START + HOUR, new Object[] {1.0})
                    .encode(AMOUNT, SLICE_START, HOUR))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rowPreAggregatesRoundTripAtRandom() {
    Random r = Seeds.random("OnlineFormatV1Test.rowPreAggregatesRoundTripAtRandom");
    ValueType[] types = ValueType.values();
    for (int trial = 0; trial < 2_000; trial++) {
      int n = r.nextInt(20);
      List<InputColumn> columns = new ArrayList<>();
      Object[] values = new Object[n];
      for (int i = 0; i < n; i++) {
        ValueType t = types[r.nextInt(types.length)];
        columns.add(new InputColumn("c" + i, t));
        values[i] = Values.random(r, t, 0.3, true, false);
      }
      long sliceMillis = 1 + r.nextInt(1 << 30);
      long sliceStart = (r.nextInt(2_000_001) - 1_000_000L) * sliceMillis;
      long time = sliceStart + (long) (r.nextDouble() * sliceMillis);
      RowPreAggregate row = new RowPreAggregate(time, values);
      byte[] encoded = row.encode(columns, sliceStart, sliceMillis);
      assertThat(RowPreAggregate.decode(encoded, columns, sliceStart))
          .as("%s trial %d", Seeds.describe(), trial)
          .isEqualTo(row);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<Object> accumulators(Double... amounts) {
    List<Object> accs = new ArrayList<>();
    for (var agg : GOLDEN.aggregations()) {
      AggregateFunction f = agg.function();
      Object acc = f.createAccumulator();
      for (Double a : amounts) {
        acc = f.add(acc, agg.inputSlot() < 0 ? null : a, null);
      }
      accs.add(acc);
    }
    return accs;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static List<Object> results(CompactedEntry e) {
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < GOLDEN.aggregations().size(); i++) {
      AggregateFunction f = GOLDEN.aggregations().get(i).function();
      out.add(f.getResult(e.accumulators().get(i)));
    }
    return out;
  }

  static void assertCompactedGolden(CompactedEntry entry, byte[] golden) {
    assertCompactedGolden(entry, golden, golden);
  }

  /**
   * @param reencoded what the decoded entry encodes to: the golden bytes, or version 2 bytes when
   *     decoding a version-1 entry of at most one event learnt its earliest time
   */
  static void assertCompactedGolden(CompactedEntry entry, byte[] golden, byte[] reencoded) {
    assertThat(entry.encode(GOLDEN, SLICE_START)).isEqualTo(golden);
    CompactedEntry decoded = CompactedEntry.decode(golden, GOLDEN, SLICE_START);
    assertThat(decoded.eventCount()).isEqualTo(entry.eventCount());
    assertThat(decoded.maxEventTimeMillis()).isEqualTo(entry.maxEventTimeMillis());
    if (entry.hasMinEventTime()) {
      assertThat(decoded.minEventTimeMillis()).isEqualTo(entry.minEventTimeMillis());
    }
    assertThat(decoded.coveredRanges()).isEqualTo(entry.coveredRanges());
    assertThat(results(decoded)).isEqualTo(results(entry));
    assertThat(decoded.encode(GOLDEN, SLICE_START)).isEqualTo(reencoded);
    for (int len = 0; len < golden.length; len++) {
      byte[] prefix = Arrays.copyOf(golden, len);
      assertThatThrownBy(() -> CompactedEntry.decode(prefix, GOLDEN, SLICE_START))
          .as("prefix of %d bytes", len)
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("Corrupt");
    }
    byte[] trailing = Arrays.copyOf(golden, golden.length + 1);
    assertThatThrownBy(() -> CompactedEntry.decode(trailing, GOLDEN, SLICE_START))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("Corrupt compacted entry: 1 unexpected trailing bytes");
    byte[] version = golden.clone();
    version[0] = 7;
    assertThatThrownBy(() -> CompactedEntry.decode(version, GOLDEN, SLICE_START))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("Corrupt compacted entry: format version 7 not recognized");
  }

  @Test
  void compactedEntryGoldenBytes() {
    // two events (1.5 and 2.5), latest at slice start + 100, partition 3 offsets [10, 12)
    CompactedEntry two =
        new CompactedEntry(
            2, SLICE_START + 100, List.of(new CoveredRange(0, 3, 10, 12)), accumulators(1.5, 2.5));
    assertCompactedGolden(
        two,
        bytes(
            0x01, // format version
            0x02, // event count
            0x64, // latest event time - slice start = 100
            0x01, // one covered range
            0x00, 0x03, 0x0A, 0x02, // topic 0, partition 3, first 10, length 2
            0x03, // three accumulators
            0x02, 0x01, 0x02, // count: version 1, 2
            0x07, 0x01, 0x02, 0x01, 0x00, 0x04, 0x01,
            0x01, // sum 4.0 = 1 * 2^2: version, count 2, version, flags 0, zigzag(2), mantissa 01
            0x0A, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x40)); // max 2.5

    // nothing aggregated; an empty range at offset 300 (varint AC 02) and [5, 10) in partition 1
    // (an entry with an unknown earliest time is written as version 1; decoded, no events means it
    // is known)
    CompactedEntry empty =
        new CompactedEntry(
            0,
            Sessions.UNKNOWN,
            SLICE_START,
            List.of(new CoveredRange(0, 0, 300, 300), new CoveredRange(0, 1, 5, 10)),
            accumulators());
    assertCompactedGolden(
        empty,
        bytes(
            0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0xAC, 0x02, 0x00, 0x00, 0x01, 0x05, 0x05, 0x03,
            0x02, 0x01, 0x00, 0x07, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x02, 0x01, 0x00),
        bytes(
            0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0xAC, 0x02, 0x00, 0x00, 0x01, 0x05, 0x05,
            0x03, 0x02, 0x01, 0x00, 0x07, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x02, 0x01,
            0x00));
    assertThat(
            CompactedEntry.decode(empty.encode(GOLDEN, SLICE_START), GOLDEN, SLICE_START)
                .minEventTimeMillis())
        .isEqualTo(SLICE_START);
  }

  @Test
  void compactedEntryCoversHalfOpenRangesPerPartition() {
    CompactedEntry e =
        new CompactedEntry(
            0,
            SLICE_START,
            List.of(new CoveredRange(0, 3, 10, 12), new CoveredRange(1, 3, 0, 1)),
            accumulators());
    assertThat(e.covers(0, 3, 9)).isFalse();
    assertThat(e.covers(0, 3, 10)).isTrue();
    assertThat(e.covers(0, 3, 11)).isTrue();
    assertThat(e.covers(0, 3, 12)).isFalse();
    assertThat(e.covers(0, 4, 10)).isFalse();
    assertThat(e.covers(1, 3, 0)).isTrue();
    assertThat(e.covers(2, 3, 0)).isFalse();
    assertThat(new CoveredRange(0, 0, 5, 5).covers(0, 0, 5)).as("empty range").isFalse();
    assertThatThrownBy(() -> new CoveredRange(0, 0, 5, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid covered range");
    assertThatThrownBy(() -> new CoveredRange(0, -1, 0, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void corruptCompactedEntriesAreCorruptData() {
    ByteWriter w = new ByteWriter();
    // two accumulators where the feature set has three
    w.writeByte(1)
        .writeVarLong(0)
        .writeVarLong(0)
        .writeVarLong(0)
        .writeVarLong(2)
        .writeBytes(bytes(1, 0))
        .writeBytes(bytes(1, 1, 0, 0, 1, 0));
    assertCorrupt(
        w.toByteArray(),
        "Corrupt compacted entry: 2 accumulators, but feature set golden v1 has 3 aggregations");
    // an accumulator with a trailing byte inside its length prefix
    assertCorrupt(
        bytes(1, 0, 0, 0, 3, 3, 1, 0, 9, 6, 1, 1, 0, 0, 1, 0, 2, 1, 0),
        "Corrupt accumulator of n: 1 unexpected trailing bytes");
    // a first offset of 2^63 (negative as a long)
    assertCorrupt(
        bytes(
            1, 0, 0, 1, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00, 3,
            2, 1, 0, 6, 1, 1, 0, 0, 1, 0, 2, 1, 0),
        "Corrupt compacted entry");
    // first + length overflows the long range
    assertCorrupt(
        bytes(
            1, 0, 0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 3, 2, 1, 0, 6, 1, 1, 0, 0, 1, 0, 2, 1, 0),
        "Corrupt compacted entry");
  }

  private static void assertCorrupt(byte[] bytes, String message) {
    assertThatThrownBy(() -> CompactedEntry.decode(bytes, GOLDEN, SLICE_START))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining(message);
  }
}
