package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * A mergeable aggregation, in Flink's {@code AggregateFunction<IN, ACC, OUT>} shape: an accumulator
 * is created empty, events are {@linkplain #add added} one at a time, accumulators of disjoint
 * event sets are {@linkplain #merge merged}, and the feature value is read with {@link #getResult}.
 * One implementation serves every path: the online row pre-aggregates, compaction's slice
 * aggregates, serving's window merge and training.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@code merge} is associative and commutative <em>in its result</em>: every grouping and
 *       order of merges over the same events gives the same {@code getResult}, bit for bit (sums
 *       are exact, see {@link ExactSum}; order-dependent functions break ties by {@link
 *       EventPosition}).
 *   <li><b>Ownership</b>: {@code add(acc, ...)} and {@code merge(into, other)} may mutate and
 *       return {@code acc} / {@code into}; they never mutate {@code other}, and the returned
 *       accumulator never shares mutable state with {@code other}. Callers must use the returned
 *       value (it may be a new object) and must not use {@code acc}/{@code into} afterwards.
 *   <li>{@code getResult} does not modify the accumulator: a caller may keep adding after reading a
 *       result (serving reads a result per window during one pass).
 *   <li>{@code null} input values are passed to {@code add}; each function documents what it does
 *       with them (the numeric functions ignore them, as SQL aggregates do).
 * </ul>
 *
 * <h2>Binary form</h2>
 *
 * {@link #encode} writes one serialization-version byte then the payload; {@link #decode} fails
 * with {@link CorruptDataException} ("version N not recognized", "truncated") on anything else.
 * Sketch-based functions (HLL, KLL, frequent items) keep the library's own serialized form inside
 * the payload.
 *
 * <p>Implementations are immutable, serializable (Spark ships them to executors) and thread-safe;
 * accumulators are not thread-safe.
 *
 * @param <A> the accumulator type
 */
public interface AggregateFunction<A> extends java.io.Serializable {

  /**
   * @return the function's configuration name, e.g. {@code "sum"}
   */
  String name();

  /**
   * @return the type of {@link #getResult}'s non-null scalar values, or for list and item-count
   *     results the type of the elements (see {@link #result()})
   */
  ValueType resultType();

  /**
   * The shape of {@link #getResult}'s values. Scalar functions need not override it.
   *
   * @return by default a {@link ResultType.Kind#SCALAR} of {@link #resultType()}
   */
  default ResultType result() {
    return ResultType.scalar(resultType());
  }

  /**
   * Whether a feature of this function answers a question about a value supplied at request time
   * (the <em>request context</em>: serving's {@code GetFeaturesRequest} context, a spine column in
   * training), e.g. {@code bloom_contains}: "might the window contain this merchant?".
   *
   * @return false by default
   */
  default boolean usesRequestContext() {
    return false;
  }

  /**
   * The shape of a feature's values ({@link #getFeatureResult}): what serving returns and training
   * writes. Equal to {@link #result()} except for functions that {@linkplain #usesRequestContext
   * use request context}, whose features answer with the context value (e.g. {@code
   * bloom_contains}: boolean) while {@link #result()} describes the context-free summary the
   * offline slices table stores.
   *
   * @return by default {@link #result()}
   */
  default ResultType featureResult() {
    return result();
  }

  /**
   * A feature's value: the one implementation serving ({@code WindowEvaluator}) and training
   * ({@code PointInTimeEvaluator}) both call on a window's merged accumulator.
   *
   * @param acc the window's accumulator, not modified
   * @param contextValue for a function that {@linkplain #usesRequestContext uses request context},
   *     the request's value of the input type (already converted, see {@link
   *     dev.slicestore.core.online.RequestContext#convert}), or null when the request gave an
   *     explicit null; ignored by other functions
   * @return by default {@link #getResult getResult(acc)}
   */
  default Object getFeatureResult(A acc, Object contextValue) {
    return getResult(acc);
  }

  /**
   * @return a new, empty accumulator (never null)
   */
  A createAccumulator();

  /**
   * Adds one event's input.
   *
   * @param acc the accumulator (owned by the caller, may be mutated)
   * @param value the input column's value (a {@code Long}, {@code Double}, {@code String} or {@code
   *     Boolean} of the declared input type), or null when the event has no value
   * @param position the event's position, for order-dependent functions
   * @return the updated accumulator
   */
  A add(A acc, Object value, EventPosition position);

  /**
   * Merges {@code other} into {@code into}.
   *
   * @param into mutated and returned (or replaced by the returned value)
   * @param other never mutated
   * @return the merged accumulator
   */
  A merge(A into, A other);

  /**
   * @param acc the accumulator, not modified
   * @return the feature value, or null when the function has no value for an empty input (e.g.
   *     {@code mean} of nothing); {@link #emptyResult()} is what an empty window gives
   */
  Object getResult(A acc);

  /**
   * @return the result of an empty window: {@code 0} for count/sum, null for mean/min/max
   */
  default Object emptyResult() {
    return getResult(createAccumulator());
  }

  /**
   * @return true iff no event has been added to or merged into {@code acc}
   */
  boolean isEmpty(A acc);

  /** Writes the serialization-version byte and the accumulator's payload. */
  void encode(A acc, ByteWriter out);

  /**
   * Reads what {@link #encode} wrote.
   *
   * @throws CorruptDataException if the bytes are truncated or of an unknown version
   */
  A decode(ByteReader in);
}
