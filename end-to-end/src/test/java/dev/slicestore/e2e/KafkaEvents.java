package dev.slicestore.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The producers of the end-to-end tests, and the card payments they send. */
final class KafkaEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KafkaEvents() {}

  /**
   * @return the configuration of a producer of byte keys and values to {@code bootstrapServers}
   */
  static Properties producerConfig(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /**
   * @return one card payment to {@code topic} as the card feature sets parse it: a JSON object of
   *     card, amount, time (ISO 8601) and merchant, keyed by the card
   */
  static ProducerRecord<byte[], byte[]> cardPayment(
      String topic, String card, double amount, long timeMillis, String merchant)
      throws JsonProcessingException {
    String value =
        JSON.writeValueAsString(
            Map.of(
                "card",
                card,
                "amount",
                amount,
                "ts",
                Instant.ofEpochMilli(timeMillis).toString(),
                "merchant",
                merchant));
    return new ProducerRecord<>(
        topic, card.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
  }
}
