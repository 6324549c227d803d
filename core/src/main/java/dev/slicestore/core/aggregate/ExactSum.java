package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Objects;

/**
 * An exact sum of doubles and longs, kept as the dyadic rational {@code mantissa * 2^exponent}
 * (every finite double is one), with flags for NaN and infinities.
 *
 * <p>Why: floating-point addition is not associative, so a sum merged newest-to-oldest in serving,
 * per slice in compaction, and in another order in training would differ in the last bits, breaking
 * training–serving equality. Keeping the exact sum (the "long accumulator" idea of Kulisch and
 * Miranker, <i>The arithmetic of the digital computer</i>, SIAM Review 1986; see also Shewchuk,
 * <i>Adaptive Precision Floating-Point Arithmetic</i>, 1997) makes {@link #add} and {@link #merge}
 * exactly associative and commutative, and {@link #doubleValue()} returns the correctly rounded
 * double of the true sum, identical for every order. The representation is normalized (odd
 * mantissa, or zero with exponent 0), so equal sums encode to equal bytes.
 *
 * <p>Non-finite inputs follow IEEE 754: any NaN, or both infinities, gives NaN; otherwise an
 * infinity dominates. Negative zero is summed as zero.
 *
 * <p>Mutable, not thread-safe.
 */
public final class ExactSum {
  private static final int SERIAL_VERSION = 1;
  private static final int FLAG_NAN = 1;
  private static final int FLAG_POS_INF = 2;
  private static final int FLAG_NEG_INF = 4;

  private BigInteger mantissa = BigInteger.ZERO;
  private int exponent;
  private int flags;

  /**
   * @return a new sum of nothing (zero)
   */
  public static ExactSum zero() {
    return new ExactSum();
  }

  /**
   * @return a new sum holding a copy of this one's value
   */
  public ExactSum copy() {
    ExactSum c = new ExactSum();
    c.mantissa = mantissa;
    c.exponent = exponent;
    c.flags = flags;
    return c;
  }

  /** Adds {@code v} exactly. */
  public ExactSum add(long v) {
    if (v != 0) {
      addDyadic(BigInteger.valueOf(v), 0);
    }
    return this;
  }

  /** Adds {@code d} exactly (NaN and infinities set flags). */
  public ExactSum add(double d) {
    if (Double.isNaN(d)) {
      flags |= FLAG_NAN;
      return this;
    }
    if (Double.isInfinite(d)) {
      flags |= d > 0 ? FLAG_POS_INF : FLAG_NEG_INF;
      return this;
    }
    if (d == 0.0) {
      return this;
    }
    long bits = Double.doubleToRawLongBits(d);
    int biasedExp = (int) ((bits >>> 52) & 0x7FF);
    long fraction = bits & 0x000F_FFFF_FFFF_FFFFL;
    long m;
    int e;
    if (biasedExp == 0) {
      m = fraction;
      e = -1074;
    } else {
      m = fraction | (1L << 52);
      e = biasedExp - 1075;
    }
    if (bits < 0) {
      m = -m;
    }
    addDyadic(BigInteger.valueOf(m), e);
    return this;
  }

  /** Adds {@code v * v} exactly (a 128-bit product, no rounding), for sums of squares. */
  public ExactSum addSquare(long v) {
    if (v != 0) {
      BigInteger b = BigInteger.valueOf(v);
      addDyadic(b.multiply(b), 0);
    }
    return this;
  }

  /**
   * Adds {@code d * d} exactly (the 106-bit square of the significand, no rounding and no
   * overflow); NaN sets the NaN flag and an infinity the +Inf flag, as {@code d * d} would.
   */
  public ExactSum addSquare(double d) {
    if (Double.isNaN(d)) {
      flags |= FLAG_NAN;
      return this;
    }
    if (Double.isInfinite(d)) {
      flags |= FLAG_POS_INF;
      return this;
    }
    if (d == 0.0) {
      return this;
    }
    long bits = Double.doubleToRawLongBits(d);
    int biasedExp = (int) ((bits >>> 52) & 0x7FF);
    long fraction = bits & 0x000F_FFFF_FFFF_FFFFL;
    long m = biasedExp == 0 ? fraction : fraction | (1L << 52);
    int e = biasedExp == 0 ? -1074 : biasedExp - 1075;
    BigInteger b = BigInteger.valueOf(m);
    addDyadic(b.multiply(b), 2 * e);
    return this;
  }

  /**
   * @return true iff a NaN or an infinity was added (the value is then not a finite sum)
   */
  boolean hasNonFinite() {
    return flags != 0;
  }

  /**
   * @return the odd (or zero) integer m of the finite part {@code m * 2^exponent()}
   */
  BigInteger mantissa() {
    return mantissa;
  }

  /**
   * @return the exponent e of the finite part {@code mantissa() * 2^e}
   */
  int exponent() {
    return exponent;
  }

  /** Adds {@code other} exactly; {@code other} is not modified. */
  public ExactSum merge(ExactSum other) {
    flags |= other.flags;
    if (other.mantissa.signum() != 0) {
      addDyadic(other.mantissa, other.exponent);
    }
    return this;
  }

  private void addDyadic(BigInteger m, int e) {
    if (mantissa.signum() == 0) {
      mantissa = m;
      exponent = e;
    } else if (e >= exponent) {
      mantissa = mantissa.add(m.shiftLeft(e - exponent));
    } else {
      mantissa = mantissa.shiftLeft(exponent - e).add(m);
      exponent = e;
    }
    normalize();
  }

  private void normalize() {
    if (mantissa.signum() == 0) {
      exponent = 0;
      return;
    }
    int tz = mantissa.getLowestSetBit();
    if (tz > 0) {
      mantissa = mantissa.shiftRight(tz);
      exponent += tz;
    }
  }

  /**
   * @return true iff the exact value is zero and no non-finite value was added
   */
  public boolean isZero() {
    return flags == 0 && mantissa.signum() == 0;
  }

  /**
   * @return the exact sum correctly rounded to the nearest double (ties to even)
   */
  public double doubleValue() {
    if ((flags & FLAG_NAN) != 0
        || (flags & (FLAG_POS_INF | FLAG_NEG_INF)) == (FLAG_POS_INF | FLAG_NEG_INF)) {
      return Double.NaN;
    }
    if ((flags & FLAG_POS_INF) != 0) {
      return Double.POSITIVE_INFINITY;
    }
    if ((flags & FLAG_NEG_INF) != 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (mantissa.signum() == 0) {
      return 0.0;
    }
    if (exponent >= 0) {
      return exponent > 2000
          ? mantissa.signum() * Double.POSITIVE_INFINITY
          : mantissa.shiftLeft(exponent).doubleValue();
    }
    int bitLength = mantissa.bitLength();
    // Fast path: rounding the mantissa to 53 bits then scaling by a power of two is exact when
    // the result is a normal double, so round(m) * 2^e == round(m * 2^e).
    if (bitLength <= 1000 && bitLength + exponent > -1021) {
      return Math.scalb(mantissa.doubleValue(), exponent);
    }
    // Subnormal or very wide results: divide exactly in decimal (2^-e has a finite decimal
    // expansion) and let BigDecimal round once.
    BigDecimal exact =
        new BigDecimal(mantissa).divide(new BigDecimal(BigInteger.ONE.shiftLeft(-exponent)));
    return exact.doubleValue();
  }

  /**
   * @return the exact sum as a long
   * @throws ArithmeticException if it is not an integer in the long range, or not finite
   */
  public long longValueExact() {
    if (flags != 0) {
      throw new ArithmeticException("sum is not finite");
    }
    if (exponent < 0) {
      throw new ArithmeticException("sum is not an integer");
    }
    return mantissa.shiftLeft(exponent).longValueExact();
  }

  /**
   * Binary form (little-endian varints, see {@link ByteWriter}):
   *
   * <pre>
   *  byte 0      serialization version (1)
   *  byte 1      flags: 1 = NaN seen, 2 = +Inf seen, 4 = -Inf seen
   *  zigzag      exponent
   *  varint+n    mantissa, two's complement big-endian (BigInteger.toByteArray), n bytes
   * </pre>
   */
  public void encode(ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    out.writeByte(flags);
    out.writeZigZagLong(exponent);
    out.writeBytes(mantissa.toByteArray());
  }

  /**
   * @throws CorruptDataException on an unknown version or malformed payload
   */
  public static ExactSum decode(ByteReader in) {
    int version = in.readByte();
    if (version != SERIAL_VERSION) {
      throw new CorruptDataException(
          "Corrupt exact sum: serialization version " + version + " not recognized");
    }
    ExactSum s = new ExactSum();
    s.flags = in.readByte();
    if ((s.flags & ~7) != 0) {
      throw new CorruptDataException("Corrupt exact sum: unknown flags " + s.flags);
    }
    long e = in.readZigZagLong();
    if (e < Integer.MIN_VALUE / 2 || e > Integer.MAX_VALUE / 2) {
      throw new CorruptDataException("Corrupt exact sum: exponent " + e + " out of range");
    }
    s.exponent = (int) e;
    byte[] m = in.readBytes();
    if (m.length == 0) {
      throw new CorruptDataException("Corrupt exact sum: empty mantissa");
    }
    s.mantissa = new BigInteger(m);
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExactSum other
        && flags == other.flags
        && exponent == other.exponent
        && mantissa.equals(other.mantissa);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mantissa, exponent, flags);
  }

  @Override
  public String toString() {
    return "ExactSum[" + doubleValue() + "]";
  }
}
