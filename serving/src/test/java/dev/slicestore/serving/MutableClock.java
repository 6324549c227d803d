package dev.slicestore.serving;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests set to any epoch millisecond. Thread-safe. */
final class MutableClock extends Clock {
  private final AtomicLong millis;

  MutableClock(long millis) {
    this.millis = new AtomicLong(millis);
  }

  void set(long epochMillis) {
    millis.set(epochMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** The evaluation time is an instant; the zone does not matter, so the same clock is returned. */
  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
