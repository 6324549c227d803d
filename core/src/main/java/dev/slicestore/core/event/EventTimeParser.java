package dev.slicestore.core.event;

import dev.slicestore.core.config.EventTimeSpec;
import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;

/**
 * Turns an event-time column value into epoch milliseconds (UTC), per the feature set's {@link
 * EventTimeSpec}: {@code epoch-millis}, {@code epoch-seconds} (long columns), {@code iso-8601} (an
 * instant or offset date-time, or a local date-time read in the zone), or a {@link
 * DateTimeFormatter} pattern read in the zone.
 *
 * <p>Immutable and thread-safe (the formatter is built lazily per instance after deserialization;
 * {@link DateTimeFormatter} is thread-safe).
 */
public final class EventTimeParser implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String format;
  private final String zone;
  private transient DateTimeFormatter formatter;
  private transient ZoneId zoneId;

  /**
   * @param spec the feature set's event-time spec (a payload column)
   */
  public EventTimeParser(EventTimeSpec spec) {
    this.format = spec.format();
    this.zone = spec.zone();
  }

  /**
   * Checks a format and zone.
   *
   * @throws IllegalArgumentException with a message naming the bad format or zone
   */
  public static void validateFormat(String format, String zone) {
    try {
      ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("Unknown zone '" + zone + "' (e.g. UTC, Europe/London)");
    }
    if (format == null) {
      throw new IllegalArgumentException("format is missing");
    }
    switch (format) {
      case "epoch-millis", "epoch-seconds", "iso-8601" -> {}
      default -> {
        try {
          DateTimeFormatter.ofPattern(format);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "Invalid format '"
                  + format
                  + "': "
                  + e.getMessage()
                  + " (epoch-millis, epoch-seconds, iso-8601 or a java.time pattern)");
        }
      }
    }
  }

  private void init() {
    if (zoneId == null) {
      zoneId = ZoneId.of(zone);
      if (!format.startsWith("epoch-") && !format.equals("iso-8601")) {
        formatter = DateTimeFormatter.ofPattern(format).withZone(zoneId);
      }
    }
  }

  /**
   * @param value the column value ({@code Long} for epoch formats, {@code String} otherwise)
   * @return event time in epoch milliseconds
   * @throws BadRecordException {@link RejectReason#MISSING_EVENT_TIME} for null, {@link
   *     RejectReason#BAD_EVENT_TIME} when it does not parse
   */
  public long parseMillis(Object value) throws BadRecordException {
    if (value == null) {
      throw new BadRecordException(RejectReason.MISSING_EVENT_TIME, "event time is missing");
    }
    init();
    try {
      switch (format) {
        case "epoch-millis":
          return asLong(value);
        case "epoch-seconds":
          return Math.multiplyExact(asLong(value), 1000L);
        case "iso-8601":
          return parseIso(value.toString());
        default:
          TemporalAccessor ta = formatter.parse(value.toString());
          return Instant.from(ta).toEpochMilli();
      }
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      throw new BadRecordException(
          RejectReason.BAD_EVENT_TIME,
          "event time '"
              + value
              + "' does not match format "
              + format
              + " ("
              + e.getMessage()
              + ")");
    }
  }

  private long parseIso(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      try {
        return Instant.parse(s).toEpochMilli();
      } catch (DateTimeParseException e2) {
        return LocalDateTime.parse(s).atZone(zoneId).toInstant().toEpochMilli();
      }
    }
  }

  private static long asLong(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Double d && d == Math.rint(d)) {
      return d.longValue();
    }
    return Long.parseLong(value.toString());
  }

  /**
   * Formats epoch milliseconds in this parser's format (inverse of {@link #parseMillis} up to the
   * format's resolution).
   *
   * @return a {@code Long} for epoch formats, a {@code String} otherwise
   */
  public Object format(long epochMillis) {
    init();
    return switch (format) {
      case "epoch-millis" -> epochMillis;
      case "epoch-seconds" -> Math.floorDiv(epochMillis, 1000L);
      case "iso-8601" -> Instant.ofEpochMilli(epochMillis).toString();
      default -> formatter.format(Instant.ofEpochMilli(epochMillis));
    };
  }
}
