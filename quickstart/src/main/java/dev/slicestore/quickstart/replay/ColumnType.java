package dev.slicestore.quickstart.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * The JSON type a CSV column is written as by {@link EventReplay}.
 *
 * <p>A field that does not parse as its declared type is written as the raw JSON string, so that
 * the ingest job can dead-letter it; nothing is dropped. Parsing is strict: {@link #LONG} accepts
 * an optional sign and decimal digits ({@link Long#parseLong(String)}), {@link #DOUBLE} accepts
 * plain decimal and scientific notation ({@link BigDecimal#BigDecimal(String)}) within the double
 * range, and {@link #BOOLEAN} accepts {@code true} or {@code false} in any case. Surrounding blanks
 * are never trimmed.
 *
 * <p>Immutable and thread-safe.
 */
public enum ColumnType {
  /** Written as a JSON string, always. */
  STRING,
  /** Written as a JSON integer when it parses as a 64-bit integer. */
  LONG,
  /** Written as a JSON number when it parses as a finite double. */
  DOUBLE,
  /** Written as a JSON boolean when it is {@code true} or {@code false}. */
  BOOLEAN;

  /**
   * Parses a type name as used on the command line and in configuration.
   *
   * @param name {@code string}, {@code long}, {@code double} or {@code boolean}, in any case; not
   *     null
   * @return the type
   * @throws IllegalArgumentException if the name is none of these
   */
  public static ColumnType fromName(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid column type: " + name + " (must be string, long, double or boolean)");
    }
  }

  /**
   * Puts a CSV field into a JSON object with this type, or as the raw string if it does not parse.
   *
   * @param node the object to add to; not null
   * @param field the JSON field name; not null
   * @param raw the CSV field, not null and not empty
   * @return true if the value was written with this type, false if it was written as the raw string
   */
  public boolean put(ObjectNode node, String field, String raw) {
    switch (this) {
      case LONG -> {
        Long value = parseLong(raw);
        if (value != null) {
          node.put(field, value.longValue());
          return true;
        }
      }
      case DOUBLE -> {
        Double value = parseDouble(raw);
        if (value != null) {
          node.put(field, value.doubleValue());
          return true;
        }
      }
      case BOOLEAN -> {
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
          node.put(field, Boolean.parseBoolean(raw));
          return true;
        }
      }
      case STRING -> {
        node.put(field, raw);
        return true;
      }
      default -> throw new AssertionError(this);
    }
    node.put(field, raw);
    return false;
  }

  private static Long parseLong(String raw) {
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Double parseDouble(String raw) {
    try {
      double value = new BigDecimal(raw).doubleValue();
      return Double.isFinite(value) ? value : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Returns the lower-case name used on the command line.
   *
   * @return for example {@code "long"}
   */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
