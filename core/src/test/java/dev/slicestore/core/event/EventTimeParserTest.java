package dev.slicestore.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slicestore.core.config.EventTimeSpec;
import dev.slicestore.core.testing.Seeds;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EventTimeParserTest {
  // 2011-12-01T08:26:00Z, the first invoice line of the retail data set
  private static final long RETAIL_FIRST = 1_322_727_960_000L;

  private static EventTimeParser parser(String format, String zone) {
    return new EventTimeParser(new EventTimeSpec("ts", format, zone));
  }

  private static void assertBad(
      EventTimeParser p, Object value, RejectReason reason, String... message) {
    BadRecordException e =
        catchThrowableOfType(BadRecordException.class, () -> p.parseMillis(value));
    assertThat(e).as("expected %s to be rejected", value).isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    if (message.length > 0) {
      assertThat(e.getMessage()).contains(message);
    }
  }

  @Test
  void epochMillisAndSeconds() throws Exception {
    EventTimeParser millis = parser("epoch-millis", "UTC");
    assertThat(millis.parseMillis(RETAIL_FIRST)).isEqualTo(RETAIL_FIRST);
    assertThat(millis.parseMillis(-1L)).isEqualTo(-1L);
    assertThat(millis.parseMillis("1322727960000")).as("numeric text").isEqualTo(RETAIL_FIRST);
    assertThat(millis.format(RETAIL_FIRST)).isEqualTo(RETAIL_FIRST);
    EventTimeParser seconds = parser("epoch-seconds", "UTC");
    assertThat(seconds.parseMillis(1_322_727_960L)).isEqualTo(RETAIL_FIRST);
    assertThat(seconds.parseMillis(-1L)).isEqualTo(-1_000L);
    assertThat(seconds.format(RETAIL_FIRST + 999)).isEqualTo(1_322_727_960L);
    assertThat(seconds.format(-1)).as("floor, not truncation").isEqualTo(-1L);
    assertBad(
        seconds,
        Long.MAX_VALUE / 10,
        RejectReason.BAD_EVENT_TIME,
        "does not match format epoch-seconds");
    assertBad(
        millis,
        "soon",
        RejectReason.BAD_EVENT_TIME,
        "event time 'soon' does not match format epoch-millis");
    assertBad(millis, 1.5, RejectReason.BAD_EVENT_TIME);
    assertBad(millis, null, RejectReason.MISSING_EVENT_TIME, "event time is missing");
  }

  @Test
  void iso8601() throws Exception {
    EventTimeParser utc = parser("iso-8601", "UTC");
    assertThat(utc.parseMillis("2011-12-01T08:26:00Z")).isEqualTo(RETAIL_FIRST);
    assertThat(utc.parseMillis("2011-12-01T09:26:00+01:00")).isEqualTo(RETAIL_FIRST);
    assertThat(utc.parseMillis("2011-12-01T08:26:00.123Z")).isEqualTo(RETAIL_FIRST + 123);
    assertThat(utc.parseMillis("2011-12-01T08:26:00"))
        .as("local time read in the zone")
        .isEqualTo(RETAIL_FIRST);
    assertThat(parser("iso-8601", "Asia/Kolkata").parseMillis("2011-12-01T13:56:00"))
        .isEqualTo(RETAIL_FIRST);
    assertThat(parser("iso-8601", "Asia/Kolkata").parseMillis("2011-12-01T08:26:00Z"))
        .as("an explicit offset wins over the zone")
        .isEqualTo(RETAIL_FIRST);
    assertThat(utc.format(RETAIL_FIRST)).isEqualTo("2011-12-01T08:26:00Z");
    assertThat(utc.format(-1)).isEqualTo("1969-12-31T23:59:59.999Z");
    assertBad(
        utc, "2011-12-01 08:26:00", RejectReason.BAD_EVENT_TIME, "does not match format iso-8601");
    assertBad(utc, "2011-13-01T08:26:00Z", RejectReason.BAD_EVENT_TIME);
    assertBad(utc, "", RejectReason.BAD_EVENT_TIME);
  }

  @Test
  void pattern() throws Exception {
    EventTimeParser p = parser("yyyy-MM-dd HH:mm:ss", "UTC");
    assertThat(p.parseMillis("2011-12-01 08:26:00")).isEqualTo(RETAIL_FIRST);
    assertThat(p.parseMillis("1970-01-01 00:00:00")).isZero();
    assertThat(p.parseMillis("1969-12-31 23:59:59")).isEqualTo(-1_000L);
    assertThat(p.format(RETAIL_FIRST)).isEqualTo("2011-12-01 08:26:00");
    assertThat(parser("dd/MM/yyyy HH:mm", "Asia/Kolkata").parseMillis("01/12/2011 13:56"))
        .isEqualTo(RETAIL_FIRST);
    assertBad(
        p,
        "2011-12-01T08:26:00",
        RejectReason.BAD_EVENT_TIME,
        "does not match format yyyy-MM-dd HH:mm:ss");
    assertBad(p, "2011-12-01 25:00:00", RejectReason.BAD_EVENT_TIME);
    assertBad(p, "12/1/2011 8:26", RejectReason.BAD_EVENT_TIME);
    assertBad(parser("HH:mm", "UTC"), "08:26", RejectReason.BAD_EVENT_TIME);
    assertBad(p, null, RejectReason.MISSING_EVENT_TIME);
  }

  /** UTC has no DST gaps or overlaps: format then parse is the identity on whole seconds. */
  @Test
  void utcPatternRoundTrip() throws Exception {
    Random r = Seeds.random("EventTimeParserTest.utcPatternRoundTrip");
    EventTimeParser p = parser("yyyy-MM-dd HH:mm:ss", "UTC");
    EventTimeParser iso = parser("iso-8601", "UTC");
    long min = Instant.parse("1000-01-01T00:00:00Z").toEpochMilli();
    long max = Instant.parse("9999-12-31T23:59:59Z").toEpochMilli();
    for (int i = 0; i < 3_000; i++) {
      long millis = min + (long) (r.nextDouble() * (max - min));
      long seconds = Math.floorDiv(millis, 1000L) * 1000L;
      String text = (String) p.format(millis);
      assertThat(p.parseMillis(text))
          .as("%s %d -> %s", Seeds.describe(), millis, text)
          .isEqualTo(seconds);
      assertThat(p.parseMillis(p.format(seconds))).isEqualTo(seconds);
      assertThat(iso.parseMillis(iso.format(millis)))
          .as("%s iso %d", Seeds.describe(), millis)
          .isEqualTo(millis);
    }
  }

  @Test
  void validateFormatNamesTheProblem() {
    EventTimeParser.validateFormat("epoch-millis", "UTC");
    EventTimeParser.validateFormat("yyyy-MM-dd", "Europe/London");
    assertThatThrownBy(() -> EventTimeParser.validateFormat("yyyy-MM-dd", "Nowhere/Special"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown zone 'Nowhere/Special'");
    assertThatThrownBy(() -> EventTimeParser.validateFormat("yyyy-MM-dd {", "UTC"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid format 'yyyy-MM-dd {'")
        .hasMessageContaining("epoch-millis, epoch-seconds, iso-8601 or a java.time pattern");
    assertThatThrownBy(() -> EventTimeParser.validateFormat(null, "UTC"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("format is missing");
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    EventTimeParser p = parser("yyyy-MM-dd HH:mm:ss", "UTC");
    p.parseMillis("2011-12-01 08:26:00");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(p);
    }
    EventTimeParser copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (EventTimeParser) in.readObject();
    }
    assertThat(copy.parseMillis("2011-12-01 08:26:00")).isEqualTo(RETAIL_FIRST);
  }
}
