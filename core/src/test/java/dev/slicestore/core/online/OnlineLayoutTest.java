package dev.slicestore.core.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OnlineLayoutTest {
  private static FeatureSet featureSet(String topics) {
    return FeatureSetLoader.parse(
        String.join(
            "\n",
            "name = shop",
            "version = 4",
            "source { topics = " + topics + ", schema { k = string, ts = long } }",
            "entity-key = k",
            "event-time { column = ts, format = epoch-millis }",
            "slice = 1h",
            "windows = [1h]",
            "aggregations = [ { name = n, function = count } ]"),
        "layout.conf");
  }

  private static String s(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void keysCarryFeatureSetVersionHashTaggedEntityAndSlice() {
    OnlineLayout layout = new OnlineLayout(featureSet("[orders]"));
    assertThat(s(layout.sliceKey("17850", 367_424))).isEqualTo("ss:shop:4:{17850}:367424");
    assertThat(s(layout.sliceKey("a}:1", -1))).isEqualTo("ss:shop:4:{a}:1}:-1");
    assertThat(s(layout.sliceKey("é", 0))).isEqualTo("ss:shop:4:{é}:0");
    assertThat(layout.keyPrefix()).isEqualTo("ss:shop:4:");
    assertThat(s(layout.sliceKey("x", 1))).startsWith(layout.keyPrefix());
  }

  @Test
  void eventFieldsAreKafkaCoordinates() {
    OnlineLayout single = new OnlineLayout(featureSet("[orders]"));
    assertThat(s(single.eventField(0, 3, 1234))).isEqualTo("3:1234");
    OnlineLayout multi = new OnlineLayout(featureSet("[orders, returns]"));
    assertThat(s(multi.eventField(1, 3, 1234))).isEqualTo("1:3:1234");
    assertThat(OnlineLayout.parseEventField(single.eventField(0, 3, 1234)))
        .containsExactly(0, 3, 1234);
    assertThat(OnlineLayout.parseEventField(multi.eventField(1, 3, Long.MAX_VALUE)))
        .containsExactly(1, 3, Long.MAX_VALUE);
    assertThat(
            OnlineLayout.parseEventField(multi.eventField(Integer.MAX_VALUE, Integer.MAX_VALUE, 0)))
        .containsExactly(Integer.MAX_VALUE, Integer.MAX_VALUE, 0);
  }

  @Test
  void compactedFieldIsNotAnEventField() {
    assertThat(s(OnlineLayout.compactedField()))
        .isEqualTo(OnlineLayout.COMPACTED_FIELD)
        .isEqualTo("c");
    assertThat(OnlineLayout.isCompactedField("c".getBytes(StandardCharsets.US_ASCII))).isTrue();
    assertThat(OnlineLayout.isCompactedField("c1".getBytes(StandardCharsets.US_ASCII))).isFalse();
    assertThat(OnlineLayout.isCompactedField("1:2".getBytes(StandardCharsets.US_ASCII))).isFalse();
    byte[] field = OnlineLayout.compactedField();
    field[0] = 'x';
    assertThat(s(OnlineLayout.compactedField())).as("a copy is returned").isEqualTo("c");
  }

  @Test
  void malformedFieldNamesAreCorrupt() {
    for (String bad :
        new String[] {
          "",
          "c",
          "x",
          ":",
          ":1",
          "1:",
          "1::2",
          "1:2:3:4",
          "a:1",
          "-1:2",
          "1:-2",
          "1:2 ",
          " 1:2",
          "1.0:2",
          "1",
          "١:٢",
          "01:5",
          "1:05",
          "0:00",
          // numbers that do not fit: partition beyond int, offset beyond long
          "4294967296:1",
          "1:2147483648:1",
          "2147483648:0:1",
          "1:99999999999999999999",
          "99999999999999999999999:1"
        }) {
      assertThatThrownBy(() -> OnlineLayout.parseEventField(bad.getBytes(StandardCharsets.UTF_8)))
          .as("field '%s'", bad)
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("Corrupt slice hash: unexpected field");
    }
  }
}
