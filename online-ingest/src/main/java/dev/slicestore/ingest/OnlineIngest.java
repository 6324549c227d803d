package dev.slicestore.ingest;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.spark.EventPipeline;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and starts the online-ingest streaming query for one feature set: Kafka → JSON parse with
 * the declared schema → transforms and filter (Spark SQL) → validation → one {@code HSET} of each
 * event's row pre-aggregate into its (entity, slice) hash. Row-level only: no shuffle, no
 * aggregation, no state store; the only checkpointed state is the Kafka offsets.
 *
 * <p>The same plan runs under a micro-batch trigger or Spark 4.1's real-time mode (both allow
 * map-like operators and the {@code ForeachWriter} sink), chosen by {@code
 * slicestore.ingest.trigger}.
 *
 * <p>Transforms are evaluated with ANSI mode off for this query's session, so a bad value in one
 * row yields null (and then a dead-lettered or filtered row) instead of failing the query.
 *
 * <p>Driver-side; not thread-safe.
 */
public final class OnlineIngest {
  private static final Logger LOG = LoggerFactory.getLogger(OnlineIngest.class);

  private OnlineIngest() {}

  /**
   * Builds the transformed, filtered-flagged stream (everything but the sink).
   *
   * @throws ConfigProblemException if a transform or the filter is not valid Spark SQL for the
   *     schema, naming the file, the path and Spark's message
   */
  static Dataset<Row> buildStream(
      SparkSession spark, AppConfig app, FeatureSet fs, boolean realTime) {
    DataStreamReader reader =
        spark
            .readStream()
            .format("kafka")
            .option("kafka.bootstrap.servers", app.kafkaBootstrapServers())
            .option("subscribe", String.join(",", fs.topics()))
            .option("startingOffsets", app.ingestStartingOffsets())
            .option("includeHeaders", "false");
    app.kafkaProperties().forEach((k, v) -> reader.option("kafka." + k, v));
    if (!realTime && app.ingestMaxOffsetsPerTrigger() > 0) {
      reader.option("maxOffsetsPerTrigger", app.ingestMaxOffsetsPerTrigger());
    }
    return EventPipeline.parseAndTransform(spark, reader.load(), fs);
  }

  /**
   * Creates the dead-letter topic when it does not exist (with the broker's default replication),
   * so that dead-letter sends never block waiting for a topic; warns about missing source topics
   * (the query waits for them).
   *
   * @throws IllegalStateException if Kafka cannot be reached or the topic cannot be created, naming
   *     the topic and the cause
   */
  static void checkTopics(AppConfig app, FeatureSet fs) {
    Map<String, Object> props = new HashMap<>(app.kafkaProperties());
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, app.kafkaBootstrapServers());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(props)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      for (String topic : fs.topics()) {
        if (!existing.contains(topic)) {
          LOG.warn("Source topic {} does not exist yet; online-ingest waits for it", topic);
        }
      }
      if (!existing.contains(fs.deadLetterTopic())) {
        admin
            .createTopics(
                List.of(new NewTopic(fs.deadLetterTopic(), Optional.empty(), Optional.empty())))
            .all()
            .get(30, TimeUnit.SECONDS);
        LOG.info("Created the dead-letter topic {}", fs.deadLetterTopic());
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return;
      }
      throw new IllegalStateException(
          "Cannot prepare the dead-letter topic "
              + fs.deadLetterTopic()
              + " on Kafka "
              + app.kafkaBootstrapServers()
              + ": "
              + e.getCause().getMessage(),
          e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while checking Kafka topics", e);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + app.kafkaBootstrapServers() + " did not answer within 30 s", e);
    }
  }

  /**
   * Starts the query.
   *
   * @param spark the session (its {@code spark.sql.ansi.enabled} is set to false)
   * @param app deployment configuration (Kafka, Redis, trigger)
   * @param fs the feature set
   * @param checkpointDir the query's checkpoint location (Kafka offsets); reuse it to resume
   * @return the running query and its counters
   * @throws ConfigProblemException if a transform or filter is invalid
   * @throws TimeoutException if Spark cannot start the query
   * @throws IllegalStateException if Kafka cannot be reached or the dead-letter topic cannot be
   *     created
   */
  public static RunningIngest start(
      SparkSession spark, AppConfig app, FeatureSet fs, String checkpointDir)
      throws TimeoutException {
    spark.conf().set("spark.sql.ansi.enabled", "false");
    checkTopics(app, fs);
    boolean realTime = app.ingestTrigger() == AppConfig.IngestTrigger.REAL_TIME;
    Dataset<Row> stream = buildStream(spark, app, fs, realTime);
    String queryName = "online_ingest_" + fs.name() + "_v" + fs.version();
    IngestMetrics metrics = new IngestMetrics(spark.sparkContext(), queryName);
    SliceWriter writer = new SliceWriter(app, fs, stream.schema(), metrics, realTime);
    DataStreamWriter<Row> w =
        stream
            .writeStream()
            .queryName(queryName)
            .outputMode("update")
            .option("checkpointLocation", checkpointDir)
            .foreach(writer);
    if (realTime) {
      w = w.trigger(Trigger.RealTime(app.ingestRealTimeBatchMillis(), TimeUnit.MILLISECONDS));
    } else {
      w = w.trigger(Trigger.ProcessingTime(app.ingestIntervalMillis(), TimeUnit.MILLISECONDS));
    }
    IngestProgressLogger listener = new IngestProgressLogger(queryName, metrics);
    spark.streams().addListener(listener);
    StreamingQuery query = w.start();
    LOG.info(
        "Started online-ingest for feature set {} v{}: topics {} -> Redis {} ({} trigger), checkpoint {}, dead letters to {}",
        fs.name(),
        fs.version(),
        fs.topics(),
        app.redisNodes(),
        realTime ? "real-time" : "micro-batch",
        checkpointDir,
        fs.deadLetterTopic());
    return new RunningIngest(query, metrics, listener, spark, realTime);
  }
}
