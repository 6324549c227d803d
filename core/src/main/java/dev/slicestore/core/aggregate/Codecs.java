package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Shared helpers for accumulator codecs. */
final class Codecs {
  private Codecs() {}

  static void checkVersion(ByteReader in, int expected, String what) {
    int version = in.readByte();
    if (version != expected) {
      throw new CorruptDataException(
          "Corrupt " + what + " accumulator: serialization version " + version + " not recognized");
    }
  }

  /** Writes a non-null value of {@code type}. */
  static void writeValue(ByteWriter out, ValueType type, Object value) {
    switch (type) {
      case LONG -> out.writeZigZagLong((Long) value);
      case DOUBLE -> out.writeDouble((Double) value);
      case STRING -> out.writeString((String) value);
      case BOOLEAN -> out.writeByte(((Boolean) value) ? 1 : 0);
      default -> throw new IllegalStateException("unknown type " + type);
    }
  }

  /** Reads a value of {@code type} written by {@link #writeValue}. */
  static Object readValue(ByteReader in, ValueType type) {
    return switch (type) {
      case LONG -> in.readZigZagLong();
      case DOUBLE -> in.readDouble();
      case STRING -> in.readString();
      case BOOLEAN -> {
        int b = in.readByte();
        if (b > 1) {
          throw new CorruptDataException("Corrupt boolean value: " + b);
        }
        yield b == 1;
      }
    };
  }

  /** Writes a varint count, then the non-null values of {@code type} in iteration order. */
  static void writeValues(ByteWriter out, ValueType type, Collection<?> values) {
    out.writeVarLong(values.size());
    for (Object v : values) {
      writeValue(out, type, v);
    }
  }

  /**
   * Reads what {@link #writeValues} wrote, where the values are in {@code order}.
   *
   * @param strictly whether equal neighbours are out of order too
   * @param what the function, for the message
   * @throws CorruptDataException if a value is out of order, or the data is truncated
   */
  static List<Object> readOrderedValues(
      ByteReader in, ValueType type, Comparator<Object> order, boolean strictly, String what) {
    int n = in.readVarInt();
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Object v = readValue(in, type);
      if (!values.isEmpty()) {
        int c = order.compare(values.get(values.size() - 1), v);
        if (strictly ? c >= 0 : c > 0) {
          throw new CorruptDataException(
              "Corrupt "
                  + what
                  + " accumulator: values not "
                  + (strictly ? "strictly increasing" : "in order")
                  + " at "
                  + i);
        }
      }
      values.add(v);
    }
    return values;
  }

  /** Writes an event position: zigzag event time, topic index, partition and offset. */
  static void writePosition(ByteWriter out, EventPosition p) {
    out.writeZigZagLong(p.eventTimeMillis());
    out.writeZigZagLong(p.topicIndex());
    out.writeZigZagLong(p.partition());
    out.writeZigZagLong(p.offset());
  }

  /**
   * Reads what {@link #writePosition} wrote.
   *
   * @param what the function, for the message
   * @throws CorruptDataException if the topic index or the partition is not an int, or the data is
   *     truncated
   */
  static EventPosition readPosition(ByteReader in, String what) {
    long time = in.readZigZagLong();
    long topic = in.readZigZagLong();
    long partition = in.readZigZagLong();
    long offset = in.readZigZagLong();
    if (topic != (int) topic || partition != (int) partition) {
      throw new CorruptDataException(
          "Corrupt "
              + what
              + " accumulator: topic "
              + topic
              + " / partition "
              + partition
              + " out of range");
    }
    return new EventPosition(time, (int) topic, (int) partition, offset);
  }

  /**
   * Runs a DataSketches deserializer, turning the library's exceptions (SketchesArgumentException,
   * bounds errors, ...) into {@link CorruptDataException}.
   */
  static <T> T sketch(String what, java.util.function.Supplier<T> heapify) {
    try {
      return heapify.get();
    } catch (CorruptDataException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CorruptDataException(
          "Corrupt " + what + " accumulator: the sketch does not deserialize: " + e);
    }
  }

  /**
   * The bytes a string is hashed as by the sketches: a 0 byte then its UTF-8 (the prefix keeps the
   * empty string a value: DataSketches ignores empty inputs).
   */
  static byte[] hashBytes(String s) {
    byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] out = new byte[utf8.length + 1];
    System.arraycopy(utf8, 0, out, 1, utf8.length);
    return out;
  }

  /** The long a long, double or boolean is hashed as: itself, its canonical bits, 0/1. */
  static long hashLong(Object v) {
    if (v instanceof Long l) {
      return l;
    } else if (v instanceof Double d) {
      return Double.doubleToLongBits(d);
    } else if (v instanceof Boolean b) {
      return b ? 1L : 0L;
    }
    throw new IllegalArgumentException("not a long, double or boolean: " + v);
  }

  /**
   * The order {@code min}/{@code max} use: numeric, {@link Double#compare}, {@link
   * String#compareTo}.
   */
  static Comparator<Object> order(ValueType type) {
    return switch (type) {
      case LONG -> (a, b) -> Long.compare((Long) a, (Long) b);
      case DOUBLE -> (a, b) -> Double.compare((Double) a, (Double) b);
      case STRING -> (a, b) -> ((String) a).compareTo((String) b);
      case BOOLEAN -> (a, b) -> Boolean.compare((Boolean) a, (Boolean) b);
    };
  }
}
