package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;

/**
 * The shared part of {@code sum} and {@code mean}: both keep a {@link SumCount} (exact sum and
 * number of non-null inputs) with the same binary form, version byte (1), varint count, {@link
 * ExactSum#encode}; they differ only in the result.
 */
abstract class SumCountFunction implements AggregateFunction<SumCount> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  @Override
  public SumCount createAccumulator() {
    return new SumCount();
  }

  @Override
  public SumCount add(SumCount acc, Object value, EventPosition position) {
    return acc.add(value);
  }

  @Override
  public SumCount merge(SumCount into, SumCount other) {
    return into.merge(other);
  }

  @Override
  public boolean isEmpty(SumCount acc) {
    return acc.count == 0;
  }

  @Override
  public void encode(SumCount acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    acc.encodePayload(out);
  }

  @Override
  public SumCount decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    return SumCount.decodePayload(in, name());
  }
}
