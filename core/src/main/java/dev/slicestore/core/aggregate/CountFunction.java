package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * {@code count}: the number of events (no input column), or of events whose input is not null.
 * Result {@code long}; an empty window gives 0.
 *
 * <p>Binary form: version byte (1), varint count.
 */
final class CountFunction implements AggregateFunction<CountFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable count. */
  static final class Acc {
    long count;
  }

  private final boolean countRows;

  /**
   * @param countRows true to count every event, false to count non-null inputs
   */
  CountFunction(boolean countRows) {
    this.countRows = countRows;
  }

  @Override
  public String name() {
    return "count";
  }

  @Override
  public ValueType resultType() {
    return ValueType.LONG;
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (countRows || value != null) {
      acc.count++;
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    into.count += other.count;
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    return acc.count;
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.count == 0;
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION).writeVarLong(acc.count);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, "count");
    Acc acc = new Acc();
    acc.count = in.readVarLong();
    if (acc.count < 0) {
      throw new CorruptDataException("Corrupt count accumulator: negative count " + acc.count);
    }
    return acc;
  }
}
