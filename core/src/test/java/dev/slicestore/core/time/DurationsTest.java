package dev.slicestore.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link Durations#parseMillis}: the duration arguments of the jobs, with the messages users see.
 */
class DurationsTest {
  @Test
  void durationsAreHoconOrIso() {
    assertThat(Durations.parseMillis("1h")).isEqualTo(3_600_000L);
    assertThat(Durations.parseMillis("90 m")).isEqualTo(5_400_000L);
    assertThat(Durations.parseMillis("PT30S")).isEqualTo(30_000L);
    assertThat(Durations.parseMillis("0s")).isZero();
    assertThatThrownBy(() -> Durations.parseMillis("soon"))
        .hasMessageContaining("Invalid duration 'soon'");
    assertThatThrownBy(() -> Durations.parseMillis("-1h"))
        .hasMessageContaining("must not be negative");
  }

  @Test
  void moreFormsAndTheExactMessages() {
    assertThat(Durations.parseMillis(" 30 s ")).as("surrounding whitespace").isEqualTo(30_000L);
    assertThat(Durations.parseMillis("7d")).isEqualTo(7 * 86_400_000L);
    assertThat(Durations.parseMillis("PT1H")).isEqualTo(3_600_000L);
    assertThatThrownBy(() -> Durations.parseMillis(" soon"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid duration ' soon': use e.g. 1h, 30m, 90s or PT1H");
    assertThatThrownBy(() -> Durations.parseMillis("-PT1S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid duration '-PT1S': must not be negative");
  }
}
