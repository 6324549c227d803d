package dev.slicestore.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.event.RejectReason;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.testkit.TestStack;
import dev.slicestore.testkit.TopicReader;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * online-ingest's sink on its own, against a real Kafka broker and a real redis-server: seeded card
 * payments of the shipped {@code cards} feature set (with malformed, filtered, too-late and future
 * records mixed in) go through the shared event pipeline and {@link SliceWriter} twice, the second
 * time as a replay of the same Kafka coordinates. The features read back from Redis equal a naive
 * computation over the generated events, the replay changes nothing, every bad record is counted
 * and dead-lettered with its reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SliceWriterTest {
  private static final int EVENTS = 2_000;

  @TempDir static Path dir;
  TestStack stack;

  @BeforeAll
  void start() throws Exception {
    stack = new TestStack(dir);
  }

  @AfterAll
  void stop() {
    ExecutorResources.closeAll();
    stack.close();
  }

  @Test
  void servedFeaturesEqualTheOracleAndAReplayChangesNothing() throws Exception {
    CardPayments data = new CardPayments(Seeds.random("SliceWriterTest"), EVENTS);
    stack.kafka.createTopic(data.fs.deadLetterTopic(), 1);
    String late = CardPayments.TX_TIME.format(Instant.ofEpochMilli(data.now - 3 * 86_400_000L));
    String future = CardPayments.TX_TIME.format(Instant.ofEpochMilli(data.now + 10 * 60_000L));
    data.add("{not json");
    data.add("{\"card_id\":null,\"amount\":1.0,\"tx_time\":\"" + late + "\"}");
    data.add("{\"card_id\":\"card-000\",\"amount\":1.0,\"tx_time\":\"" + late + "\"}");
    data.add("{\"card_id\":\"card-000\",\"amount\":1.0,\"tx_time\":\"" + future + "\"}");

    IngestMetrics metrics = data.metrics("slice_writer_test");
    try (UnifiedJedis redis = stack.redis.client(5_000)) {
      data.write(stack.config, metrics);
      Map<String, Map<String, Object>> first = data.served(redis, data.now);
      data.write(stack.config, metrics); // a replay of the same records
      assertThat(data.served(redis, data.now))
          .as("a replay rewrites the same fields")
          .isEqualTo(first);
      data.assertServedEqualsOracle(redis, Seeds.describe());
    }
    assertThat(metrics.read()).isEqualTo(2L * data.kafka.size());
    assertThat(metrics.applied()).isEqualTo(2L * EVENTS);
    assertThat(metrics.redisRetries()).isZero();
    assertThat(metrics.rejected(RejectReason.MALFORMED_JSON)).isEqualTo(2);
    assertThat(metrics.rejected(RejectReason.FILTERED)).isEqualTo(2);
    assertThat(metrics.rejected(RejectReason.TOO_LATE)).isEqualTo(2);
    assertThat(metrics.rejected(RejectReason.TOO_FAR_IN_FUTURE)).isEqualTo(2);
    List<String> reasons = new ArrayList<>();
    for (ConsumerRecord<String, String> r :
        TopicReader.readAll(stack.kafka.bootstrapServers(), data.fs.deadLetterTopic())) {
      reasons.add(r.value().replaceAll(".*\"reason\":\"([a-z_]+)\".*", "$1"));
    }
    assertThat(reasons)
        .as("dead letters, both runs")
        .containsExactlyInAnyOrder(
            "malformed_json",
            "too_late",
            "too_far_in_future",
            "malformed_json",
            "too_late",
            "too_far_in_future");
  }
}
