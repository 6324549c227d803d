package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.math.BigInteger;

/**
 * {@code variance_pop}, {@code variance_samp}, {@code stddev_pop}, {@code stddev_samp} of a long or
 * double input (SQL's {@code VAR_POP}, {@code VAR_SAMP}, {@code STDDEV_POP}, {@code STDDEV_SAMP});
 * null inputs are ignored. Result {@code double}; an empty window gives null, and so do the sample
 * variants for a single input (n − 1 = 0).
 *
 * <h2>Algorithm: exact moments, one rounding</h2>
 *
 * The accumulator keeps the count {@code n}, the exact sum {@code S1 = Σx} and the exact sum of
 * squares {@code S2 = Σx²} as {@link ExactSum}s (dyadic rationals; each square is formed exactly
 * from the 53-bit significand, see {@link ExactSum#addSquare(double)}). The result is computed in
 * exact integer arithmetic,
 *
 * <pre>
 *   variance_pop  = (n·S2 − S1²) / n²
 *   variance_samp = (n·S2 − S1²) / (n·(n − 1))
 * </pre>
 *
 * and rounded once to the nearest double (ties to even); {@code stddev_*} is {@link Math#sqrt} of
 * that double (so within one ulp of the true standard deviation). Because the moments are exact,
 * add and merge are exactly associative and commutative: every order and grouping gives the same
 * result bit for bit, and the catastrophic cancellation of the textbook sum-of-squares formula in
 * floating point cannot happen (the subtraction is exact).
 *
 * <p>Why not Welford's update (B. P. Welford, <i>Note on a method for calculating corrected sums of
 * squares and products</i>, Technometrics 4(3), 1962) with the pairwise merge of Chan, Golub and
 * LeVeque (<i>Updating formulae and a pairwise algorithm for computing sample variances</i>,
 * Stanford CS report STAN-CS-79-773, 1979; <i>Algorithms for computing the sample variance:
 * analysis and recommendations</i>, The American Statistician 37(3), 1983)? They are numerically
 * stable but round at every step, so their result depends on the merge order in the last bits — and
 * slicestore's contract (see {@link AggregateFunction}) is bit-identical results for serving's
 * newest-to-oldest merge, compaction's per-slice merge and training. The exact accumulator is the
 * "long accumulator" of Kulisch and Miranker (SIAM Review 1986), as in {@link ExactSum}.
 *
 * <p>Space: the exact sums grow with the spread of binary exponents of the inputs, not with n (plus
 * log2 n bits): a few dozen bytes for ordinary amounts, at most about 270 bytes for S1 and 530
 * bytes for S2 when inputs span the whole double range (1e-308 … 1e308).
 *
 * <p>Non-finite inputs: any NaN or infinity makes the result NaN (as IEEE arithmetic would: ∞ − ∞).
 * A finite result too large for a double is {@code +Infinity}.
 *
 * <p>Binary form (version 1): version byte, varint n, {@link ExactSum#encode} of S1, then of S2.
 */
final class VarianceFunction implements AggregateFunction<VarianceFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable moments: count, exact Σx, exact Σx². */
  static final class Acc {
    long count;
    ExactSum sum = ExactSum.zero();
    ExactSum sumOfSquares = ExactSum.zero();
  }

  private final String name;
  private final boolean sample;
  private final boolean stddev;

  /**
   * @param name one of {@code variance_pop, variance_samp, stddev_pop, stddev_samp}
   */
  VarianceFunction(String name) {
    this.name = name;
    this.sample = name.endsWith("_samp");
    this.stddev = name.startsWith("stddev");
  }

  @Override
  public String name() {
    return name;
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
      acc.sumOfSquares.addSquare(l);
      acc.count++;
    } else if (value instanceof Double d) {
      acc.sum.add(d);
      acc.sumOfSquares.addSquare(d);
      acc.count++;
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    into.count += other.count;
    into.sum.merge(other.sum);
    into.sumOfSquares.merge(other.sumOfSquares);
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    long n = acc.count;
    if (n == 0 || (sample && n == 1)) {
      return null;
    }
    if (acc.sum.hasNonFinite() || acc.sumOfSquares.hasNonFinite()) {
      return Double.NaN;
    }
    BigInteger bn = BigInteger.valueOf(n);
    // n*S2 - S1^2 with S1 = m1*2^e1, S2 = m2*2^e2, over the common exponent e = min(e2, 2*e1)
    BigInteger m1 = acc.sum.mantissa();
    BigInteger m2 = acc.sumOfSquares.mantissa();
    long e1 = 2L * acc.sum.exponent();
    long e2 = acc.sumOfSquares.exponent();
    if (m1.signum() == 0) {
      e1 = e2;
    }
    if (m2.signum() == 0) {
      e2 = e1;
    }
    long e = Math.min(e1, e2);
    BigInteger numerator =
        bn.multiply(m2)
            .shiftLeft((int) (e2 - e))
            .subtract(m1.multiply(m1).shiftLeft((int) (e1 - e)));
    BigInteger denominator = sample ? bn.multiply(BigInteger.valueOf(n - 1)) : bn.multiply(bn);
    if (numerator.signum()
        < 0) { // impossible for real data (Cauchy–Schwarz): the bytes were tampered with
      throw new CorruptDataException(
          "Corrupt " + name + " accumulator: sum of squares below (sum)^2 / n");
    }
    double variance = divideToDouble(numerator, e, denominator);
    return stddev ? Math.sqrt(variance) : variance;
  }

  /**
   * @param num a non-negative integer
   * @param exp a binary exponent
   * @param den a positive integer
   * @return {@code num · 2^exp / den} correctly rounded to the nearest double, ties to even
   *     (subnormal results included; {@code +Infinity} beyond the double range)
   */
  static double divideToDouble(BigInteger num, long exp, BigInteger den) {
    if (num.signum() == 0) {
      return 0.0;
    }
    // the value lies in [2^(est-1), 2^(est+1))
    long est = (long) num.bitLength() - den.bitLength() + exp;
    if (est > 1100) {
      return Double.POSITIVE_INFINITY;
    }
    if (est < -1200) {
      return 0.0;
    }
    // q = floor(value / 2^u) with at least 58 bits; q2 = 2q + sticky, in units of 2^f
    long u = est - 60;
    long shift = exp - u;
    BigInteger[] qr =
        shift >= 0
            ? num.shiftLeft((int) shift).divideAndRemainder(den)
            : num.divideAndRemainder(den.shiftLeft((int) -shift));
    BigInteger q2 = qr[0].shiftLeft(1).add(qr[1].signum() == 0 ? BigInteger.ZERO : BigInteger.ONE);
    long f = u - 1;
    long topBit = q2.bitLength() - 1 + f;
    long lsb = Math.max(topBit - 52, -1074);
    int drop = (int) (lsb - f); // >= 7 by the choice of u
    BigInteger mantissa = q2.shiftRight(drop);
    BigInteger rest = q2.subtract(mantissa.shiftLeft(drop));
    int cmp = rest.compareTo(BigInteger.ONE.shiftLeft(drop - 1));
    if (cmp > 0 || (cmp == 0 && mantissa.testBit(0))) {
      mantissa = mantissa.add(BigInteger.ONE);
    }
    if (lsb > 2000) {
      return Double.POSITIVE_INFINITY;
    }
    return Math.scalb(mantissa.doubleValue(), (int) lsb); // mantissa <= 2^53: exact
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.count == 0;
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    out.writeVarLong(acc.count);
    acc.sum.encode(out);
    acc.sumOfSquares.encode(out);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name);
    Acc acc = new Acc();
    acc.count = in.readVarLong();
    if (acc.count < 0) {
      throw new CorruptDataException(
          "Corrupt " + name + " accumulator: negative count " + acc.count);
    }
    acc.sum = ExactSum.decode(in);
    acc.sumOfSquares = ExactSum.decode(in);
    return acc;
  }
}
