package dev.slicestore.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.Values;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * argmin / argmax against a naive oracle (sort the rows by key, ties by position, take the first),
 * over random splits into slices, codec round trips and random merge orders; merges never mutate
 * their {@code other}.
 */
class ArgExtremumFunctionTest {
  record Row(Object key, String value, EventPosition position) {}

  private static byte[] encode(AggregateFunction<Object> f, Object acc) {
    ByteWriter w = new ByteWriter(16);
    f.encode(acc, w);
    return w.toByteArray();
  }

  @SuppressWarnings("unchecked")
  @Test
  void anyMergeTreeMatchesTheNaiveResult() {
    Random r = Seeds.random("ArgExtremumFunctionTest.anyMergeTreeMatchesTheNaiveResult");
    for (ValueType keyType : List.of(ValueType.LONG, ValueType.DOUBLE, ValueType.STRING)) {
      for (String name : List.of("argmax", "argmin")) {
        AggregateFunction<Object> f =
            (AggregateFunction<Object>)
                AggregateFunctions.create(
                    name,
                    keyType,
                    Map.of("value", "v"),
                    c -> c.equals("v") ? ValueType.STRING : null);
        assertThat(f.resultType()).isEqualTo(ValueType.STRING);
        for (int trial = 0; trial < 200; trial++) {
          int n = r.nextInt(60);
          List<Row> rows = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            Object key = Values.random(r, keyType, 0.15, r.nextInt(20) == 0, true);
            if (r.nextInt(4) == 0 && !rows.isEmpty()) {
              key = rows.get(r.nextInt(rows.size())).key(); // ties on the key
            }
            long time =
                r.nextInt(5) == 0 && !rows.isEmpty()
                    ? rows.get(r.nextInt(rows.size())).position().eventTimeMillis()
                    : r.nextInt(1_000_000);
            rows.add(
                new Row(
                    key,
                    r.nextInt(6) == 0 ? null : "v" + i,
                    new EventPosition(time, r.nextInt(2), r.nextInt(3), i)));
          }
          // oracle: the best key, ties to the earliest position
          Row best = null;
          for (Row row : rows) {
            if (row.key() == null) {
              continue;
            }
            if (best == null) {
              best = row;
              continue;
            }
            int c = NaiveAggregator.order(keyType).compare(row.key(), best.key());
            if (name.equals("argmin")) {
              c = -c;
            }
            if (c > 0 || (c == 0 && row.position().compareTo(best.position()) < 0)) {
              best = row;
            }
          }
          // random slices, encoded and decoded, merged in random order
          Collections.shuffle(rows, r);
          List<Object> parts = new ArrayList<>();
          int i = 0;
          while (i < rows.size()) {
            int len = 1 + r.nextInt(8);
            Object acc = f.createAccumulator();
            for (Row row : rows.subList(i, Math.min(rows.size(), i + len))) {
              acc =
                  f.add(
                      acc,
                      row.key() == null && r.nextBoolean()
                          ? null
                          : new KeyedValue(row.key(), row.value()),
                      row.position());
            }
            parts.add(r.nextBoolean() ? f.decode(new ByteReader(encode(f, acc))) : acc);
            i += len;
          }
          Object merged = f.createAccumulator();
          Collections.shuffle(parts, r);
          for (Object part : parts) {
            byte[] before = encode(f, part);
            merged = f.merge(merged, part);
            assertThat(encode(f, part)).as("merge leaves other unchanged").isEqualTo(before);
          }
          String ctx = Seeds.describe() + " " + name + "(" + keyType + ") trial " + trial;
          assertThat(f.getResult(merged)).as(ctx).isEqualTo(best == null ? null : best.value());
          assertThat(f.isEmpty(merged)).as(ctx).isEqualTo(best == null);
          assertThat(f.getResult(f.decode(new ByteReader(encode(f, merged)))))
              .as(ctx)
              .isEqualTo(f.getResult(merged));
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  @Test
  void goldenBytesParamsAndCorruptInput() {
    AggregateFunction<Object> f =
        (AggregateFunction<Object>)
            AggregateFunctions.create(
                "argmax",
                ValueType.LONG,
                Map.of("value", "product"),
                c -> c.equals("product") ? ValueType.STRING : null);
    Object acc =
        f.add(f.createAccumulator(), new KeyedValue(7L, "A1"), new EventPosition(1000, 0, 1, 42));
    // version 1, present, key zigzag(7)=14, value present, "A1" (length 2), time zigzag(1000),
    // topic 0, partition 1 (2), offset 42 (84)
    assertThat(HexFormat.of().formatHex(encode(f, acc))).isEqualTo("01010e0102413" + "1d00f000254");
    assertThat(HexFormat.of().formatHex(encode(f, f.createAccumulator()))).isEqualTo("0100");
    assertThatThrownBy(() -> f.decode(new ByteReader(HexFormat.of().parseHex("0107"))))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("presence byte 7");
    assertThatThrownBy(() -> AggregateFunctions.create("argmax", ValueType.LONG, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("params { value = <column> }");
    assertThatThrownBy(
            () ->
                AggregateFunctions.create(
                    "argmin", ValueType.LONG, Map.of("value", "nope"), c -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value = nope")
        .hasMessageContaining("no such column");
    assertThatThrownBy(
            () ->
                AggregateFunctions.create(
                    "argmin", ValueType.BOOLEAN, Map.of("value", "v"), c -> ValueType.LONG))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
