package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.frequencies.LongsSketch;
import org.apache.datasketches.memory.Memory;

/**
 * {@code most_frequent}: the {@code k} most frequent non-null values and their counts, with Apache
 * DataSketches' frequent-items sketch ({@link LongsSketch} for long, double and boolean inputs,
 * {@link ItemsSketch ItemsSketch&lt;String&gt;} for strings; the Misra–Gries algorithm with the
 * merge of Agarwal et al., <i>Mergeable summaries</i>, PODS 2012, as DataSketches implements it).
 * Doubles are kept by their canonical bits ({@code 0.0} and {@code -0.0} differ, all NaNs are one
 * value), booleans as 0/1. Null inputs are ignored.
 *
 * <p>Result: {@link ResultType.Kind#ITEM_COUNTS} of the input type, a {@code List<ItemCount>} of at
 * most {@code k} entries: the tracked items with the largest estimates, most frequent first, ties
 * by the item's natural order (as {@code min} orders). An empty window gives the empty list.
 *
 * <p>Parameters: {@code k}, 1 to 1000 (required); {@code max-map-size}, the sketch's maximum hash
 * map size, a power of two from 8 to 65536 with {@code k <= 0.75·max-map-size}, default the
 * smallest power of two {@code >= max(128, 4k)}.
 *
 * <h2>Error</h2>
 *
 * While the window holds at most {@code 0.75·max-map-size} distinct values (96 at the default)
 * every count is exact ({@code errorBound = 0}) and the result is identical in every merge order.
 * Beyond that counts are estimates: for every item the true count lies in {@code [count -
 * errorBound, count]}, and {@code errorBound <= epsilon·n} with the a-priori {@code epsilon = 3.5 /
 * max-map-size} (DataSketches {@code getEpsilon}; 2.7 % of the window's non-null inputs {@code n}
 * at 128), so every value more frequent than {@code epsilon·n} is tracked. The estimates then
 * depend on the merge order (within that bound): serving and training may differ there.
 *
 * <p>Space: the DataSketches serialization: 8 bytes empty, else 32 bytes + 16 per tracked long (at
 * most {@code 0.75·max-map-size} of them: 1.6 KB at 128), or 32 + 8 per item + the strings' UTF-8
 * with 4-byte lengths for strings; plus the version byte and a 1–3 byte length.
 *
 * <p>Binary form (version 1): version byte, varint length, the DataSketches serialization ({@code
 * LongsSketch.toByteArray()} or {@code ItemsSketch.toByteArray(ArrayOfStringsSerDe)}).
 */
final class MostFrequentFunction implements AggregateFunction<MostFrequentFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable: exactly one of the two sketches is set, by the input type. */
  static final class Acc {
    LongsSketch longs;
    ItemsSketch<String> strings;
  }

  private final ValueType inputType;
  private final int k;
  private final int maxMapSize;

  MostFrequentFunction(ValueType inputType, int k, int maxMapSize) {
    this.inputType = inputType;
    this.k = k;
    this.maxMapSize = maxMapSize;
  }

  /**
   * @return the default max-map-size for {@code k}: the smallest power of two >= max(128, 4k)
   */
  static int defaultMaxMapSize(int k) {
    int size = 128;
    while (size < 4 * k) {
      size *= 2;
    }
    return size;
  }

  /**
   * @return DataSketches' a-priori epsilon for this max-map-size: errorBound <= epsilon * n
   */
  double epsilon() {
    return LongsSketch.getEpsilon(maxMapSize);
  }

  @Override
  public String name() {
    return "most_frequent";
  }

  @Override
  public ValueType resultType() {
    return inputType;
  }

  @Override
  public ResultType result() {
    return ResultType.itemCounts(inputType);
  }

  @Override
  public Acc createAccumulator() {
    Acc acc = new Acc();
    if (inputType == ValueType.STRING) {
      acc.strings = new ItemsSketch<>(maxMapSize);
    } else {
      acc.longs = new LongsSketch(maxMapSize);
    }
    return acc;
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value == null) {
      return acc;
    }
    if (acc.strings != null) {
      acc.strings.update((String) value);
    } else {
      acc.longs.update(Codecs.hashLong(value));
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    if (into.strings != null) {
      into.strings.merge(other.strings); // reads other only
    } else {
      into.longs.merge(other.longs);
    }
    return into;
  }

  private Object item(long bits) {
    return switch (inputType) {
      case LONG -> bits;
      case DOUBLE -> Double.longBitsToDouble(bits);
      case BOOLEAN -> bits != 0;
      case STRING -> throw new IllegalStateException();
    };
  }

  @Override
  public Object getResult(Acc acc) {
    List<ItemCount> all = new ArrayList<>();
    if (acc.strings != null) {
      for (ItemsSketch.Row<String> row :
          acc.strings.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES)) {
        all.add(
            new ItemCount(
                row.getItem(), row.getEstimate(), row.getEstimate() - row.getLowerBound()));
      }
    } else {
      for (LongsSketch.Row row : acc.longs.getFrequentItems(0, ErrorType.NO_FALSE_NEGATIVES)) {
        all.add(
            new ItemCount(
                item(row.getItem()), row.getEstimate(), row.getEstimate() - row.getLowerBound()));
      }
    }
    Comparator<Object> order = Codecs.order(inputType);
    all.sort(
        Comparator.comparingLong(ItemCount::count)
            .reversed()
            .thenComparing(ItemCount::item, order));
    return Collections.unmodifiableList(new ArrayList<>(all.subList(0, Math.min(k, all.size()))));
  }

  @Override
  public Object emptyResult() {
    return List.of();
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.strings != null ? acc.strings.isEmpty() : acc.longs.isEmpty();
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    out.writeBytes(
        acc.strings != null
            ? acc.strings.toByteArray(new ArrayOfStringsSerDe())
            : acc.longs.toByteArray());
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    byte[] bytes = in.readBytes();
    Acc acc = new Acc();
    if (inputType == ValueType.STRING) {
      acc.strings =
          Codecs.sketch(
              name(), () -> ItemsSketch.getInstance(Memory.wrap(bytes), new ArrayOfStringsSerDe()));
    } else {
      acc.longs = Codecs.sketch(name(), () -> LongsSketch.getInstance(Memory.wrap(bytes)));
    }
    return acc;
  }
}
