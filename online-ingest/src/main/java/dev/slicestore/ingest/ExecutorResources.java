package dev.slicestore.ingest;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.online.RedisClients;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import redis.clients.jedis.UnifiedJedis;

/**
 * One Redis client ({@link RedisClients#shared}) and one dead-letter Kafka producer per executor
 * JVM, shared by every task of that JVM (both are thread-safe) and closed when the JVM exits. Keyed
 * by the endpoints so that two queries with different stores in one JVM do not share clients.
 */
final class ExecutorResources {
  private static final Map<String, KafkaProducer<byte[], byte[]>> PRODUCERS =
      new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(ExecutorResources::closeAll, "slicestore-executor-resources"));
  }

  private ExecutorResources() {}

  static UnifiedJedis redis(AppConfig config) {
    return RedisClients.shared(config);
  }

  static KafkaProducer<byte[], byte[]> deadLetterProducer(AppConfig config) {
    return PRODUCERS.computeIfAbsent(
        config.kafkaBootstrapServers(),
        k -> {
          Properties p = new Properties();
          p.putAll(config.kafkaProperties());
          p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrapServers());
          p.put(ProducerConfig.ACKS_CONFIG, "all");
          p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
          p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
          p.put(ProducerConfig.CLIENT_ID_CONFIG, "slicestore-dead-letter");
          p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
          p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
          return new KafkaProducer<>(p);
        });
  }

  /** Closes every shared client (tests that restart a query in one JVM, and JVM exit). */
  static synchronized void closeAll() {
    RedisClients.closeShared();
    PRODUCERS.values().forEach(KafkaProducer::close);
    PRODUCERS.clear();
  }
}
