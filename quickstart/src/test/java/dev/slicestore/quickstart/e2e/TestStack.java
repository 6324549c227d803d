package dev.slicestore.quickstart.e2e;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.quickstart.stack.LocalKafka;
import dev.slicestore.quickstart.stack.LocalRedis;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** A real Kafka broker (KRaft, in this JVM) and a real redis-server child, on free ports. */
final class TestStack implements AutoCloseable {
  final LocalKafka kafka;
  final LocalRedis redis;
  final AppConfig config;

  TestStack(Path dir) throws Exception {
    kafka = new LocalKafka(dir.resolve("kafka"), 0, 0);
    kafka.start();
    redis = new LocalRedis(dir.resolve("redis"), 0);
    redis.start();
    config = AppConfig.load(null)
        .withEndpoints(kafka.bootstrapServers(), List.of(redis.host() + ":" + redis.port()))
        .with("slicestore.state-dir", dir.resolve("state").toString());
  }

  static SparkSession spark() {
    return SparkSession.builder().master("local[2]").appName("slicestore-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @Override
  public void close() {
    redis.close();
    kafka.close();
  }
}
