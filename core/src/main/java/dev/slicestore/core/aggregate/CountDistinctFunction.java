package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.Comparator;
import java.util.TreeSet;

/**
 * {@code count_distinct}: the exact number of distinct non-null values of any input type, kept as
 * the set of values itself. Equality is that of {@code min}/{@code max}'s order: numeric for longs,
 * {@link Double#compare} for doubles (all NaNs are one value; {@code -0.0} and {@code 0.0} are
 * two), {@link String#equals} for strings. Null inputs are ignored. Result {@code long}; an empty
 * window gives 0.
 *
 * <h2>Beyond the bound</h2>
 *
 * Parameter {@code max-size} (1 to 1,000,000, default 10,000) bounds the set. When the distinct
 * values of an accumulator exceed it, the accumulator drops the set and becomes
 * <em>overflowed</em>, which is absorbing under add and merge. An overflowed accumulator's {@code
 * getResult} throws {@link ArithmeticException} with a message naming the bound (as a long {@code
 * sum} beyond the long range does): serving reports status ERROR, compaction writes a null result
 * column. It never returns a wrong count. Overflow is independent of the merge order: it happens
 * iff the window holds more than {@code max-size} distinct values. Use {@code
 * approx_count_distinct} for unbounded cardinalities.
 *
 * <p>Space: at most {@code max-size} values, {@code 3 + max-size·10} bytes encoded for longs (100
 * KB at the default), {@code 3 + max-size·8} for doubles, strings by their length; 2 bytes when
 * overflowed.
 *
 * <p>Binary form (version 1): version byte, state byte (0 = exact, 1 = overflowed); when exact,
 * varint number of values and the values in strictly increasing order (so equal sets encode to
 * equal bytes).
 */
final class CountDistinctFunction implements AggregateFunction<CountDistinctFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable: the distinct values, or null once overflowed. */
  static final class Acc {
    TreeSet<Object> values;
  }

  private final ValueType inputType;
  private final int maxSize;

  CountDistinctFunction(ValueType inputType, int maxSize) {
    this.inputType = inputType;
    this.maxSize = maxSize;
  }

  private Comparator<Object> order() {
    return Codecs.order(inputType);
  }

  @Override
  public String name() {
    return "count_distinct";
  }

  @Override
  public ValueType resultType() {
    return ValueType.LONG;
  }

  @Override
  public Acc createAccumulator() {
    Acc acc = new Acc();
    acc.values = new TreeSet<>(order());
    return acc;
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value == null || acc.values == null) {
      return acc;
    }
    if (value instanceof Double d && d.isNaN()) {
      value = Double.NaN;
    }
    acc.values.add(value);
    if (acc.values.size() > maxSize) {
      acc.values = null;
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    if (other.values == null) {
      into.values = null;
      return into;
    }
    for (Object v : other.values) { // values are immutable
      if (into.values == null) {
        break;
      }
      add(into, v, null);
    }
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    if (acc.values == null) {
      throw new ArithmeticException(
          "count_distinct: more than max-size = "
              + maxSize
              + " distinct values in the window; raise max-size or use approx_count_distinct");
    }
    return (long) acc.values.size();
  }

  @Override
  public Object emptyResult() {
    return 0L;
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.values != null && acc.values.isEmpty();
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    if (acc.values == null) {
      out.writeByte(1);
      return;
    }
    out.writeByte(0);
    Codecs.writeValues(out, inputType, acc.values);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    int state = in.readByte();
    Acc acc = createAccumulator();
    if (state == 1) {
      acc.values = null;
      return acc;
    } else if (state != 0) {
      throw new CorruptDataException("Corrupt count_distinct accumulator: state byte " + state);
    }
    acc.values.addAll(Codecs.readOrderedValues(in, inputType, order(), true, name()));
    if (acc.values.size() > maxSize) {
      acc.values = null; // written with a larger max-size: beyond this function's bound
    }
    return acc;
  }
}
