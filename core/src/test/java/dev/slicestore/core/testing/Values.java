package dev.slicestore.core.testing;

import dev.slicestore.core.aggregate.ValueType;
import java.util.Random;

/** Random input values for randomized tests, biased towards the awkward ones. */
public final class Values {
  private static final String[] WORDS = {
    "",
    "a",
    "A",
    "apple",
    "apples",
    "pear",
    "Zebra",
    "zebra",
    "é",
    "e\u0301",
    "日本",
    "\uD83D\uDE00",
    "\uFFFD",
    "a b",
    "17850",
    "\u0000"
  };

  private Values() {}

  /**
   * @param nullProbability chance of a null
   * @param nonFinite whether doubles may be NaN or infinite
   * @param smallLongs keep longs within ±2^40 (so sums of many cannot overflow)
   */
  public static Object random(
      Random r, ValueType type, double nullProbability, boolean nonFinite, boolean smallLongs) {
    if (r.nextDouble() < nullProbability) {
      return null;
    }
    return switch (type) {
      case LONG -> smallLongs ? randomSmallLong(r) : randomLong(r);
      case DOUBLE -> randomDouble(r, nonFinite);
      case STRING -> randomString(r);
      case BOOLEAN -> r.nextBoolean();
    };
  }

  /** Longs within ±2^40, many of them tiny. */
  public static long randomSmallLong(Random r) {
    return switch (r.nextInt(4)) {
      case 0 -> r.nextInt(7) - 3;
      case 1 -> r.nextInt(2001) - 1000;
      default -> (r.nextLong() >> 24);
    };
  }

  /** Any long, with the extremes likely. */
  public static long randomLong(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> Long.MIN_VALUE + r.nextInt(3);
      case 1 -> Long.MAX_VALUE - r.nextInt(3);
      case 2 -> r.nextInt(21) - 10;
      default -> r.nextLong();
    };
  }

  /**
   * Doubles of every magnitude: ordinary amounts, 1e6-magnitude spreads, tiny and huge values,
   * exact opposites of earlier values' kind, subnormals, signed zeros and (optionally) NaN and
   * infinities.
   */
  public static double randomDouble(Random r, boolean nonFinite) {
    int kind = r.nextInt(nonFinite ? 14 : 12);
    double sign = r.nextBoolean() ? 1 : -1;
    return switch (kind) {
      case 0 -> sign * Math.round(r.nextDouble() * 100_000) / 100.0; // money amounts
      case 1 -> sign * r.nextDouble() * 1e6; // 1e6 spread
      case 2 -> sign * r.nextDouble() * 1e-6;
      case 3 -> sign * Math.scalb(1.0 + r.nextDouble(), r.nextInt(2046) - 1022); // any normal
      case 4 -> sign * Double.MIN_VALUE * (1 + r.nextInt(1000)); // subnormal
      case 5 -> sign * Math.scalb(r.nextDouble(), -1022); // subnormal, any
      case 6 -> sign * 1e300 * (1 + r.nextInt(10));
      case 7 -> sign * Double.MAX_VALUE / (1 + r.nextInt(4));
      case 8 -> r.nextBoolean() ? 0.0 : -0.0;
      case 9 -> sign * (1L << 53) + r.nextInt(5); // 2^53 neighbourhood
      case 10 -> sign * r.nextInt(100);
      case 11 ->
          Double.longBitsToDouble(r.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL) * sign; // any finite
      case 12 -> Double.NaN;
      default -> sign * Double.POSITIVE_INFINITY;
    };
  }

  /** Short strings, including non-ASCII, combining marks and supplementary characters. */
  public static String randomString(Random r) {
    if (r.nextInt(3) == 0) {
      return WORDS[r.nextInt(WORDS.length)];
    }
    StringBuilder sb = new StringBuilder();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      int cp =
          kind < 6
              ? 'a' + r.nextInt(26)
              : kind < 8
                  ? 0xA0 + r.nextInt(0x700)
                  : kind < 9 ? 0xE000 + r.nextInt(0x1FFE) : 0x1F300 + r.nextInt(0x300);
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }
}
