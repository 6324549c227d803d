package dev.slicestore.core.time;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Millisecond durations as text: {@link #format} names them the way feature names do (the largest
 * unit that divides the duration exactly, e.g. {@code 86_400_000 -> "1d"}, {@code 5_400_000 ->
 * "90m"}); {@link #parseMillis} reads them from command-line arguments ({@code 1h}, {@code 90m},
 * {@code PT1H}).
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

  /**
   * Parses a non-negative duration: ISO-8601 ({@code PT1H}, {@code PT30S}, read by {@link
   * Duration#parse}) or else HOCON ({@code 1h}, {@code 90m}, {@code 30 s}, {@code 7d}: the duration
   * format of Typesafe Config, where a bare number is milliseconds). Surrounding whitespace is
   * ignored. The text the job arguments ({@code --max-clock-skew}, {@code --time-bucket}) take.
   *
   * @param text the duration; not null
   * @return the duration in milliseconds, {@code >= 0} (sub-millisecond parts are truncated)
   * @throws IllegalArgumentException {@code "Invalid duration '<text>': use e.g. 1h, 30m, 90s or
   *     PT1H"} if the text is neither form, {@code "Invalid duration '<text>': must not be
   *     negative"} if it is negative
   * @throws ArithmeticException if an ISO-8601 duration exceeds the long range of milliseconds
   * @throws NullPointerException if {@code text} is null
   */
  public static long parseMillis(String text) {
    long millis;
    try {
      millis = Duration.parse(text.trim()).toMillis();
    } catch (DateTimeParseException e) {
      try {
        millis = ConfigFactory.parseMap(Map.of("d", text.trim())).getDuration("d").toMillis();
      } catch (ConfigException e2) {
        throw new IllegalArgumentException(
            "Invalid duration '" + text + "': use e.g. 1h, 30m, 90s or PT1H");
      }
    }
    if (millis < 0) {
      throw new IllegalArgumentException("Invalid duration '" + text + "': must not be negative");
    }
    return millis;
  }
}
