package dev.slicestore.quickstart.replay;

/**
 * What one {@link EventReplay#run()} did.
 *
 * <p>Immutable and thread-safe.
 *
 * @param topic the Kafka topic written to; not null
 * @param rowsSent rows sent and acknowledged by Kafka (one record per CSV row)
 * @param rowsWithUnparseableTime rows whose event time was empty or did not parse; they were sent
 *     with the send time as record timestamp and their time field unchanged
 * @param shiftMillis milliseconds added to every parseable event time: 0 without {@code
 *     --rebase-time}, else {@link EventReplay#rebaseShiftMillis(long, long)}
 * @param earliestEventTimeMillis the earliest event time sent (after the shift), epoch
 *     milliseconds, or null if no row had a parseable event time
 * @param latestEventTimeMillis the latest event time sent (after the shift), epoch milliseconds, or
 *     null if no row had a parseable event time
 * @param elapsedMillis wall-clock milliseconds of the whole replay, both passes included
 */
public record ReplayResult(
    String topic,
    long rowsSent,
    long rowsWithUnparseableTime,
    long shiftMillis,
    Long earliestEventTimeMillis,
    Long latestEventTimeMillis,
    long elapsedMillis) {

  /**
   * Returns the throughput.
   *
   * @return rows sent per second of elapsed time (0 if no time elapsed)
   */
  public double rowsPerSecond() {
    return elapsedMillis <= 0 ? 0 : rowsSent * 1000.0 / elapsedMillis;
  }
}
