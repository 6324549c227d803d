package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;

/**
 * {@code mean} of a numeric input: the exact sum ({@link ExactSum}) correctly rounded to a double,
 * divided by the number of non-null inputs. Deterministic in any merge order. Result
 * {@code double}; an empty window (no non-null input) gives null.
 *
 * <p>Binary form: version byte (1), varint count, {@link ExactSum#encode} (see {@link SumCount}).
 */
final class MeanFunction implements AggregateFunction<SumCount> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  @Override
  public String name() {
    return "mean";
  }

  @Override
  public ValueType resultType() {
    return ValueType.DOUBLE;
  }

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
  public Object getResult(SumCount acc) {
    return acc.count == 0 ? null : acc.sum.doubleValue() / acc.count;
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
    Codecs.checkVersion(in, SERIAL_VERSION, "mean");
    return SumCount.decodePayload(in, "mean");
  }
}
