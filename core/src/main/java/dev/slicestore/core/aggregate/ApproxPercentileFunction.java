package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * {@code approx_percentile}: approximate quantiles of a long or double input with Apache
 * DataSketches' KLL sketch ({@link KllDoublesSketch}; Karnin, Lang, Liberty, <i>Optimal quantile
 * approximation in streams</i>, FOCS 2016). Longs are converted to double (exact up to 2^53). Null
 * and NaN inputs are ignored (DataSketches ignores NaN); infinities are values; {@code -0.0} is
 * kept as {@code 0.0} (the sketch orders numerically, where the two zeros are equal).
 *
 * <p>Result: {@link ResultType.Kind#LIST} of {@code double}, a {@code List<Double>} with one
 * quantile per requested percentile, in the order of the {@code percentiles} parameter: the
 * smallest retained value whose inclusive normalized rank is {@code >= p} ({@link
 * QuantileSearchCriteria#INCLUSIVE}; p = 0 gives the minimum, p = 1 the maximum). An empty window
 * gives null.
 *
 * <p>Parameters: {@code percentiles}, 1 to 100 numbers in [0, 1] (required); {@code k}, the KLL
 * accuracy parameter, 8 to 65535, default 200.
 *
 * <h2>Error</h2>
 *
 * The sketch retains every value until its level 0 fills (about {@code k} values); up to there the
 * quantiles are exact and identical in every merge order. Beyond that the normalized rank of each
 * returned quantile is within {@code ±epsilon} of {@code p} with 99 % confidence, where {@code
 * epsilon = KllSketch.getNormalizedRankError(k, false)} (1.33 % at k = 200).
 *
 * <h2>Merge order and determinism (a limitation)</h2>
 *
 * KLL compaction is randomized: each compaction keeps the odd- or even-indexed items by a coin flip
 * from a generator inside DataSketches that slicestore cannot seed. Once a window holds more than
 * about {@code k} values, results depend on the merge order and on those coin flips: serving and
 * training (or two serving calls) may return different quantiles, each within the rank error above.
 * This function therefore does not meet the bit-identical part of the {@link AggregateFunction}
 * contract beyond the exact range; use a larger {@code k} to widen it.
 *
 * <p>Space: DataSketches' compact KLL serialization: 8 bytes empty, 16 bytes for one value, then
 * about {@code 20 + 8·(retained + 2)} bytes; at most {@code KllSketch.getMaxSerializedSizeBytes}
 * (about 5 KB at k = 200 for a billion values, see docs/functions.md), plus the version byte and a
 * 1–3 byte length.
 *
 * <p>Binary form (version 1): version byte, varint length, {@code KllDoublesSketch.toByteArray()}
 * (compact).
 */
final class ApproxPercentileFunction implements AggregateFunction<KllDoublesSketch> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  private final double[] percentiles;
  private final int k;

  ApproxPercentileFunction(double[] percentiles, int k) {
    this.percentiles = percentiles.clone();
    this.k = k;
  }

  /**
   * @return the 99 %-confidence normalized rank error of a single quantile at this k
   */
  double rankError() {
    return KllSketch.getNormalizedRankError(k, false);
  }

  @Override
  public String name() {
    return "approx_percentile";
  }

  @Override
  public ValueType resultType() {
    return ValueType.DOUBLE;
  }

  @Override
  public ResultType result() {
    return ResultType.list(ValueType.DOUBLE);
  }

  @Override
  public KllDoublesSketch createAccumulator() {
    return KllDoublesSketch.newHeapInstance(k);
  }

  @Override
  public KllDoublesSketch add(KllDoublesSketch acc, Object value, EventPosition position) {
    if (value instanceof Long l) {
      acc.update((double) l);
    } else if (value instanceof Double d && !d.isNaN()) {
      acc.update(
          d == 0.0
              ? 0.0
              : d); // -0.0 as 0.0: KLL orders numerically, so which zero it kept would vary
    }
    return acc;
  }

  @Override
  public KllDoublesSketch merge(KllDoublesSketch into, KllDoublesSketch other) {
    if (!other.isEmpty()) {
      into.merge(other); // reads other only
    }
    return into;
  }

  @Override
  public Object getResult(KllDoublesSketch acc) {
    if (acc.isEmpty()) {
      return null;
    }
    // on a copy: a query sorts the sketch's level 0 in place, and getResult must not modify acc
    KllDoublesSketch copy = KllDoublesSketch.heapify(Memory.wrap(acc.toByteArray()));
    double[] q = copy.getQuantiles(percentiles, QuantileSearchCriteria.INCLUSIVE);
    List<Double> out = new ArrayList<>(q.length);
    for (double d : q) {
      out.add(d);
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public boolean isEmpty(KllDoublesSketch acc) {
    return acc.isEmpty();
  }

  @Override
  public void encode(KllDoublesSketch acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    out.writeBytes(acc.toByteArray());
  }

  @Override
  public KllDoublesSketch decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    byte[] bytes = in.readBytes();
    return Codecs.sketch(name(), () -> KllDoublesSketch.heapify(Memory.wrap(bytes)));
  }
}
