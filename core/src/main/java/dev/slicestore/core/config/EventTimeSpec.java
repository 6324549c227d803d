package dev.slicestore.core.config;

import java.io.Serializable;

/**
 * Where an event's event time comes from and how it is written.
 *
 * @param column the payload column holding it, or null to use the Kafka record timestamp
 * @param format {@code epoch-millis}, {@code epoch-seconds}, {@code iso-8601}, or a {@link
 *     java.time.format.DateTimeFormatter} pattern; ignored when {@code column} is null
 * @param zone the zone id for formats without an offset ({@code UTC} by default)
 */
public record EventTimeSpec(String column, String format, String zone) implements Serializable {
  /**
   * @return true iff event time is the Kafka record timestamp
   */
  public boolean usesRecordTimestamp() {
    return column == null;
  }
}
