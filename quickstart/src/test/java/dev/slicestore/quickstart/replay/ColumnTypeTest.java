package dev.slicestore.quickstart.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Typing of CSV fields and the event-time format. */
class ColumnTypeTest {

  private final ObjectMapper mapper = new ObjectMapper();

  private String put(ColumnType type, String raw) {
    ObjectNode node = mapper.createObjectNode();
    type.put(node, "f", raw);
    return node.toString();
  }

  @Test
  void valuesThatParseAreTypedAndOthersStayText() {
    assertThat(put(ColumnType.LONG, "-12")).isEqualTo("{\"f\":-12}");
    assertThat(put(ColumnType.LONG, "1.5")).isEqualTo("{\"f\":\"1.5\"}");
    assertThat(put(ColumnType.LONG, " 7")).as("no trimming").isEqualTo("{\"f\":\" 7\"}");
    assertThat(put(ColumnType.DOUBLE, "2.55")).isEqualTo("{\"f\":2.55}");
    assertThat(put(ColumnType.DOUBLE, "NaN")).as("not a JSON number").isEqualTo("{\"f\":\"NaN\"}");
    assertThat(put(ColumnType.DOUBLE, "1e400"))
        .as("outside the double range")
        .isEqualTo("{\"f\":\"1e400\"}");
    assertThat(put(ColumnType.BOOLEAN, "TRUE")).isEqualTo("{\"f\":true}");
    assertThat(put(ColumnType.BOOLEAN, "yes")).isEqualTo("{\"f\":\"yes\"}");
    assertThat(put(ColumnType.STRING, "17850.0")).isEqualTo("{\"f\":\"17850.0\"}");
  }

  @Test
  void columnTypesParseAssignmentsAndDefaultToString() {
    ColumnTypes types = ColumnTypes.retail().with("Flag=boolean");
    assertThat(types.typeOf("Quantity")).isEqualTo(ColumnType.LONG);
    assertThat(types.typeOf("UnitPrice")).isEqualTo(ColumnType.DOUBLE);
    assertThat(types.typeOf("Flag")).isEqualTo(ColumnType.BOOLEAN);
    assertThat(types.typeOf("Other")).isEqualTo(ColumnType.STRING);
    assertThatThrownBy(() -> types.with("Flag=int"))
        .hasMessageContaining("Invalid column type: int");
    assertThatThrownBy(() -> types.with("Flag")).hasMessageContaining("must be NAME=TYPE");
  }

  @Test
  void eventTimeFormatRoundTripsAndRejectsGarbage() {
    EventTimeFormat retail = EventTimeFormat.retail();
    long t = Instant.parse("2010-12-01T08:26:00Z").toEpochMilli();
    assertThat(retail.parseMillis("2010-12-01 08:26:00")).isEqualTo(t);
    assertThat(retail.format(t)).isEqualTo("2010-12-01 08:26:00");
    assertThat(retail.parseMillis("12/1/2010 8:26")).isNull();
    assertThat(retail.parseMillis("")).isNull();
    EventTimeFormat paris = new EventTimeFormat("yyyy-MM-dd HH:mm", ZoneId.of("Europe/Paris"));
    assertThat(paris.parseMillis("2010-12-01 09:26")).isEqualTo(t);
    EventTimeFormat day = new EventTimeFormat("yyyy-MM-dd", ZoneId.of("UTC"));
    assertThat(day.parseMillis("2010-12-01"))
        .isEqualTo(Instant.parse("2010-12-01T00:00:00Z").toEpochMilli());
  }

  @Test
  void rebaseShiftIsWholeMinutesRoundedDown() {
    assertThat(EventReplay.rebaseShiftMillis(0, 119_999)).isEqualTo(60_000);
    assertThat(EventReplay.rebaseShiftMillis(0, 120_000)).isEqualTo(120_000);
    assertThat(EventReplay.rebaseShiftMillis(60_001, 0))
        .as("latest event in the future")
        .isEqualTo(-120_000);
  }
}
