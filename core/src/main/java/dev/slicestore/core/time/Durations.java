package dev.slicestore.core.time;

/**
 * Formats millisecond durations the way feature names use them: the largest unit that divides
 * the duration exactly, e.g. {@code 86_400_000 -> "1d"}, {@code 5_400_000 -> "90m"}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Durations {
  private static final long SECOND = 1_000L;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;

  private Durations() {}

  /**
   * @param millis a positive duration in milliseconds
   * @return a compact name: {@code <n>d}, {@code <n>h}, {@code <n>m}, {@code <n>s} or {@code <n>ms}
   */
  public static String format(long millis) {
    if (millis > 0 && millis % DAY == 0) {
      return millis / DAY + "d";
    } else if (millis > 0 && millis % HOUR == 0) {
      return millis / HOUR + "h";
    } else if (millis > 0 && millis % MINUTE == 0) {
      return millis / MINUTE + "m";
    } else if (millis > 0 && millis % SECOND == 0) {
      return millis / SECOND + "s";
    }
    return millis + "ms";
  }
}
