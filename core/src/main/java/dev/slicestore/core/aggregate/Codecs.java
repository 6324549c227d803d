package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

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
}
