package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * {@code mean} of a numeric input: the exact sum ({@link ExactSum}) correctly rounded to a double,
 * divided by the number of non-null inputs. Deterministic in any merge order. Result
 * {@code double}; an empty window (no non-null input) gives null.
 *
 * <p>Binary form: version byte (1), varint count, {@link ExactSum#encode}.
 */
final class MeanFunction implements AggregateFunction<MeanFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable (sum, count). */
  static final class Acc {
    ExactSum sum = ExactSum.zero();
    long count;
  }

  @Override
  public String name() {
    return "mean";
  }

  @Override
  public ValueType resultType() {
    return ValueType.DOUBLE;
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value instanceof Long l) {
      acc.sum.add(l);
      acc.count++;
    } else if (value instanceof Double d) {
      acc.sum.add(d);
      acc.count++;
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    into.sum.merge(other.sum);
    into.count += other.count;
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    return acc.count == 0 ? null : acc.sum.doubleValue() / acc.count;
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.count == 0;
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION).writeVarLong(acc.count);
    acc.sum.encode(out);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, "mean");
    Acc acc = new Acc();
    acc.count = in.readVarLong();
    if (acc.count < 0) {
      throw new CorruptDataException("Corrupt mean accumulator: negative count " + acc.count);
    }
    acc.sum = ExactSum.decode(in);
    return acc;
  }
}
