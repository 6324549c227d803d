package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;

/**
 * {@code sum} of a numeric input, exact in any merge order ({@link ExactSum}); null inputs are
 * ignored. Result: {@code double} for a double input (the correctly rounded exact sum),
 * {@code long} for a long input (an {@link ArithmeticException} from {@code getResult} if the
 * exact sum leaves the long range). An empty window gives 0.
 *
 * <p>Binary form: version byte (1), then {@link ExactSum#encode}.
 */
final class SumFunction implements AggregateFunction<ExactSum> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;
  private final ValueType inputType;

  SumFunction(ValueType inputType) {
    this.inputType = inputType;
  }

  @Override
  public String name() {
    return "sum";
  }

  @Override
  public ValueType resultType() {
    return inputType;
  }

  @Override
  public ExactSum createAccumulator() {
    return ExactSum.zero();
  }

  @Override
  public ExactSum add(ExactSum acc, Object value, EventPosition position) {
    if (value instanceof Long l) {
      acc.add(l);
    } else if (value instanceof Double d) {
      acc.add(d);
    }
    return acc;
  }

  @Override
  public ExactSum merge(ExactSum into, ExactSum other) {
    return into.merge(other);
  }

  @Override
  public Object getResult(ExactSum acc) {
    return inputType == ValueType.LONG ? (Object) acc.longValueExact() : (Object) acc.doubleValue();
  }

  @Override
  public boolean isEmpty(ExactSum acc) {
    return acc.isZero();
  }

  @Override
  public void encode(ExactSum acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    acc.encode(out);
  }

  @Override
  public ExactSum decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, "sum");
    return ExactSum.decode(in);
  }
}
