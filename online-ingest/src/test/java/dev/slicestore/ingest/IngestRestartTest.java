package dev.slicestore.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.testing.FeatureSetFixtures;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.testkit.ChildJvm;
import dev.slicestore.testkit.CliRun;
import dev.slicestore.testkit.TestStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.UnifiedJedis;

/**
 * The online-ingest job when Redis refuses its writes ({@code maxmemory} with {@code noeviction}),
 * caused for real with Kafka holding seeded card payments: with {@code --stop-when-idle} the job
 * exits 1 and its failed batch's offsets stay uncommitted, so a second run from the same checkpoint
 * after Redis has room serves exactly the oracle's features; running continuously, the failed query
 * is restarted from its checkpoint (logged, with the Redis reply) until Redis has room, and then
 * serves exactly the oracle's features, nothing lost or counted twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestRestartTest {
  private static final int EVENTS = 2_000;

  @TempDir static Path dir;
  TestStack stack;
  CardPayments data;
  UnifiedJedis admin;

  @BeforeAll
  void start() throws Exception {
    stack = new TestStack(dir);
    data = new CardPayments(Seeds.random("IngestRestartTest"), EVENTS);
    stack.kafka.createTopic(data.fs.topics().get(0), 2);
    stack.kafka.createTopic(data.fs.deadLetterTopic(), 1);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (Row r : data.kafka) {
        producer.send(
            new ProducerRecord<>(data.fs.topics().get(0), r.getInt(3), null, (byte[]) r.get(1)));
      }
    }
    admin = stack.redis.client(5_000);
  }

  @AfterAll
  void stop() {
    admin.close();
    stack.close();
  }

  /** Lets Redis hold about 50 KB more than it holds now, refusing writes beyond. */
  private void tightenMaxmemory() {
    admin.configSet("maxmemory-policy", "noeviction");
    long used = Long.parseLong(admin.info("memory").replaceAll("(?s).*used_memory:(\\d+).*", "$1"));
    admin.configSet("maxmemory", Long.toString(used + 50_000));
  }

  private List<String> args(Path checkpoint, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "--feature-set", FeatureSetFixtures.shippedFile("cards").toString(),
                "--bootstrap-servers", stack.kafka.bootstrapServers(),
                "--redis", stack.redis.node(),
                "--checkpoint", checkpoint.toString(),
                "--master", "local[2]"));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void stopWhenIdleExitsOneAndASecondRunFromTheCheckpointIsExact() {
    admin.flushAll();
    tightenMaxmemory();
    Path checkpoint = dir.resolve("checkpoint-idle");
    CliRun failed =
        CliRun.run(
            new OnlineIngestJob(), args(checkpoint, "--stop-when-idle").toArray(String[]::new));
    assertThat(failed.exitCode()).as("exit code when Redis refuses writes").isEqualTo(1);

    admin.configSet("maxmemory", "0");
    CliRun again =
        CliRun.run(
            new OnlineIngestJob(), args(checkpoint, "--stop-when-idle").toArray(String[]::new));
    assertThat(again.exitCode()).isZero();
    data.assertServedEqualsOracle(admin, Seeds.describe());
  }

  @Test
  void aFailedContinuousQueryIsRestartedUntilRedisHasRoom() throws Exception {
    admin.flushAll();
    tightenMaxmemory();
    Path config = dir.resolve("restart.conf");
    Files.writeString(
        config, "slicestore.ingest { restart-backoff = 500ms, max-restart-backoff = 2s }\n");
    Path log = dir.resolve("ingest-restart.log");
    Process job =
        ChildJvm.start(
            OnlineIngestJob.class,
            args(dir.resolve("checkpoint-restart"), "--config", config.toString()),
            log);
    try {
      long deadline = System.currentTimeMillis() + 180_000;
      while (System.currentTimeMillis() < deadline
          && job.isAlive()
          && !Files.readString(log).contains("Restarting from checkpoint")) {
        Thread.sleep(200);
      }
      String before = Files.readString(log);
      assertThat(before).as("the job's log (%s)", log).contains("Restarting from checkpoint");
      assertThat(before).contains("OOM").contains("raise maxmemory");

      admin.configSet("maxmemory", "0");
      while (System.currentTimeMillis() < deadline && job.isAlive()) {
        Map<String, Map<String, Object>> served = data.served(admin, data.now);
        if (served.size() == CardPayments.CARDS
            && served.entrySet().stream()
                .allMatch(e -> e.getValue().equals(data.oracle(e.getKey(), data.now)))) {
          break;
        }
        Thread.sleep(500);
      }
      assertThat(job.isAlive()).as("the job keeps running (log: %s)", log).isTrue();
      data.assertServedEqualsOracle(admin, Seeds.describe());
    } finally {
      job.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
