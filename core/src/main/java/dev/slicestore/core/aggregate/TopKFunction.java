package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * {@code top_k} and {@code bottom_k}: the {@code k} largest (smallest) non-null values of a long,
 * double or string input, best first; duplicates count as separate values (the top 3 of 5, 5, 5, 1
 * is [5, 5, 5]). Values are ordered as {@code max}/{@code min} order them: numerically for longs,
 * by {@link Double#compare} for doubles (NaN largest, {@code -0.0 < 0.0}; NaNs are canonicalized),
 * by {@link String#compareTo} (UTF-16 code units) for strings. A total order, so the result is
 * identical for every merge order. Null inputs are ignored.
 *
 * <p>Result: {@link ResultType.Kind#LIST} of the input type, {@code List<Long>}, {@code
 * List<Double>} or {@code List<String>}, at most {@code k} elements, best first; an empty window
 * gives the empty list.
 *
 * <p>Parameter {@code k}: 1 to 1000 (required).
 *
 * <p>Space: at most {@code k} values: {@code 2 + k·10} bytes encoded for longs, {@code 2 + k·8} for
 * doubles, {@code 2 + k·(1 + length)} for strings (UTF-8 length + a 1–2 byte prefix).
 *
 * <p>Binary form (version 1): version byte, varint number of values, the values best first (zigzag
 * varint / 8-byte double / length-prefixed UTF-8). Decoding checks the order and keeps at most
 * {@code k} values.
 */
final class TopKFunction implements AggregateFunction<TopKFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable: the best values so far, best first, at most k. */
  static final class Acc {
    final ArrayList<Object> values = new ArrayList<>();
  }

  private final boolean top;
  private final ValueType inputType;
  private final int k;

  TopKFunction(boolean top, ValueType inputType, int k) {
    this.top = top;
    this.inputType = inputType;
    this.k = k;
  }

  /**
   * @return the order, best first
   */
  private Comparator<Object> bestFirst() {
    Comparator<Object> natural = Codecs.order(inputType);
    return top ? natural.reversed() : natural;
  }

  @Override
  public String name() {
    return top ? "top_k" : "bottom_k";
  }

  @Override
  public ValueType resultType() {
    return inputType;
  }

  @Override
  public ResultType result() {
    return ResultType.list(inputType);
  }

  /**
   * @return the configured k
   */
  int k() {
    return k;
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value == null) {
      return acc;
    }
    if (value instanceof Double d && d.isNaN()) {
      value = Double.NaN;
    }
    Comparator<Object> order = bestFirst();
    List<Object> vs = acc.values;
    if (vs.size() == k && order.compare(value, vs.get(k - 1)) >= 0) {
      return acc; // not better than the worst kept value
    }
    int i = Collections.binarySearch(vs, value, order);
    int at = i >= 0 ? i : -i - 1;
    vs.add(at, value);
    if (vs.size() > k) {
      vs.remove(vs.size() - 1);
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    for (Object v : other.values) { // values are immutable: sharing them is safe
      add(into, v, null);
    }
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    return List.copyOf(acc.values);
  }

  @Override
  public Object emptyResult() {
    return List.of();
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.values.isEmpty();
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    Codecs.writeValues(out, inputType, acc.values);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    List<Object> values = Codecs.readOrderedValues(in, inputType, bestFirst(), false, name());
    Acc acc = new Acc();
    acc.values.addAll(values.subList(0, Math.min(k, values.size())));
    return acc;
  }
}
