package dev.slicestore.quickstart.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.quickstart.stack.LocalKafka;
import dev.slicestore.quickstart.stack.LocalRedis;
import dev.slicestore.serving.FeatureServer;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import redis.clients.jedis.UnifiedJedis;

/**
 * Measures online-ingest's two triggers side by side on one machine, to choose the default:
 * <ol>
 *   <li><b>catch-up throughput</b>: N events already in Kafka (2 partitions), time until all are
 *       in Redis, events/s;
 *   <li><b>freshness</b>: with a steady background load, a probe event is produced every
 *       {@code --probe-interval-ms}, and the time from just before its send to the moment
 *       {@code GetFeatures} (in-process gRPC, the real server) counts it is recorded in an
 *       HdrHistogram: p50 / p99 / max.
 * </ol>
 * Each mode runs on a fresh local stack (in-process KRaft Kafka, redis-server child) and a fresh
 * checkpoint. Prints a markdown table.
 */
@Command(name = "bench-triggers", mixinStandardHelpOptions = true,
    description = "Benchmark online-ingest's micro-batch and real-time triggers (throughput, freshness).")
public final class TriggerModesBenchmark implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONF = """
      name = bench
      version = 1
      source { topics = [bench-events], schema { card = string, amount = double, ts = long } }
      entity-key = card
      event-time { column = ts, format = epoch-millis }
      slice = 1m
      windows = [1m, 1h, 1d]
      allowed-lateness = 1m
      aggregations = [
        { name = tx, function = count }
        { name = amount_sum, function = sum, input = amount }
        { name = amount_max, function = max, input = amount }
      ]
      """;

  @Option(names = "--catch-up-events", description = "Events for the throughput run (default: ${DEFAULT-VALUE}).")
  int catchUpEvents = 300_000;

  @Option(names = "--load", description = "Background load during the freshness run, events/s (default: ${DEFAULT-VALUE}).")
  int load = 1000;

  @Option(names = "--seconds", description = "Length of the freshness run (default: ${DEFAULT-VALUE}).")
  int seconds = 30;

  @Option(names = "--probe-interval-ms", description = "Time between probe events (default: ${DEFAULT-VALUE}).")
  int probeIntervalMillis = 100;

  @Option(names = "--modes", split = ",", description = "Triggers to run (default: micro-batch,real-time).")
  List<String> modes = List.of("micro-batch", "real-time");

  record Result(String mode, double catchUpEventsPerSecond, Histogram freshness) {}

  @Override
  public Integer call() throws Exception {
    FeatureSet fs = FeatureSetLoader.parse(CONF, "bench.conf");
    List<Result> results = new ArrayList<>();
    for (String mode : modes) {
      results.add(run(fs, mode));
    }
    System.out.printf("%nMachine: %d cores, %d MiB max heap, Java %s; Spark local[2], Kafka 4.2.1 and Redis on the same machine.%n",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
    System.out.printf("Command: bin/slicestore bench-triggers --catch-up-events %d --load %d --seconds %d --probe-interval-ms %d%n%n",
        catchUpEvents, load, seconds, probeIntervalMillis);
    System.out.println("| trigger | catch-up throughput (events/s) | freshness p50 | p99 | max | probes |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      Histogram h = r.freshness();
      System.out.printf("| %s | %,.0f | %d ms | %d ms | %d ms | %d |%n", r.mode(), r.catchUpEventsPerSecond(),
          h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), h.getTotalCount());
    }
    return 0;
  }

  private Result run(FeatureSet fs, String mode) throws Exception {
    Path dir = Files.createTempDirectory("slicestore-bench-");
    System.out.println("== " + mode + ": fresh stack in " + dir);
    try (LocalKafka kafka = new LocalKafka(dir.resolve("kafka"), 0, 0); LocalRedis redisServer = new LocalRedis(dir.resolve("redis"), 0)) {
      kafka.start();
      redisServer.start();
      kafka.createTopic("bench-events", 2);
      kafka.createTopic("bench-events-dlq", 1);
      AppConfig app = AppConfig.load(null)
          .withEndpoints(kafka.bootstrapServers(), List.of(redisServer.host() + ":" + redisServer.port()))
          .with("slicestore.ingest.trigger", mode)
          .with("slicestore.ingest.max-offsets-per-trigger", 0);
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
      Random rnd = new Random(42);
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p); UnifiedJedis redis = RedisClients.create(app)) {
        long now = System.currentTimeMillis();
        for (int i = 0; i < catchUpEvents; i++) {
          producer.send(record("card-" + rnd.nextInt(5000), now - rnd.nextInt(3_600_000), rnd.nextDouble() * 100));
        }
        producer.flush();
        SparkSession spark = SparkSession.builder().master("local[2]").appName("bench " + mode)
            .config("spark.ui.enabled", "false").getOrCreate();
        long start = System.nanoTime();
        RunningIngest ingest = OnlineIngest.start(spark, app, fs, dir.resolve("checkpoint").toString());
        String name = InProcessServerBuilder.generateName();
        FeatureServer server = new FeatureServer(InProcessServerBuilder.forName(name).directExecutor(), Map.of(fs.name(), fs), redis,
            app.redisNodes(), Clock.systemUTC()).start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        try {
          while (fieldCount(redis) < catchUpEvents) {
            Thread.sleep(20);
          }
          double seconds = (System.nanoTime() - start) / 1e9;
          double throughput = catchUpEvents / seconds;
          System.out.printf("   caught up with %,d events in %.1f s (%,.0f events/s, including query start)%n", catchUpEvents, seconds, throughput);
          Histogram h = freshness(producer, FeatureServiceGrpc.newBlockingStub(channel), rnd);
          return new Result(mode, throughput, h);
        } finally {
          channel.shutdownNow();
          server.stop();
          ingest.stop();
          spark.stop();
        }
      }
    }
  }

  private Histogram freshness(KafkaProducer<byte[], byte[]> producer, FeatureServiceGrpc.FeatureServiceBlockingStub stub, Random rnd)
      throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    Thread background = new Thread(() -> {
      long next = System.nanoTime();
      long intervalNanos = 1_000_000_000L / Math.max(1, load);
      Random r = new Random(7);
      while (running.get()) {
        producer.send(record("card-" + r.nextInt(5000), System.currentTimeMillis(), r.nextDouble() * 100));
        next += intervalNanos;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          try {
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "background-load");
    background.start();
    Histogram h = new Histogram(60_000, 3);
    long end = System.currentTimeMillis() + seconds * 1000L;
    int probe = 0;
    try {
      while (System.currentTimeMillis() < end) {
        String card = "probe-" + probe++;
        long sent = System.currentTimeMillis();
        producer.send(record(card, sent - 1, 1.0));
        while (count(stub, card) == 0) {
          if (System.currentTimeMillis() - sent > 60_000) {
            throw new IllegalStateException("probe " + card + " not visible after 60 s");
          }
          Thread.sleep(0, 200_000);
        }
        h.recordValue(System.currentTimeMillis() - sent);
        Thread.sleep(probeIntervalMillis);
      }
    } finally {
      running.set(false);
      background.join();
    }
    System.out.printf("   freshness over %d probes: p50 %d ms, p99 %d ms, max %d ms%n", h.getTotalCount(),
        h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue());
    return h;
  }

  private static long count(FeatureServiceGrpc.FeatureServiceBlockingStub stub, String card) {
    return stub.getFeatures(GetFeaturesRequest.newBuilder().setFeatureSet("bench").addEntityKeys(card).addFeatures("tx_1h").build())
        .getEntities(0).getValues(0).getInt64Value();
  }

  private static long fieldCount(UnifiedJedis redis) {
    long n = 0;
    for (String key : redis.keys("ss:bench:*")) {
      n += redis.hlen(key);
    }
    return n;
  }

  private static ProducerRecord<byte[], byte[]> record(String card, long ts, double amount) {
    try {
      byte[] value = JSON.writeValueAsBytes(Map.of("card", card, "amount", amount, "ts", ts));
      return new ProducerRecord<>("bench-events", card.getBytes(StandardCharsets.UTF_8), value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs the benchmark standalone. */
  public static void main(String[] args) {
    System.exit(new picocli.CommandLine(new TriggerModesBenchmark()).execute(args));
  }
}
