package dev.slicestore.core.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.testing.WindowOracle;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracle itself: it agrees with {@link Slicing#inWindow} everywhere on a small domain, and
 * selects in order.
 */
class WindowOracleTest {
  @Test
  void agreesWithSlicingExhaustivelyOnASmallDomain() {
    for (long s : new long[] {1, 3, 5}) {
      Slicing slicing = new Slicing(s);
      for (int n = 1; n <= 4; n++) {
        for (long t = -25; t <= 25; t++) {
          for (long e = -40; e <= 30; e++) {
            if (WindowOracle.inWindow(e, t, n * s, s) != slicing.inWindow(e, t, n * s)) {
              assertThat(WindowOracle.inWindow(e, t, n * s, s))
                  .as("s=%d n=%d t=%d e=%d", s, n, t, e)
                  .isEqualTo(slicing.inWindow(e, t, n * s));
            }
          }
        }
      }
    }
  }

  @Test
  void selectKeepsTheEventsInTheWindowInTheirOrder() {
    // slices of 10 ms; at t = 25 a 20 ms window covers slices 1 and 2 before 25: [10, 25)
    List<Long> events = List.of(24L, 9L, 10L, 25L, 30L, 15L, -1L, 19L);
    assertThat(WindowOracle.select(events, e -> e, 25, 20, 10)).containsExactly(24L, 10L, 15L, 19L);
    assertThat(WindowOracle.select(events, e -> e, 20, 10, 10))
        .as("a one-slice window at a slice start is empty")
        .isEmpty();
    assertThat(WindowOracle.select(events, e -> e, 0, 20, 10))
        .as("negative times: slice -1 is [-10, 0)")
        .containsExactly(-1L);
  }
}
