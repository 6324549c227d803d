package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * {@code bool_and} and {@code bool_or} of a boolean input (SQL's {@code BOOL_AND}/{@code EVERY} and
 * {@code BOOL_OR}/{@code ANY}): true iff every (some) non-null input is true. Null inputs are
 * ignored. Result {@code boolean}; an empty window (no non-null input) gives null.
 *
 * <p>Space: 2 bytes. Binary form (version 1): version byte, state byte (0 = no input, 1 = false, 2
 * = true).
 */
final class BoolFunction implements AggregateFunction<BoolFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable: null until a non-null input arrives. */
  static final class Acc {
    Boolean value;
  }

  private final boolean and;

  BoolFunction(boolean and) {
    this.and = and;
  }

  @Override
  public String name() {
    return and ? "bool_and" : "bool_or";
  }

  @Override
  public ValueType resultType() {
    return ValueType.BOOLEAN;
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value instanceof Boolean b) {
      acc.value = acc.value == null ? b : and ? acc.value && b : acc.value || b;
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    return add(into, other.value, null);
  }

  @Override
  public Object getResult(Acc acc) {
    return acc.value;
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.value == null;
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION).writeByte(acc.value == null ? 0 : acc.value ? 2 : 1);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    int state = in.readByte();
    if (state > 2) {
      throw new CorruptDataException("Corrupt " + name() + " accumulator: state byte " + state);
    }
    Acc acc = new Acc();
    acc.value = state == 0 ? null : state == 2;
    return acc;
  }
}
