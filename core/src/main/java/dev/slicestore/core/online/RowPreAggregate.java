package dev.slicestore.core.online;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.InputColumn;
import java.util.Arrays;
import java.util.List;

/**
 * One event's row pre-aggregate: its event time and the values of the feature set's {@linkplain
 * dev.slicestore.core.config.FeatureSet#inputColumns() input columns}. Storing each distinct input
 * once is the most compact exact form of the event's accumulators (count, sum, mean, min and max of
 * {@code amount} all derive from one double), and readers turn it into accumulators with {@code
 * AggregateFunction.add}.
 *
 * <h2>Binary form (the value of an event field)</h2>
 *
 * <pre>
 *  byte 0        format version (1)
 *  varint        event time - slice start, ms (0 <= x < slice size)
 *  ceil(n/8)     presence bitmap, bit i (LSB first) set iff input i is not null
 *  values        each present input in order: long = zigzag varint, double = 8 bytes LE,
 *                string = varint length + UTF-8, boolean = 1 byte
 * </pre>
 *
 * The retail feature set (one double input) takes 13 bytes per event.
 *
 * @param eventTimeMillis the event time, epoch ms
 * @param inputs one value per input column (null for absent); not copied
 */
public record RowPreAggregate(long eventTimeMillis, Object[] inputs) {
  private static final int FORMAT_VERSION = 1;

  /**
   * Encodes this pre-aggregate for the slice starting at {@code sliceStartMillis}.
   *
   * @throws IllegalArgumentException if the event time is outside the slice
   */
  public byte[] encode(List<InputColumn> columns, long sliceStartMillis, long sliceMillis) {
    long delta = eventTimeMillis - sliceStartMillis;
    if (delta < 0 || delta >= sliceMillis) {
      throw new IllegalArgumentException(
          "Cannot encode row pre-aggregate: event time "
              + eventTimeMillis
              + " is outside the slice starting at "
              + sliceStartMillis);
    }
    ByteWriter out = new ByteWriter(16);
    out.writeByte(FORMAT_VERSION).writeVarLong(delta);
    int n = columns.size();
    int bitmapBytes = (n + 7) / 8;
    byte[] bitmap = new byte[bitmapBytes];
    for (int i = 0; i < n; i++) {
      if (inputs[i] != null) {
        bitmap[i / 8] |= (byte) (1 << (i % 8));
      }
    }
    for (byte b : bitmap) {
      out.writeByte(b);
    }
    for (int i = 0; i < n; i++) {
      Object v = inputs[i];
      if (v == null) {
        continue;
      }
      switch (columns.get(i).type()) {
        case LONG -> out.writeZigZagLong((Long) v);
        case DOUBLE -> out.writeDouble((Double) v);
        case STRING -> out.writeString((String) v);
        case BOOLEAN -> out.writeByte((Boolean) v ? 1 : 0);
      }
    }
    return out.toByteArray();
  }

  /**
   * @throws CorruptDataException on an unknown version, truncation or trailing bytes
   */
  public static RowPreAggregate decode(
      byte[] bytes, List<InputColumn> columns, long sliceStartMillis) {
    ByteReader in = new ByteReader(bytes);
    int version = in.readByte();
    if (version != FORMAT_VERSION) {
      throw new CorruptDataException(
          "Corrupt row pre-aggregate: format version " + version + " not recognized");
    }
    long time = sliceStartMillis + in.readVarLong();
    int n = columns.size();
    byte[] bitmap = new byte[(n + 7) / 8];
    for (int i = 0; i < bitmap.length; i++) {
      bitmap[i] = (byte) in.readByte();
    }
    Object[] values = new Object[n];
    for (int i = 0; i < n; i++) {
      if ((bitmap[i / 8] & (1 << (i % 8))) == 0) {
        continue;
      }
      ValueType t = columns.get(i).type();
      values[i] =
          switch (t) {
            case LONG -> in.readZigZagLong();
            case DOUBLE -> in.readDouble();
            case STRING -> in.readString();
            case BOOLEAN -> in.readByte() != 0;
          };
    }
    in.expectEnd("row pre-aggregate");
    return new RowPreAggregate(time, values);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RowPreAggregate r
        && r.eventTimeMillis == eventTimeMillis
        && Arrays.equals(r.inputs, inputs);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(eventTimeMillis) * 31 + Arrays.hashCode(inputs);
  }

  @Override
  public String toString() {
    return "RowPreAggregate[" + eventTimeMillis + ", " + Arrays.toString(inputs) + "]";
  }
}
