package dev.slicestore.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slicestore.core.aggregate.ValueType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonEventParserTest {
  private static final Map<String, ValueType> SCHEMA = new LinkedHashMap<>();

  static {
    SCHEMA.put("id", ValueType.STRING);
    SCHEMA.put("qty", ValueType.LONG);
    SCHEMA.put("price", ValueType.DOUBLE);
    SCHEMA.put("vip", ValueType.BOOLEAN);
  }

  private final JsonEventParser parser = new JsonEventParser(SCHEMA);

  private BadRecordException reject(String json) {
    BadRecordException e = catchThrowableOfType(BadRecordException.class, () -> parser.parse(json));
    assertThat(e).as("expected %s to be rejected", json).isNotNull();
    return e;
  }

  private void assertRejected(String json, RejectReason reason, String... message) {
    BadRecordException e = reject(json);
    assertThat(e.reason()).as(json).isEqualTo(reason);
    if (message.length > 0) {
      assertThat(e.getMessage()).as(json).contains(message);
    }
  }

  @Test
  void parsesTypedValuesInSchemaOrder() throws Exception {
    assertThat(parser.fields()).containsExactly("id", "qty", "price", "vip");
    assertThat(parser.parse("{\"vip\": true, \"price\": 2.5, \"qty\": -3, \"id\": \"c1\"}"))
        .containsExactly("c1", -3L, 2.5, true);
    assertThat(parser.parse("{\"qty\": 9223372036854775807, \"price\": -0.0}"))
        .containsExactly(null, Long.MAX_VALUE, -0.0, null);
    assertThat(parser.parse("{\"id\": \"é \\u00e9 \\ud83d\\ude00\"}")[0])
        .isEqualTo("é é \uD83D\uDE00");
  }

  @Test
  void nullsAndMissingFieldsGiveNullAndExtraFieldsAreIgnored() throws Exception {
    assertThat(parser.parse("{}")).containsExactly(null, null, null, null);
    assertThat(parser.parse("{\"id\": null, \"qty\": null, \"price\": null, \"vip\": null}"))
        .containsExactly(null, null, null, null);
    assertThat(parser.parse("{\"id\": \"x\", \"extra\": [1, {\"a\": 2}], \"other\": \"12\"}"))
        .containsExactly("x", null, null, null);
  }

  @Test
  void integersAreAcceptedForDoubles() throws Exception {
    assertThat(parser.parse("{\"price\": 3}")[2]).isEqualTo(3.0);
    assertThat(parser.parse("{\"price\": 12345678901234567890}")[2])
        .isEqualTo(1.2345678901234567e19);
    assertThat(parser.parse("{\"price\": 1e3}")[2]).isEqualTo(1000.0);
  }

  @Test
  void wrongTypesAreRejectedWithFieldAndValue() {
    assertRejected(
        "{\"qty\": \"12\"}",
        RejectReason.WRONG_TYPE,
        "field qty: expected long, got string \"12\"");
    assertRejected(
        "{\"qty\": 1.5}", RejectReason.WRONG_TYPE, "field qty: expected long, got number 1.5");
    assertRejected("{\"qty\": 2.0}", RejectReason.WRONG_TYPE, "field qty: expected long");
    assertRejected("{\"qty\": 1e2}", RejectReason.WRONG_TYPE, "field qty: expected long");
    assertRejected(
        "{\"qty\": 9223372036854775808}",
        RejectReason.WRONG_TYPE,
        "field qty: expected long, got integer");
    assertRejected("{\"qty\": true}", RejectReason.WRONG_TYPE, "got boolean true");
    assertRejected(
        "{\"price\": \"2.5\"}",
        RejectReason.WRONG_TYPE,
        "field price: expected double, got string");
    assertRejected(
        "{\"id\": 17850}", RejectReason.WRONG_TYPE, "field id: expected string, got integer 17850");
    assertRejected("{\"id\": [\"a\"]}", RejectReason.WRONG_TYPE, "got array");
    assertRejected(
        "{\"vip\": \"true\"}", RejectReason.WRONG_TYPE, "field vip: expected boolean, got string");
    assertRejected(
        "{\"vip\": 1}", RejectReason.WRONG_TYPE, "field vip: expected boolean, got integer");
    assertRejected("{\"price\": {\"amount\": 1}}", RejectReason.WRONG_TYPE, "got object");
    BadRecordException longValue =
        reject(
            "{\"id\": \""
                + "x".repeat(200)
                + "\", \"qty\": 1}".replace("\"qty\": 1", "\"vip\": 0"));
    assertThat(longValue.getMessage()).as("long values are abbreviated").hasSizeLessThan(120);
  }

  @Test
  void malformedJsonIsRejected() {
    assertRejected(null, RejectReason.MALFORMED_JSON, "record has no value");
    assertRejected("{\"qty\": 1", RejectReason.MALFORMED_JSON, "malformed JSON");
    assertRejected("{qty: 1}", RejectReason.MALFORMED_JSON, "malformed JSON");
    assertRejected("not json", RejectReason.MALFORMED_JSON, "malformed JSON");
    assertRejected(
        "{\"qty\": 1, \"qty\": 2}", RejectReason.MALFORMED_JSON, "malformed JSON", "qty");
    assertRejected("", RejectReason.MALFORMED_JSON);
  }

  @Test
  void nonObjectsAreRejected() {
    assertRejected("[1, 2]", RejectReason.MALFORMED_JSON, "not a JSON object (got array)");
    assertRejected("42", RejectReason.MALFORMED_JSON, "not a JSON object (got number)");
    assertRejected("\"text\"", RejectReason.MALFORMED_JSON, "not a JSON object (got string)");
    assertRejected("null", RejectReason.MALFORMED_JSON, "not a JSON object");
  }

  /** A value with trailing content after the object is not one JSON object. */
  @Test
  void trailingContentIsMalformed() {
    assertRejected("{\"qty\": 1} {\"qty\": 2}", RejectReason.MALFORMED_JSON, "malformed JSON");
    assertRejected("{\"qty\": 1}}", RejectReason.MALFORMED_JSON, "malformed JSON");
    assertRejected("{\"qty\": 1} trailing", RejectReason.MALFORMED_JSON, "malformed JSON");
  }

  @Test
  void rejectReasonsHaveStableCodes() {
    assertThat(RejectReason.MALFORMED_JSON.code()).isEqualTo("malformed_json");
    assertThat(RejectReason.WRONG_TYPE.code()).isEqualTo("wrong_type");
    assertThat(RejectReason.TOO_LATE.code()).isEqualTo("too_late");
    assertThat(RejectReason.TOO_FAR_IN_FUTURE.description()).isEqualTo("too far in the future");
    assertThat(RejectReason.FILTERED.deadLettered()).isFalse();
    assertThat(RejectReason.BAD_EVENT_TIME.deadLettered()).isTrue();
  }
}
