package dev.slicestore.testkit;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.localstack.LocalKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A real Kafka broker (KRaft, in this JVM) and a real redis-server child ({@link RedisFixture},
 * configured like production), on free ports, with the deployment configuration that points at them
 * ({@link #config}: the reference configuration with these endpoints and the state directory {@code
 * <dir>/state}).
 *
 * <p>Not thread-safe: one test class owns a stack.
 */
public final class TestStack implements AutoCloseable {
  /** The broker. */
  public final LocalKafka kafka;

  /** The Redis server. */
  public final RedisFixture redis;

  /** The configuration of the jobs and serving against this stack. */
  public final AppConfig config;

  /**
   * Starts Kafka, then Redis.
   *
   * @param dir a directory for Kafka's data ({@code kafka/}), Redis's ({@code redis/}) and the
   *     state directory ({@code state/})
   * @throws Exception if either does not start
   */
  public TestStack(Path dir) throws Exception {
    kafka = new LocalKafka(dir.resolve("kafka"), 0, 0);
    kafka.start();
    redis = RedisFixture.start(dir.resolve("redis"));
    config =
        AppConfig.load(null)
            .withEndpoints(kafka.bootstrapServers(), List.of(redis.node()))
            .with("slicestore.state-dir", dir.resolve("state").toString());
  }

  /**
   * Stops Redis, then Kafka.
   *
   * @throws UncheckedIOException if Redis cannot be stopped
   */
  @Override
  public void close() {
    try {
      redis.close();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot stop the test Redis", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      kafka.close();
    }
  }
}
