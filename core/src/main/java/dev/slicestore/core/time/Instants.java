package dev.slicestore.core.time;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Points in time as text, as command-line arguments give them (compaction's {@code --from} and
 * {@code --to}, training's snapshot time): an ISO-8601 instant, an ISO-8601 date-time with an
 * offset, or epoch milliseconds.
 *
 * <p>Stateless and thread-safe.
 */
public final class Instants {
  private Instants() {}

  /**
   * Parses a point in time. Surrounding whitespace is ignored; then, in this order:
   *
   * <ul>
   *   <li>an optional {@code -} and digits only: epoch milliseconds ({@code 1735689600000}, {@code
   *       -60000});
   *   <li>an ISO-8601 instant ({@code 2025-01-01T00:00:00Z}, {@link Instant#parse});
   *   <li>an ISO-8601 date-time with an offset ({@code 2025-01-01T01:00:00+01:00}, as Airflow
   *       renders its data intervals; {@link OffsetDateTime#parse}).
   * </ul>
   *
   * @param text the time; not null
   * @return epoch milliseconds (UTC; sub-millisecond parts are truncated)
   * @throws IllegalArgumentException {@code "Invalid time '<text>': epoch milliseconds out of
   *     range"} for digits beyond the long range, {@code "Invalid time '<text>': use an ISO-8601
   *     instant such as 2025-01-01T00:00:00Z (or with an offset, +01:00) or epoch milliseconds"}
   *     for text of none of the forms
   * @throws ArithmeticException if a parsed date-time lies beyond the epoch-millisecond long range
   * @throws NullPointerException if {@code text} is null
   */
  public static long parseMillis(String text) {
    String s = text.trim();
    if (s.matches("-?\\d+")) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Invalid time '" + text + "': epoch milliseconds out of range");
      }
    }
    try {
      return Instant.parse(s).toEpochMilli();
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(s).toInstant().toEpochMilli();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            "Invalid time '"
                + text
                + "': use an ISO-8601 instant such as 2025-01-01T00:00:00Z (or with an offset, +01:00) or epoch milliseconds");
      }
    }
  }
}
