package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * The accumulator of {@code sum} and {@code mean}: the exact sum of the non-null inputs and how
 * many there were (so an empty window is told apart from inputs that cancel out).
 *
 * <p>Payload (after the function's version byte): varint count, then {@link ExactSum#encode}.
 *
 * <p>Mutable, not thread-safe.
 */
final class SumCount {
  ExactSum sum = ExactSum.zero();
  long count;

  SumCount add(Object value) {
    if (value instanceof Long l) {
      sum.add(l);
      count++;
    } else if (value instanceof Double d) {
      sum.add(d);
      count++;
    }
    return this;
  }

  SumCount merge(SumCount other) {
    sum.merge(other.sum);
    count += other.count;
    return this;
  }

  void encodePayload(ByteWriter out) {
    out.writeVarLong(count);
    sum.encode(out);
  }

  static SumCount decodePayload(ByteReader in, String what) {
    SumCount acc = new SumCount();
    acc.count = in.readVarLong();
    if (acc.count < 0) {
      throw new CorruptDataException(
          "Corrupt " + what + " accumulator: negative count " + acc.count);
    }
    acc.sum = ExactSum.decode(in);
    return acc;
  }
}
