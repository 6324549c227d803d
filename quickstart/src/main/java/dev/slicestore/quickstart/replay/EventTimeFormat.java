package dev.slicestore.quickstart.replay;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Objects;

/**
 * Parses and formats the event-time column of a CSV file with a {@link DateTimeFormatter} pattern
 * and a time zone (used when the text itself carries no offset).
 *
 * <p>A pattern without a time of day (e.g. {@code yyyy-MM-dd}) means the start of that day.
 * Formatting is the exact inverse of parsing for any pattern of second (or finer) resolution,
 * except for local times that a daylight-saving change makes ambiguous; with the default zone UTC
 * there are none.
 *
 * <p>Immutable and thread-safe.
 */
public final class EventTimeFormat {

  /** Pattern of the retail data set's InvoiceDate column. */
  public static final String RETAIL_PATTERN = "yyyy-MM-dd HH:mm:ss";

  private final String pattern;
  private final ZoneId zone;
  private final DateTimeFormatter formatter;

  /**
   * Creates a format.
   *
   * @param pattern a {@link DateTimeFormatter} pattern; not null
   * @param zone the zone of times without an offset; not null
   * @throws IllegalArgumentException if the pattern is invalid
   */
  public EventTimeFormat(String pattern, ZoneId zone) {
    this.pattern = Objects.requireNonNull(pattern, "pattern");
    this.zone = Objects.requireNonNull(zone, "zone");
    try {
      this.formatter = DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).withZone(zone);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid time format: " + pattern + " (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Returns the retail data set's format, {@value #RETAIL_PATTERN} in UTC.
   *
   * @return the retail format
   */
  public static EventTimeFormat retail() {
    return new EventTimeFormat(RETAIL_PATTERN, ZoneId.of("UTC"));
  }

  /**
   * Parses a time.
   *
   * @param text the CSV field; may be null
   * @return epoch milliseconds, or null if the text is null, empty or does not parse
   */
  public Long parseMillis(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      TemporalAccessor parsed = formatter.parseBest(text, ZonedDateTime::from, LocalDate::from);
      if (parsed instanceof ZonedDateTime zoned) {
        return zoned.toInstant().toEpochMilli();
      }
      return ((LocalDate) parsed).atStartOfDay(zone).toInstant().toEpochMilli();
    } catch (DateTimeException | ArithmeticException e) {
      return null;
    }
  }

  /**
   * Formats a time.
   *
   * @param epochMillis epoch milliseconds
   * @return the text in this format and zone
   */
  public String format(long epochMillis) {
    return formatter.format(Instant.ofEpochMilli(epochMillis));
  }

  /**
   * Returns the pattern.
   *
   * @return the {@link DateTimeFormatter} pattern
   */
  public String pattern() {
    return pattern;
  }

  /**
   * Returns the zone.
   *
   * @return the zone of times without an offset
   */
  public ZoneId zone() {
    return zone;
  }

  @Override
  public String toString() {
    return "'" + pattern + "' in " + zone;
  }
}
