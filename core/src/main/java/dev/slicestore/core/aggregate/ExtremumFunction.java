package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * {@code min} and {@code max} of a long, double or string input; nulls are ignored. Doubles compare
 * by {@link Double#compare} (so {@code -0.0 < 0.0} and NaN is the largest value): a total order,
 * hence the same result in every merge order. Result: the input type; an empty window gives null.
 *
 * <p>Binary form: version byte (1), presence byte (0 = empty, 1 = value follows), the value (zigzag
 * varint for long, 8 bytes for double, length-prefixed UTF-8 for string).
 */
final class ExtremumFunction implements AggregateFunction<ExtremumFunction.Acc> {
  private static final int SERIAL_VERSION = 1;

  /** Mutable holder of the current extremum (null when empty). */
  static final class Acc {
    Object value;
  }

  private static final long serialVersionUID = 1L;
  private final boolean max;
  private final ValueType inputType;

  ExtremumFunction(boolean max, ValueType inputType) {
    this.max = max;
    this.inputType = inputType;
  }

  /**
   * @return positive iff {@code a} is a better extremum than {@code b}
   */
  private int better(Object a, Object b) {
    int natural = Codecs.order(inputType).compare(a, b);
    return max ? natural : -natural;
  }

  @Override
  public String name() {
    return max ? "max" : "min";
  }

  @Override
  public ValueType resultType() {
    return inputType;
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value != null && (acc.value == null || better(value, acc.value) > 0)) {
      acc.value = value;
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
    out.writeByte(SERIAL_VERSION);
    if (acc.value == null) {
      out.writeByte(0);
    } else {
      out.writeByte(1);
      Codecs.writeValue(out, inputType, acc.value);
    }
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    Acc acc = new Acc();
    int presence = in.readByte();
    if (presence == 1) {
      acc.value = Codecs.readValue(in, inputType);
    } else if (presence != 0) {
      throw new CorruptDataException(
          "Corrupt " + name() + " accumulator: presence byte " + presence);
    }
    return acc;
  }
}
