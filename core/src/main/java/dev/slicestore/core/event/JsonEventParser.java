package dev.slicestore.core.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Parses an event's JSON value against a feature set's declared schema into typed values, with a
 * precise reason for every rejection. Fields not in the schema are ignored; missing or {@code null}
 * fields give null. Types are strict: a JSON string is never read as a number, a fractional number
 * never as a long; a JSON integer is accepted for a double field.
 *
 * <p>Immutable and thread-safe.
 */
public final class JsonEventParser implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final List<String> fields;
  private final List<ValueType> types;

  /**
   * @param schema field name to type, in the order {@link #parse} returns values
   */
  public JsonEventParser(Map<String, ValueType> schema) {
    this.fields = new ArrayList<>(schema.keySet());
    this.types = new ArrayList<>(schema.values());
  }

  /**
   * @return the field names, in the order of {@link #parse}'s result
   */
  public List<String> fields() {
    return fields;
  }

  /**
   * @param json the record value as text (null is malformed)
   * @return one value per schema field ({@code Long}, {@code Double}, {@code String}, {@code
   *     Boolean} or null)
   * @throws BadRecordException {@link RejectReason#MALFORMED_JSON} or {@link
   *     RejectReason#WRONG_TYPE}
   */
  public Object[] parse(String json) throws BadRecordException {
    if (json == null) {
      throw new BadRecordException(RejectReason.MALFORMED_JSON, "record has no value");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new BadRecordException(
          RejectReason.MALFORMED_JSON, "malformed JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadRecordException(
          RejectReason.MALFORMED_JSON,
          "value is not a JSON object (got "
              + (root == null ? "nothing" : root.getNodeType().name().toLowerCase())
              + ")");
    }
    Object[] out = new Object[fields.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = root.get(fields.get(i));
      if (v == null || v.isNull()) {
        continue;
      }
      out[i] = convert(fields.get(i), types.get(i), v);
    }
    return out;
  }

  private static Object convert(String field, ValueType type, JsonNode v)
      throws BadRecordException {
    switch (type) {
      case LONG:
        if (v.isIntegralNumber() && v.canConvertToLong()) {
          return v.longValue();
        }
        break;
      case DOUBLE:
        if (v.isNumber()) {
          return v.doubleValue();
        }
        break;
      case STRING:
        if (v.isTextual()) {
          return v.textValue();
        }
        break;
      case BOOLEAN:
        if (v.isBoolean()) {
          return v.booleanValue();
        }
        break;
      default:
        break;
    }
    String shown = v.toString();
    if (shown.length() > 60) {
      shown = shown.substring(0, 57) + "...";
    }
    throw new BadRecordException(
        RejectReason.WRONG_TYPE,
        "field "
            + field
            + ": expected "
            + type.configName()
            + ", got "
            + jsonType(v)
            + " "
            + shown);
  }

  private static String jsonType(JsonNode v) {
    if (v.isTextual()) {
      return "string";
    } else if (v.isIntegralNumber()) {
      return "integer";
    } else if (v.isNumber()) {
      return "number";
    } else if (v.isBoolean()) {
      return "boolean";
    } else if (v.isArray()) {
      return "array";
    } else if (v.isObject()) {
      return "object";
    }
    return v.getNodeType().name().toLowerCase();
  }
}
