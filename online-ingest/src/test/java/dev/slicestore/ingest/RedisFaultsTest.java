package dev.slicestore.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.testing.Seeds;
import dev.slicestore.testkit.RedisFixture;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * online-ingest's sink when Redis fails, caused for real on a real redis-server: a write Redis
 * refuses ({@code maxmemory} with {@code noeviction}) fails the task loudly with the reply, counts
 * nothing of the refused batch as written, and the same records written again once Redis has room
 * give exactly the oracle's features; a write that fails for a passing reason ({@code CLIENT PAUSE
 * WRITE} longer than the socket timeout) is retried until it succeeds, exactly once in effect.
 */
class RedisFaultsTest {
  private static final int EVENTS = 3_000;

  RedisFixture redis;
  UnifiedJedis admin;

  @BeforeEach
  void start() throws Exception {
    ExecutorResources.closeAll();
    redis = RedisFixture.start();
    admin = redis.client(5_000);
  }

  @AfterEach
  void stop() throws Exception {
    ExecutorResources.closeAll();
    admin.close();
    redis.close();
  }

  private AppConfig config() {
    // no dead letters in these tests: the Kafka endpoint is never used
    return AppConfig.load(null).withEndpoints("127.0.0.1:9", List.of(redis.node()));
  }

  private long usedMemory() {
    String info = admin.info("memory");
    return Long.parseLong(info.replaceAll("(?s).*used_memory:(\\d+).*", "$1"));
  }

  private long fieldsInRedis() {
    long fields = 0;
    for (String key : admin.keys("ss:*")) {
      fields += admin.hlen(key);
    }
    return fields;
  }

  @Test
  void aRefusedWriteFailsTheTaskAndCountsNothingOfItsBatch() {
    CardPayments data = new CardPayments(Seeds.random("RedisFaultsTest.refused"), EVENTS);
    admin.configSet("maxmemory-policy", "noeviction");
    admin.configSet("maxmemory", Long.toString(usedMemory() + 100_000));

    IngestMetrics refused = data.metrics("redis_faults_refused");
    assertThatThrownBy(() -> data.write(config(), refused))
        .isInstanceOf(RedisBatch.RedisWriteException.class)
        .hasMessageContaining("Redis refused")
        .hasMessageContaining("OOM")
        .hasMessageContaining("raise maxmemory")
        .hasMessageContaining("fails before its Kafka offsets are committed");
    assertThat(refused.applied()).as("events counted as written").isLessThan(EVENTS);
    assertThat(refused.applied())
        .as("only events Redis holds count as written")
        .isLessThanOrEqualTo(fieldsInRedis());
    assertThat(refused.redisRetries()).as("a refusal is not retried").isZero();

    // what a new run from the uncommitted offsets does once Redis has room
    admin.configSet("maxmemory", "0");
    IngestMetrics again = data.metrics("redis_faults_again");
    data.write(config(), again);
    assertThat(again.applied()).isEqualTo(EVENTS);
    data.assertServedEqualsOracle(admin, Seeds.describe());
  }

  @Test
  void aPassingFailureIsRetriedUntilTheBatchIsWritten() throws Exception {
    CardPayments data = new CardPayments(Seeds.random("RedisFaultsTest.paused"), EVENTS);
    AppConfig config =
        config()
            .with("slicestore.redis.timeout", "300ms")
            .with("slicestore.ingest.retry-backoff", "100ms")
            .with("slicestore.ingest.redis-write-attempts", 8);
    data.rows(); // parse before the pause, so that the pause meets the writes
    admin.sendCommand(Protocol.Command.CLIENT, "PAUSE", "1500", "WRITE");

    IngestMetrics metrics = data.metrics("redis_faults_paused");
    data.write(config, metrics);
    assertThat(metrics.redisRetries())
        .as("writes timed out while Redis was paused, then were retried")
        .isPositive();
    assertThat(metrics.applied()).isEqualTo(EVENTS);
    data.assertServedEqualsOracle(admin, Seeds.describe());
  }
}
