package dev.slicestore.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.testing.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SlicingTest {
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;
  private final Slicing hourly = new Slicing(HOUR);

  @Test
  void sliceIndexIsFloorDivisionAtBoundaries() {
    assertThat(hourly.sliceIndex(0)).isZero();
    assertThat(hourly.sliceIndex(HOUR - 1)).as("one ms before the next slice").isZero();
    assertThat(hourly.sliceIndex(HOUR)).as("exactly at a slice start").isEqualTo(1);
    assertThat(hourly.sliceIndex(HOUR + 1)).isEqualTo(1);
    assertThat(hourly.sliceIndex(-1)).as("-1 ms is in slice -1, not 0").isEqualTo(-1);
    assertThat(hourly.sliceIndex(-HOUR)).as("exactly at the start of slice -1").isEqualTo(-1);
    assertThat(hourly.sliceIndex(-HOUR - 1)).isEqualTo(-2);
    // 2011-12-01T08:26:00Z, the first event of the retail data set
    assertThat(hourly.sliceIndex(1_322_727_960_000L)).isEqualTo(367_424);
  }

  @Test
  void sliceStartAndEndAreHalfOpenAndEpochAligned() {
    for (long i : new long[] {-3, -1, 0, 1, 367_424}) {
      long start = hourly.sliceStartMillis(i);
      long end = hourly.sliceEndMillis(i);
      assertThat(start).isEqualTo(i * HOUR);
      assertThat(end).isEqualTo(start + HOUR);
      assertThat(hourly.sliceIndex(start)).as("start belongs to slice %d", i).isEqualTo(i);
      assertThat(hourly.sliceIndex(end - 1)).as("end - 1 belongs to slice %d", i).isEqualTo(i);
      assertThat(hourly.sliceIndex(end)).as("end belongs to the next slice").isEqualTo(i + 1);
    }
    assertThat(hourly.sliceStartMillis(-1)).isEqualTo(-HOUR);
    assertThat(hourly.sliceEndMillis(-1)).isZero();
  }

  @Test
  void largeTimesWorkAndOverflowIsAnErrorNotAWrapAround() {
    long big = Long.MAX_VALUE - 5;
    long i = hourly.sliceIndex(big);
    assertThat(i).isEqualTo(Long.MAX_VALUE / HOUR);
    assertThat(hourly.sliceStartMillis(i)).isLessThanOrEqualTo(big).isGreaterThan(big - HOUR);
    assertThat(hourly.sliceIndex(Long.MIN_VALUE)).isEqualTo(Math.floorDiv(Long.MIN_VALUE, HOUR));
    assertThatThrownBy(() -> hourly.sliceEndMillis(hourly.sliceIndex(Long.MAX_VALUE)))
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> hourly.sliceStartMillis(hourly.sliceIndex(Long.MIN_VALUE)))
        .isInstanceOf(ArithmeticException.class);
    Slicing ms = new Slicing(1);
    assertThat(ms.sliceIndex(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
    assertThat(ms.sliceStartMillis(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void invalidSliceSizesAndWindowsAreRejected() {
    assertThatThrownBy(() -> new Slicing(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid slice size: 0 ms");
    assertThatThrownBy(() -> new Slicing(-HOUR)).isInstanceOf(IllegalArgumentException.class);
    assertThat(hourly.slicesPerWindow(HOUR)).isEqualTo(1);
    assertThat(hourly.slicesPerWindow(30 * DAY)).isEqualTo(720);
    for (long w : new long[] {0, -HOUR, HOUR / 2, HOUR + 1, 90 * 60_000L}) {
      assertThatThrownBy(() -> hourly.slicesPerWindow(w))
          .as("window %d", w)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Invalid window: " + w + " ms")
          .hasMessageContaining("multiple of the slice size");
      assertThatThrownBy(() -> hourly.inWindow(0, HOUR, w))
          .as("inWindow with window %d", w)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> hourly.oldestSliceIndex(0, w))
          .isInstanceOf(IllegalArgumentException.class);
    }
    Slicing oneMs = new Slicing(1);
    assertThatThrownBy(() -> oneMs.slicesPerWindow(1L << 40))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too many slices");
  }

  @Test
  void windowRuleAtTheEdges() {
    long t = 10 * HOUR + 1_234; // inside slice 10
    long day = DAY;
    assertThat(hourly.inWindow(t, t, day)).as("event at t is excluded").isFalse();
    assertThat(hourly.inWindow(t - 1, t, day)).as("event 1 ms before t is included").isTrue();
    assertThat(hourly.inWindow(t + 1, t, day))
        .as("event after t, same slice, is excluded")
        .isFalse();
    assertThat(hourly.inWindow(11 * HOUR, t, day)).as("event in a future slice").isFalse();
    assertThat(hourly.inWindow(10 * HOUR, t, HOUR))
        .as("start of the current slice, 1h window")
        .isTrue();
    assertThat(hourly.inWindow(10 * HOUR - 1, t, HOUR)).as("previous slice, 1h window").isFalse();
    // a 3 h window at t covers slices 8, 9, 10: the oldest covered boundary is 8 h
    assertThat(hourly.oldestSliceIndex(t, 3 * HOUR)).isEqualTo(8);
    assertThat(hourly.inWindow(8 * HOUR, t, 3 * HOUR)).as("oldest covered slice start").isTrue();
    assertThat(hourly.inWindow(8 * HOUR - 1, t, 3 * HOUR))
        .as("1 ms before the oldest covered slice")
        .isFalse();
    // t exactly at a slice start: the current slice holds nothing before t
    long t2 = 10 * HOUR;
    assertThat(hourly.inWindow(t2, t2, HOUR)).isFalse();
    assertThat(hourly.inWindow(t2 - 1, t2, HOUR))
        .as("1h window at a slice start is empty")
        .isFalse();
    assertThat(hourly.inWindow(t2 - 1, t2, 2 * HOUR)).isTrue();
    assertThat(hourly.inWindow(9 * HOUR, t2, 2 * HOUR)).isTrue();
    assertThat(hourly.inWindow(9 * HOUR - 1, t2, 2 * HOUR)).isFalse();
    // negative times
    assertThat(hourly.inWindow(-1, 0, HOUR)).as("t = 0 is the start of slice 0").isFalse();
    assertThat(hourly.inWindow(-1, 0, 2 * HOUR)).isTrue();
    assertThat(hourly.inWindow(-HOUR, 1, 2 * HOUR)).isTrue();
    assertThat(hourly.inWindow(-HOUR - 1, 1, 2 * HOUR)).isFalse();
  }

  /**
   * Exhaustive over a small domain: every (event, t, window) with slice size 3 and times in [-25,
   * 25] against the enumeration of the window's slice intervals.
   */
  @Test
  void inWindowMatchesEnumeratedIntervalsExhaustively() {
    for (long s : new long[] {1, 3, 5}) {
      Slicing slicing = new Slicing(s);
      for (int n = 1; n <= 4; n++) {
        long w = n * s;
        for (long t = -25; t <= 25; t++) {
          for (long e = -40; e <= 30; e++) {
            if (slicing.inWindow(e, t, w) != naiveInWindow(e, t, s, n)) {
              assertThat(slicing.inWindow(e, t, w))
                  .as("s=%d W=%d t=%d e=%d", s, w, t, e)
                  .isEqualTo(naiveInWindow(e, t, s, n));
            }
          }
        }
      }
    }
  }

  @Test
  void inWindowMatchesEnumeratedIntervalsAtRandom() {
    Random r = Seeds.random("SlicingTest.inWindowMatchesEnumeratedIntervalsAtRandom");
    long[] sizes = {1, 7, 1_000, 60_000, HOUR, DAY, 7 * DAY};
    for (int i = 0; i < 200_000; i++) {
      long s = sizes[r.nextInt(sizes.length)];
      int n = 1 + r.nextInt(40);
      long t =
          switch (r.nextInt(4)) {
            case 0 -> (r.nextLong() >> 4); // anywhere, either sign
            case 1 -> (r.nextInt(2_000_001) - 1_000_000) * s; // exactly at a slice start
            default -> r.nextLong() % (1L << 45);
          };
      long e =
          switch (r.nextInt(6)) {
            case 0 -> t;
            case 1 -> t - 1;
            case 2 -> t + 1;
            case 3 ->
                Math.floorDiv(t, s) * s
                    - (n - 1) * s
                    - r.nextInt(2); // oldest boundary and 1 ms before
            default -> t - (long) (r.nextDouble() * (n + 2) * s);
          };
      if (new Slicing(s).inWindow(e, t, n * s) != naiveInWindow(e, t, s, n)) {
        assertThat(new Slicing(s).inWindow(e, t, n * s))
            .as("%s s=%d n=%d t=%d e=%d", Seeds.describe(), s, n, t, e)
            .isEqualTo(naiveInWindow(e, t, s, n));
      }
    }
  }

  /**
   * The window rule written differently: list the {@code n} slice intervals the window spans,
   * walking back from the slice that contains {@code t} (found by stepping, not by division), and
   * include {@code e} iff it lies in one of them and before {@code t}.
   */
  private static boolean naiveInWindow(long e, long t, long s, int n) {
    long start = t - Math.floorMod(t, s); // start of the slice holding t
    List<long[]> intervals = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      intervals.add(new long[] {start - k * s, start - k * s + s});
    }
    if (e >= t) {
      return false;
    }
    for (long[] iv : intervals) {
      if (iv[0] <= e && e < iv[1]) {
        return true;
      }
    }
    return false;
  }

  @Test
  void durationsFormatTheLargestExactUnit() {
    assertThat(Durations.format(DAY)).isEqualTo("1d");
    assertThat(Durations.format(7 * DAY)).isEqualTo("7d");
    assertThat(Durations.format(90 * 60_000L)).isEqualTo("90m");
    assertThat(Durations.format(HOUR)).isEqualTo("1h");
    assertThat(Durations.format(36 * HOUR)).isEqualTo("36h");
    assertThat(Durations.format(10_000)).isEqualTo("10s");
    assertThat(Durations.format(1_500)).isEqualTo("1500ms");
    assertThat(Durations.format(0)).isEqualTo("0ms");
    assertThat(new Slicing(HOUR)).hasToString("Slicing[1h]");
  }
}
