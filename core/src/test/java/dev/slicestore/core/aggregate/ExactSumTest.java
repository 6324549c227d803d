package dev.slicestore.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.testing.NaiveAggregator;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.Values;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ExactSum} against the exact oracle: the {@link BigDecimal} sum of the doubles, rounded
 * once with {@code doubleValue()}. ExactSum is exact and correctly rounded, so the comparison is
 * bit for bit, in any order of adds and merges.
 */
class ExactSumTest {

  private static double exactSum(double... ds) {
    List<Object> list = new ArrayList<>();
    for (double d : ds) {
      list.add(d);
    }
    return NaiveAggregator.exactDoubleSum(list);
  }

  private static double sum(double... ds) {
    ExactSum s = ExactSum.zero();
    for (double d : ds) {
      s.add(d);
    }
    return s.doubleValue();
  }

  private static void assertExact(double... ds) {
    double expected = exactSum(ds);
    assertThat((Object) sum(ds)).as("sum of %s", Arrays.toString(ds)).isEqualTo(expected);
    double[] reversed = new double[ds.length];
    for (int i = 0; i < ds.length; i++) {
      reversed[i] = ds[ds.length - 1 - i];
    }
    assertThat((Object) sum(reversed))
        .as("reversed sum of %s", Arrays.toString(ds))
        .isEqualTo(expected);
  }

  @Test
  void cancellationIsExact() {
    assertThat(sum(1e300, 1, -1e300)).isEqualTo(1.0);
    assertThat(sum(1e16, 1, -1e16)).isEqualTo(1.0);
    assertThat(sum(0.1, 0.2, -0.3))
        .isEqualTo(exactSum(0.1, 0.2, -0.3))
        .isNotEqualTo(0.1 + 0.2 - 0.3);
    assertThat(sum(Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE))
        .isEqualTo(Double.MAX_VALUE);
    assertThat(sum(1e300, Double.MIN_VALUE, -1e300)).isEqualTo(Double.MIN_VALUE);
    assertThat(sum(5, -5)).isEqualTo(0.0);
    assertExact(1e300, 1, -1e300);
    assertExact(1e308, 1e308, -1e308, -1e308, 3.5, Double.MIN_VALUE);
  }

  @Test
  void roundingIsCorrectTiesToEven() {
    double two53 = 9007199254740992.0;
    assertThat(sum(two53, 1)).isEqualTo(two53); // tie, stays even
    assertThat(sum(two53, 1, 1)).isEqualTo(two53 + 2);
    assertThat(sum(two53, 3)).isEqualTo(two53 + 4); // tie, rounds up to even
    assertThat(sum(1, Math.ulp(1.0) / 2)).isEqualTo(1.0);
    assertThat(sum(1, Math.ulp(1.0) / 2, Double.MIN_VALUE))
        .as("just above the tie")
        .isEqualTo(1 + Math.ulp(1.0));
    assertExact(two53, 1, Double.MIN_VALUE);
    assertExact(1e300, -Double.MIN_VALUE);
  }

  @Test
  void overflowOfTheTotalRoundsToInfinityButIntermediatesDoNot() {
    assertThat(sum(Double.MAX_VALUE, Double.MAX_VALUE)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(sum(-Double.MAX_VALUE, -Double.MAX_VALUE)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(sum(Double.MAX_VALUE, Math.ulp(Double.MAX_VALUE) / 2))
        .as("tie at the top rounds to infinity")
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(sum(Double.MAX_VALUE, Math.ulp(Double.MAX_VALUE) / 4)).isEqualTo(Double.MAX_VALUE);
    assertExact(Double.MAX_VALUE, Double.MAX_VALUE);
  }

  @Test
  void subnormalsAreExact() {
    assertThat(sum(Double.MIN_VALUE, Double.MIN_VALUE)).isEqualTo(2 * Double.MIN_VALUE);
    assertThat(sum(Double.MIN_NORMAL, -Double.MIN_VALUE))
        .isEqualTo(Math.nextDown(Double.MIN_NORMAL));
    assertThat(sum(Math.nextDown(Double.MIN_NORMAL), Double.MIN_VALUE))
        .isEqualTo(Double.MIN_NORMAL);
    assertThat(sum(Double.MIN_VALUE, -Double.MIN_VALUE)).isEqualTo(0.0);
    assertExact(Double.MIN_VALUE, 3 * Double.MIN_VALUE, -Double.MIN_NORMAL, 1e-310);
    assertExact(1e-320, 1e-300, -1e-300);
  }

  @Test
  void nonFiniteFollowIeee754AndNegativeZeroSumsAsZero() {
    assertThat(sum(Double.NaN, 1)).isNaN();
    assertThat(sum(Double.POSITIVE_INFINITY, 1, -Double.MAX_VALUE))
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(sum(Double.NEGATIVE_INFINITY, 1e308, 1e308)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(sum(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)).isNaN();
    assertThat(sum(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY))
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(sum(-0.0)).isEqualTo(0.0);
    assertThat(Double.doubleToRawLongBits(sum(-0.0, -0.0))).as("-0.0 sums as zero").isZero();
    assertThat(sum()).isEqualTo(0.0);

    ExactSum a = ExactSum.zero().add(Double.POSITIVE_INFINITY);
    ExactSum b = ExactSum.zero().add(Double.NEGATIVE_INFINITY);
    assertThat(a.copy().merge(b).doubleValue()).as("+Inf merged with -Inf").isNaN();
    assertThat(ExactSum.zero().add(1.0).merge(ExactSum.zero().add(Double.NaN)).doubleValue())
        .isNaN();
    assertThat(roundTrip(a.copy().merge(b)).doubleValue()).isNaN();
    assertThat(roundTrip(a).doubleValue()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(a.isZero()).isFalse();
    assertThatThrownBy(a::longValueExact).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void longsAreExactAcrossTheLongRange() {
    ExactSum s = ExactSum.zero().add(Long.MAX_VALUE).add(1L).add(-1L);
    assertThat(s.longValueExact()).as("intermediate overflow is fine").isEqualTo(Long.MAX_VALUE);
    s.add(Long.MAX_VALUE);
    assertThatThrownBy(s::longValueExact).isInstanceOf(ArithmeticException.class);
    assertThat(ExactSum.zero().add(Long.MIN_VALUE).longValueExact()).isEqualTo(Long.MIN_VALUE);
    assertThat(ExactSum.zero().add(Long.MIN_VALUE).add(-1L).doubleValue()).isEqualTo(-0x1p63);
    assertThat(ExactSum.zero().add((1L << 53) + 1).doubleValue()).isEqualTo(0x1p53);
    assertThatThrownBy(() -> ExactSum.zero().add(0.5).longValueExact())
        .isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("not an integer");
    assertThat(ExactSum.zero().add(0.5).add(0.5).longValueExact()).isEqualTo(1L);
    assertThat(ExactSum.zero().add(0x1p60).longValueExact()).isEqualTo(1L << 60);
  }

  @Test
  void equalSumsAreEqualAndEncodeIdentically() {
    ExactSum a = ExactSum.zero().add(2L).add(2L);
    ExactSum b = ExactSum.zero().add(0.5).add(3.5);
    ExactSum c = ExactSum.zero().add(4L).add(1e300).add(-1e300);
    ExactSum d = ExactSum.zero().add(7L).add(-3.0);
    assertThat(a).isEqualTo(b).isEqualTo(c).isEqualTo(d).hasSameHashCodeAs(b);
    assertThat(bytes(a)).isEqualTo(bytes(b)).isEqualTo(bytes(c)).isEqualTo(bytes(d));
    assertThat(ExactSum.zero().add(1.0).add(-1.0)).isEqualTo(ExactSum.zero());
    assertThat(bytes(ExactSum.zero().add(1.0).add(-1.0))).isEqualTo(bytes(ExactSum.zero()));
  }

  /**
   * Random lists of awkward doubles, summed in random orders and merge trees, against BigDecimal.
   */
  @Test
  void randomSumsEqualTheRoundedExactSum() {
    Random r = Seeds.random("ExactSumTest.randomSumsEqualTheRoundedExactSum");
    for (int trial = 0; trial < 200; trial++) {
      int n = r.nextInt(200);
      boolean nonFinite = trial % 10 == 0;
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        double d = Values.randomDouble(r, nonFinite && r.nextInt(20) == 0);
        values.add(d);
        if (r.nextInt(8) == 0) {
          values.add(-d); // exact cancellation partner
        }
      }
      Collections.shuffle(values, r);
      double expected = NaiveAggregator.exactDoubleSum(values);
      String ctx = Seeds.describe() + " trial " + trial + " values " + values;

      ExactSum sequential = ExactSum.zero();
      for (Object v : values) {
        sequential.add((Double) v);
      }
      assertThat((Object) sequential.doubleValue()).as(ctx).isEqualTo(expected);

      List<ExactSum> parts = new ArrayList<>();
      for (Object v : values) {
        if (parts.isEmpty() || r.nextInt(4) == 0) {
          parts.add(ExactSum.zero());
        }
        parts.get(r.nextInt(parts.size())).add((Double) v);
      }
      while (parts.size() > 1) {
        ExactSum into = parts.remove(r.nextInt(parts.size()));
        ExactSum other = parts.remove(r.nextInt(parts.size()));
        byte[] before = bytes(other);
        ExactSum merged = into.merge(r.nextBoolean() ? other : roundTrip(other));
        assertThat(bytes(other)).as("merge mutated other; %s", ctx).isEqualTo(before);
        parts.add(r.nextInt(3) == 0 ? roundTrip(merged) : merged);
      }
      ExactSum merged = parts.isEmpty() ? ExactSum.zero() : parts.get(0);
      assertThat((Object) merged.doubleValue()).as(ctx).isEqualTo(expected);
      assertThat(bytes(merged)).as("isomorphism; %s", ctx).isEqualTo(bytes(sequential));
      assertThat(merged).as(ctx).isEqualTo(sequential);
    }
  }

  /** Sums of values spread over ~1e6 in magnitude, where naive summation loses digits. */
  @Test
  void spreadsOfMagnitudeAreExact() {
    Random r = Seeds.random("ExactSumTest.spreadsOfMagnitudeAreExact");
    for (int trial = 0; trial < 100; trial++) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        values.add((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(13) - 3));
      }
      double expected = NaiveAggregator.exactDoubleSum(values);
      ExactSum s = ExactSum.zero();
      for (Object v : values) {
        s.add((Double) v);
      }
      assertThat(s.doubleValue()).as("%s trial %d", Seeds.describe(), trial).isEqualTo(expected);
    }
  }

  @Test
  void copyIsIndependent() {
    ExactSum a = ExactSum.zero().add(1.5);
    ExactSum b = a.copy();
    b.add(2.0).add(Double.NaN);
    assertThat(a.doubleValue()).isEqualTo(1.5);
    assertThat(b.doubleValue()).isNaN();
    assertThat(a.toString()).isEqualTo("ExactSum[1.5]");
  }

  @Test
  void corruptEncodingsAreRejected() {
    assertCorrupt(new byte[] {}, "truncated");
    assertCorrupt(new byte[] {2, 0, 0, 1, 0}, "serialization version 2 not recognized");
    assertCorrupt(new byte[] {1, 8, 0, 1, 0}, "unknown flags 8");
    assertCorrupt(new byte[] {1, 0, 0, 0}, "empty mantissa");
    assertCorrupt(
        new byte[] {1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 1, 1},
        "out of range");
    assertCorrupt(new byte[] {1, 0, 0, 2, 1}, "truncated");
  }

  private static void assertCorrupt(byte[] bytes, String message) {
    assertThatThrownBy(() -> ExactSum.decode(new ByteReader(bytes)))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("Corrupt")
        .hasMessageContaining(message);
  }

  static byte[] bytes(ExactSum s) {
    ByteWriter out = new ByteWriter();
    s.encode(out);
    return out.toByteArray();
  }

  static ExactSum roundTrip(ExactSum s) {
    ByteReader in = new ByteReader(bytes(s));
    ExactSum d = ExactSum.decode(in);
    assertThat(in.atEnd()).isTrue();
    return d;
  }
}
