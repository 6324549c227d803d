package dev.slicestore.compaction;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Driver-side planning of the Kafka offsets a compaction run reads: per partition of every source
 * topic, from the first offset whose record timestamp is at or after a target time ({@code
 * offsetsForTimes}) to the end offset now.
 *
 * <p>Refuses a partition whose retention has deleted records that may belong to the range: when the
 * earliest available offset is above 0 and the earliest available record is already at or after the
 * target time, the records just before it (gone) may have been at or after it too, and an aggregate
 * of what is left would be partial.
 *
 * <p>Stateless; not used concurrently.
 */
final class KafkaRangePlanner {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private KafkaRangePlanner() {}

  /**
   * A run's offsets.
   *
   * @param ranges one range per partition, ordered by topic index and partition
   * @param earliestOffsets per range (same order), the earliest offset Kafka still has
   */
  record Plan(List<PartitionRange> ranges, List<Long> earliestOffsets) {}

  /**
   * @param app Kafka bootstrap servers and client properties
   * @param fs the feature set (its topics, in order)
   * @param targetMillis the earliest record timestamp that may hold an event of the range ({@code
   *     from - max clock skew}), epoch ms
   * @return one range per partition, ordered by topic index and partition, with the earliest
   *     offsets still available
   * @throws CompactionRefusedException if retention has deleted records of a partition that may
   *     belong to the range
   * @throws IllegalStateException if a topic does not exist or Kafka does not answer in 30 s
   */
  static Plan plan(AppConfig app, FeatureSet fs, long targetMillis) {
    Properties p = new Properties();
    p.putAll(app.kafkaProperties());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, app.kafkaBootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "slicestore-compaction-planner");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
      List<TopicPartition> partitions = new ArrayList<>();
      Map<String, Integer> topicIndex = new HashMap<>();
      for (int t = 0; t < fs.topics().size(); t++) {
        String topic = fs.topics().get(t);
        topicIndex.put(topic, t);
        List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
        if (infos == null || infos.isEmpty()) {
          throw new IllegalStateException(
              "Cannot compact feature set "
                  + fs.name()
                  + ": source topic "
                  + topic
                  + " does not exist on Kafka "
                  + app.kafkaBootstrapServers());
        }
        for (PartitionInfo info : infos) {
          partitions.add(new TopicPartition(topic, info.partition()));
        }
      }
      partitions.sort(
          Comparator.comparing((TopicPartition tp) -> topicIndex.get(tp.topic()))
              .thenComparingInt(TopicPartition::partition));
      Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, TIMEOUT);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
      Map<TopicPartition, Long> query = new HashMap<>();
      partitions.forEach(tp -> query.put(tp, Math.max(0, targetMillis)));
      Map<TopicPartition, OffsetAndTimestamp> byTime = consumer.offsetsForTimes(query, TIMEOUT);
      List<PartitionRange> ranges = new ArrayList<>();
      List<Long> earliest = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        long first = beginning.get(tp);
        long last = end.get(tp);
        OffsetAndTimestamp found = byTime.get(tp);
        long start = found == null ? last : found.offset();
        if (found != null && first > 0 && found.offset() == first) {
          throw new CompactionRefusedException(
              "Cannot compact feature set "
                  + fs.name()
                  + ": Kafka retention has deleted records of "
                  + tp.topic()
                  + " partition "
                  + tp.partition()
                  + " that may belong to the range: its earliest available record"
                  + " (offset "
                  + first
                  + ") has timestamp "
                  + Instant.ofEpochMilli(found.timestamp())
                  + ", already at or after "
                  + Instant.ofEpochMilli(targetMillis)
                  + " (from - max clock skew), so the deleted offsets [0, "
                  + first
                  + ") may hold events of the range. Compacting what is left would replace good state with a partial aggregate;"
                  + " compact a range whose records are all still in Kafka.");
        }
        ranges.add(
            new PartitionRange(
                tp.topic(),
                topicIndex.get(tp.topic()),
                tp.partition(),
                Math.min(start, last),
                last));
        earliest.add(first);
      }
      return new Plan(ranges, earliest);
    } catch (KafkaException e) {
      throw new IllegalStateException(
          "Cannot plan the Kafka offsets of feature set "
              + fs.name()
              + " on "
              + app.kafkaBootstrapServers()
              + ": "
              + e.getMessage(),
          e);
    }
  }
}
