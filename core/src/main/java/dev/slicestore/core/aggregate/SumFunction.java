package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;

/**
 * {@code sum} of a numeric input, exact in any merge order ({@link ExactSum}); null inputs are
 * ignored. Result: {@code double} for a double input (the correctly rounded exact sum),
 * {@code long} for a long input (an {@link ArithmeticException} from {@code getResult} if the
 * exact sum leaves the long range). An empty window gives 0 with status EMPTY; inputs that cancel
 * out give 0 with status PRESENT.
 *
 * <p>Binary form: version byte (1), varint count of non-null inputs, {@link ExactSum#encode} (see
 * {@link SumCount}; the same layout as {@code mean}).
 */
final class SumFunction implements AggregateFunction<SumCount> {
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
    return inputType == ValueType.LONG ? (Object) acc.sum.longValueExact() : (Object) acc.sum.doubleValue();
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
    Codecs.checkVersion(in, SERIAL_VERSION, "sum");
    return SumCount.decodePayload(in, "sum");
  }
}
