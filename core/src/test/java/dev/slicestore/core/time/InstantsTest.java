package dev.slicestore.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link Instants#parseMillis}: the time arguments of the jobs, with the messages users see. */
class InstantsTest {
  @Test
  void timesAreIsoInstantsIsoOffsetDateTimesOrEpochMillis() {
    assertThat(Instants.parseMillis("2025-01-01T00:00:00Z")).isEqualTo(1_735_689_600_000L);
    assertThat(Instants.parseMillis(" 2025-01-01T01:00:00+01:00 "))
        .as("Airflow's rendering")
        .isEqualTo(1_735_689_600_000L);
    assertThat(Instants.parseMillis("1735689600000")).isEqualTo(1_735_689_600_000L);
    assertThat(Instants.parseMillis("-60000")).isEqualTo(-60_000L);
    assertThatThrownBy(() -> Instants.parseMillis("2025-01-01 00:00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid time '2025-01-01 00:00': use an ISO-8601 instant such as 2025-01-01T00:00:00Z (or with an offset,"
                + " +01:00) or epoch milliseconds");
    assertThatThrownBy(() -> Instants.parseMillis("99999999999999999999"))
        .hasMessageContaining("out of range");
  }

  @Test
  void moreFormsAndTheExactMessages() {
    assertThat(Instants.parseMillis("2025-01-01T00:00:00.123Z")).isEqualTo(1_735_689_600_123L);
    assertThatThrownBy(() -> Instants.parseMillis(" 99999999999999999999"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid time ' 99999999999999999999': epoch milliseconds out of range");
    assertThatThrownBy(() -> Instants.parseMillis("yesterday"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid time 'yesterday': use an ISO-8601 instant");
  }
}
