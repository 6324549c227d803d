package dev.slicestore.core.aggregate;

/**
 * {@code sum} of a numeric input, exact in any merge order ({@link ExactSum}); null inputs are
 * ignored. Result: {@code double} for a double input (the correctly rounded exact sum), {@code
 * long} for a long input (an {@link ArithmeticException} from {@code getResult} if the exact sum
 * leaves the long range). An empty window gives 0 with status EMPTY; inputs that cancel out give 0
 * with status PRESENT.
 *
 * <p>Binary form: see {@link SumCountFunction} (the same layout as {@code mean}).
 */
final class SumFunction extends SumCountFunction {
  private static final long serialVersionUID = 1L;
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
  public Object getResult(SumCount acc) {
    return inputType == ValueType.LONG
        ? (Object) acc.sum.longValueExact()
        : (Object) acc.sum.doubleValue();
  }
}
