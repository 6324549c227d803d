package dev.slicestore.core.aggregate;

/**
 * {@code mean} of a numeric input: the exact sum ({@link ExactSum}) correctly rounded to a double,
 * divided by the number of non-null inputs. Deterministic in any merge order. Result {@code
 * double}; an empty window (no non-null input) gives null.
 *
 * <p>Binary form: see {@link SumCountFunction}.
 */
final class MeanFunction extends SumCountFunction {
  private static final long serialVersionUID = 1L;

  @Override
  public String name() {
    return "mean";
  }

  @Override
  public ValueType resultType() {
    return ValueType.DOUBLE;
  }

  @Override
  public Object getResult(SumCount acc) {
    return acc.count == 0 ? null : acc.sum.doubleValue() / acc.count;
  }
}
