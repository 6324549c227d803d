package dev.slicestore.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.testing.Seeds;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Interval unions against a bitmap oracle over a small time axis, and the text form. */
class CoveredIntervalsTest {

  @Test
  void unionAndCoversMatchABitmap() {
    Random r = Seeds.random("CoveredIntervalsTest.unionAndCoversMatchABitmap");
    for (int trial = 0; trial < 500; trial++) {
      boolean[] bits = new boolean[60]; // time -30 .. 29
      CoveredIntervals set = CoveredIntervals.empty();
      for (int i = r.nextInt(5); i > 0; i--) {
        int from = r.nextInt(60) - 30;
        int to = from + r.nextInt(15);
        for (int t = from; t < to && t < 30; t++) {
          bits[t + 30] = true;
        }
        set = set.union(CoveredIntervals.of(from, Math.min(to, 30)));
      }
      assertThat(CoveredIntervals.parse(set.format())).isEqualTo(set);
      for (int q = 0; q < 50; q++) {
        int from = r.nextInt(60) - 30;
        int to = Math.min(30, from + r.nextInt(10));
        boolean expected = true;
        for (int t = from; t < to; t++) {
          expected &= bits[t + 30];
        }
        assertThat(set.covers(from, to))
            .as("%s %s covers [%d, %d)", Seeds.describe(), set.format(), from, to)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void touchingIntervalsJoinAndTextRoundTrips() {
    CoveredIntervals s =
        CoveredIntervals.of(0, 10)
            .union(CoveredIntervals.of(10, 20))
            .union(CoveredIntervals.of(-30, -20));
    assertThat(s.format()).isEqualTo("-30--20,0-20");
    assertThat(CoveredIntervals.parse("-30--20,0-20")).isEqualTo(s);
    assertThat(s.covers(5, 15)).isTrue();
    assertThat(s.covers(-25, 5)).isFalse();
    assertThat(CoveredIntervals.parse(null).isEmpty()).isTrue();
    assertThat(CoveredIntervals.empty().describe()).isEqualTo("nothing");
    assertThatThrownBy(() -> CoveredIntervals.parse("5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'5'");
    assertThatThrownBy(() -> CoveredIntervals.parse("a-b"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
