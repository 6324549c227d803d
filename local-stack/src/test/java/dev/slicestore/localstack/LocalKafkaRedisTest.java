package dev.slicestore.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** Starts, stops and restarts a real in-process Kafka and a real redis-server child process. */
class LocalKafkaRedisTest {

  @TempDir Path temp;

  @Test
  void kafkaKeepsTopicsAndRecordsAcrossARestartOnTheSameDirectory() throws Exception {
    Path dir = temp.resolve("kafka");
    try (LocalKafka kafka = new LocalKafka(dir, 0, 0)) {
      kafka.start();
      assertThat(LocalKafka.isFormatted(dir)).as("formatted on first start").isTrue();
      assertThat(kafka.bootstrapServers()).isEqualTo("localhost:" + kafka.brokerPort());
      assertThat(kafka.createTopic("events", 2)).as("created").isTrue();
      assertThat(kafka.createTopic("events", 2)).as("second create is a no-op").isFalse();
      try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers())) {
        for (int i = 0; i < 3; i++) {
          // a timestamp from 2010: must be accepted and kept (retention and timestamp limits are
          // off)
          producer
              .send(new ProducerRecord<>("events", 0, 1_291_191_960_000L + i, "k" + i, "v" + i))
              .get();
        }
      }
    }

    try (LocalKafka kafka = new LocalKafka(dir, 0, 0)) {
      kafka.start();
      assertThat(kafka.createTopic("events", 2)).as("topic survived the restart").isFalse();
      List<ConsumerRecord<String, String>> records =
          readAll(kafka.bootstrapServers(), new TopicPartition("events", 0), 3);
      assertThat(records).extracting(ConsumerRecord::value).containsExactly("v0", "v1", "v2");
      assertThat(records)
          .extracting(ConsumerRecord::timestamp)
          .containsExactly(1_291_191_960_000L, 1_291_191_960_001L, 1_291_191_960_002L);
      int port = kafka.brokerPort();
      kafka.close();
      assertThat(Ports.isOpen("localhost", port, 500))
          .as("broker port closed after close()")
          .isFalse();
      kafka.start();
      assertThat(kafka.isRunning()).as("the same object starts again").isTrue();
    }
  }

  @Test
  void redisAnswersStopsAndRestartsOnTheSameDirectory() throws Exception {
    Path dir = temp.resolve("redis");
    int port;
    try (LocalRedis redis = new LocalRedis(dir, 0)) {
      redis.start();
      port = redis.port();
      assertThat(LocalRedis.ping(redis.host(), port, 1000)).isTrue();
      try (Jedis jedis = new Jedis(redis.host(), port)) {
        jedis.set("greeting", "hello");
        assertThat(jedis.get("greeting")).isEqualTo("hello");
      }
      assertThat(ProcessHandle.of(redis.pid()))
          .as("child process alive")
          .hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
    }
    assertThat(LocalRedis.ping("127.0.0.1", port, 500)).as("stopped by close()").isFalse();

    try (LocalRedis redis = new LocalRedis(dir, port)) {
      redis.start();
      assertThat(redis.port()).isEqualTo(port);
      assertThat(LocalRedis.ping(redis.host(), port, 1000)).isTrue();
    }
  }

  @Test
  void redisRefusesAPortInUseWithAClearMessage() throws Exception {
    try (LocalRedis first = new LocalRedis(temp.resolve("a"), 0)) {
      first.start();
      LocalRedis second = new LocalRedis(temp.resolve("b"), first.port());
      assertThatThrownBy(second::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("port " + first.port() + " is already in use");
    }
  }

  @Test
  void kafkaRefusesAPortInUseWithAClearMessage() throws Exception {
    try (LocalRedis redis = new LocalRedis(temp.resolve("r"), 0)) {
      redis.start();
      LocalKafka kafka = new LocalKafka(temp.resolve("k"), redis.port(), 0);
      assertThatThrownBy(kafka::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("port " + redis.port() + " is already in use");
      assertThat(kafka.isRunning()).isFalse();
    }
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class.getName(),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class.getName(),
            ProducerConfig.ACKS_CONFIG,
            "all"));
  }

  private static List<ConsumerRecord<String, String>> readAll(
      String bootstrap, TopicPartition tp, int expected) {
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      return records;
    }
  }
}
