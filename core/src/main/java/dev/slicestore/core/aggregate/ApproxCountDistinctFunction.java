package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * {@code approx_count_distinct}: the estimated number of distinct non-null values of any input
 * type, with Apache DataSketches' HyperLogLog ({@link Union} as the accumulator; Flajolet, Fusy,
 * Gandouet, Meunier, <i>HyperLogLog: the analysis of a near-optimal cardinality estimation
 * algorithm</i>, AofA 2007, and the DataSketches HLL documentation). Values are hashed as
 * DataSketches does (MurmurHash3, default seed): longs as themselves, doubles by their canonical
 * bits ({@link Double#doubleToLongBits}: {@code 0.0} and {@code -0.0} differ, all NaNs are one),
 * booleans as 0/1, strings as a 0 byte followed by their UTF-8 (so {@code ""} counts). Null inputs
 * are ignored. Result {@code long} (the estimate rounded); an empty window gives 0.
 *
 * <p>Parameter {@code lg-k}: log2 of the number of registers, 4 to 21, default 12.
 *
 * <h2>Error</h2>
 *
 * Small cardinalities are counted exactly (the sketch keeps a list, then a set, of 32-bit coupons
 * until about k/8 … 3k/4 of them; only hash collisions can then be off). Beyond that the relative
 * standard error is about {@code 1.04 / sqrt(2^lg-k)} (1.6 % at the default, so within 6.5 % with 4
 * sigmas); DataSketches' {@code HllSketch.getRelErr} gives the exact bounds.
 *
 * <h2>Merge order</h2>
 *
 * An HLL union takes the per-register maximum (and in the list/set modes the set union of coupons),
 * so the final registers do not depend on the merge order. The estimate is read with {@link
 * Union#getCompositeEstimate()}, a function of the registers only: the HIP estimator that {@code
 * getEstimate()} prefers for a sketch updated in one stream depends on the order of updates, so it
 * is never used. Results are therefore identical in every merge order (tested).
 *
 * <p>Space: the DataSketches compact HLL_4 image: 8 bytes empty, 8 + 4 per coupon in list mode,
 * then at most {@code 40 + 2^(lg-k-1)} bytes plus a few exceptions (2 KiB + ~40 bytes at lg-k 12),
 * plus the 1-byte version and a 1–3 byte length.
 *
 * <p>Binary form (version 1): version byte, varint length, the DataSketches compact HLL_4
 * serialization ({@code HllSketch.toCompactByteArray}, DataSketches serialization version 1).
 */
final class ApproxCountDistinctFunction implements AggregateFunction<Union> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  private final ValueType inputType;
  private final int lgK;

  ApproxCountDistinctFunction(ValueType inputType, int lgK) {
    this.inputType = inputType;
    this.lgK = lgK;
  }

  @Override
  public String name() {
    return "approx_count_distinct";
  }

  @Override
  public ValueType resultType() {
    return ValueType.LONG;
  }

  @Override
  public Union createAccumulator() {
    return new Union(lgK);
  }

  @Override
  public Union add(Union acc, Object value, EventPosition position) {
    if (value == null) {
      return acc;
    }
    if (value instanceof String s) {
      acc.update(Codecs.hashBytes(s));
    } else {
      acc.update(Codecs.hashLong(value));
    }
    return acc;
  }

  @Override
  public Union merge(Union into, Union other) {
    if (!other.isEmpty()) {
      into.update(other.getResult(TgtHllType.HLL_8)); // a copy: other is not modified
    }
    return into;
  }

  @Override
  public Object getResult(Union acc) {
    return acc.isEmpty() ? 0L : Math.round(acc.getCompositeEstimate());
  }

  @Override
  public boolean isEmpty(Union acc) {
    return acc.isEmpty();
  }

  @Override
  public void encode(Union acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    out.writeBytes(acc.getResult(TgtHllType.HLL_4).toCompactByteArray());
  }

  @Override
  public Union decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    byte[] bytes = in.readBytes();
    return Codecs.sketch(
        name(),
        () -> {
          HllSketch sketch = HllSketch.heapify(bytes);
          Union union = new Union(lgK);
          union.update(sketch);
          return union;
        });
  }
}
