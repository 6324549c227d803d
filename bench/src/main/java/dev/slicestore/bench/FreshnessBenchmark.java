package dev.slicestore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.serving.FeatureServer;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * Online-ingest's two triggers side by side: how fast each catches up with a backlog, and how soon
 * each makes a new event visible. For each repetition, each trigger in turn runs:
 *
 * <ol>
 *   <li><b>catch-up throughput</b>: {@code freshness.catch-up-events} events (300,000; 2,000 in
 *       smoke mode) already in a 2-partition topic (produced once per invocation before the first
 *       run: 5,000 card entities, seed 42, event times spread over the hour before) are read from
 *       its start by online-ingest on a fresh checkpoint, with no {@code maxOffsetsPerTrigger}
 *       limit, into a Redis emptied of the feature set's keys. The time from starting the query
 *       until Redis has executed one {@code HSET} per event ({@code INFO commandstats} after {@code
 *       CONFIG RESETSTAT}, polled every 20 ms; each event is one {@code HSET}) gives events/s,
 *       query start included. Every trigger reads the same records.
 *   <li><b>freshness</b>: online-ingest starts on a fresh checkpoint and a new 2-partition topic; a
 *       background thread produces {@code freshness.load} events/s (5,000 card entities); after a
 *       warm-up, a probe event with a new entity key is produced every 100 ms and the time from
 *       just before its send until the in-process {@code GetFeatures} (polled every 0.2 ms) counts
 *       it is recorded (ms, HdrHistogram). Freshness includes Kafka's produce acknowledgement path,
 *       the trigger's batching, the Redis write and one serving read.
 * </ol>
 *
 * The report has one table: per trigger, the median catch-up events/s and freshness p50 / p99 /
 * max, and their ratio micro-batch ÷ real-time (the median of the per-repetition ratios).
 */
public final class FreshnessBenchmark implements Benchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The triggers, in the order they run and appear in the report. */
  private static final List<String> MODES = List.of("micro-batch", "real-time");

  /** The pre-filled topic every catch-up run reads from its start. */
  private static final String CATCH_UP_TOPIC = "bench-fresh-catch-up";

  /** The run number of the warm-up catch-up, which is not counted. */
  private static final int WARM_UP = -1;

  /** {@code calls=N} in the {@code cmdstat_hset} line of {@code INFO commandstats}. */
  private static final Pattern CALLS = Pattern.compile("[:,]calls=(\\d+)");

  private static final String CONF =
      """
      name = fresh
      version = 1
      source { topics = [%s], dead-letter-topic = bench-fresh-dlq, schema { card = string, amount = double, ts = long } }
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

  /** Freshness p99 targets per trigger, ms: micro-batch within 1 s, real-time within 100 ms. */
  static final Map<String, Long> TARGET_P99_MS = Map.of("micro-batch", 1000L, "real-time", 100L);

  @Override
  public String name() {
    return "freshness";
  }

  @Override
  public String description() {
    return "micro-batch and real-time triggers: catch-up events/s Kafka → Redis, and produce → visible through GetFeatures"
        + " p50/p99/max under background load";
  }

  /**
   * One repetition of one trigger.
   *
   * @param mode the trigger
   * @param catchUpEventsPerSecond catch-up throughput, events/s
   * @param millis freshness of the probes, ms
   */
  record Run(String mode, double catchUpEventsPerSecond, Histogram millis) {}

  @Override
  public Report run(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    double seconds = o.size("freshness.seconds", 30, 3);
    double warmup = o.size("freshness.warmup-s", 10, 2);
    int load = (int) o.size("freshness.load", 1000, 200);
    long catchUpEvents = o.size("freshness.catch-up-events", 300_000, 2_000);
    ctx.kafka().createTopic("bench-fresh-dlq", 1);
    ctx.kafka().createTopic(CATCH_UP_TOPIC, 2);
    produceBacklog(ctx, catchUpEvents);
    FeatureSet catchUpFs =
        FeatureSetLoader.parse(String.format(CONF, CATCH_UP_TOPIC), "fresh.conf");
    // the first queries of this JVM also pay for loading and compiling Spark's code: one catch-up
    // per
    // trigger first, not counted
    for (String mode : MODES) {
      ctx.say(
          "warm-up catch-up (%s, not counted): %,.0f events/s",
          mode, catchUp(ctx, catchUpFs, mode, WARM_UP, catchUpEvents));
    }
    Map<String, List<Run>> runs = new LinkedHashMap<>();
    for (int r = 0; r < o.runs(); r++) {
      for (String mode : MODES) {
        double catchUp = catchUp(ctx, catchUpFs, mode, r, catchUpEvents);
        // a new topic per run, read from its start: no backlog, and no "latest" offsets to resolve
        String topic = "bench-fresh-" + mode + "-" + r;
        ctx.kafka().createTopic(topic, 2);
        FeatureSet fs = FeatureSetLoader.parse(String.format(CONF, topic), "fresh.conf");
        Histogram h = freshness(ctx, fs, mode, r, seconds, warmup, load);
        runs.computeIfAbsent(mode, m -> new ArrayList<>()).add(new Run(mode, catchUp, h));
      }
    }
    return report(ctx, runs, catchUpEvents, seconds, warmup, load);
  }

  private Report report(
      BenchContext ctx,
      Map<String, List<Run>> runs,
      long catchUpEvents,
      double seconds,
      double warmup,
      int load)
      throws java.io.IOException {
    BenchContext.Options o = ctx.options();
    Report report =
        new Report(
            name(),
            "Triggers: catch-up throughput and freshness (produce → visible through GetFeatures)");
    Benchmark.header(
        report,
        ctx,
        String.format(
            "generated card transactions (5,000 cards) on 2-partition topics; online-ingest on"
                + " Spark local[2] with a fresh checkpoint per run. Catch-up: %,d events (seed 42, event times in the last hour) already in"
                + " the topic, read from its start with no maxOffsetsPerTrigger limit into a Redis without the feature set's keys, timed"
                + " from the query's start until Redis has executed one HSET per event. Freshness: a new topic per run read from its start;"
                + " background load %,d events/s; a probe every 100 ms for %.0f s after a %.0f s warm-up; GetFeatures in-process, counting"
                + " the probe's entity over 1 h",
            catchUpEvents, load, seconds, warmup));
    List<List<String>> rows = new ArrayList<>();
    Map<String, List<Double>> series = new LinkedHashMap<>();
    for (Map.Entry<String, List<Run>> e : runs.entrySet()) {
      List<Run> rs = e.getValue();
      double catchUp = Stats.median(rs, Run::catchUpEventsPerSecond);
      double p50 = Stats.median(rs, x -> x.millis().getValueAtPercentile(50));
      double p99 = Stats.median(rs, x -> x.millis().getValueAtPercentile(99));
      double max = Stats.median(rs, x -> x.millis().getMaxValue());
      long target = TARGET_P99_MS.get(e.getKey());
      rows.add(
          List.of(
              e.getKey(),
              String.format("%,.0f", catchUp)
                  + (rs.size() > 1
                      ? " (" + Stats.range(rs, Run::catchUpEventsPerSecond, "%,.0f") + ")"
                      : ""),
              String.format("%.0f", p50),
              String.format("%.0f", p99),
              String.format("%.0f", max),
              String.valueOf(rs.stream().mapToLong(x -> x.millis().getTotalCount()).sum()),
              String.format(
                  "≤ %d ms: %s",
                  target,
                  p99 <= target ? "met" : String.format("missed by %.0f ms", p99 - target))));
      series.put(e.getKey(), List.of(p50, p99, max));
    }
    List<Run> micro = runs.get("micro-batch");
    List<Run> realTime = runs.get("real-time");
    rows.add(
        List.of(
            "ratio micro-batch ÷ real-time",
            ratio(micro, realTime, Run::catchUpEventsPerSecond),
            ratio(micro, realTime, x -> x.millis().getValueAtPercentile(50)),
            ratio(micro, realTime, x -> x.millis().getValueAtPercentile(99)),
            ratio(micro, realTime, x -> x.millis().getMaxValue()),
            "",
            ""));
    report.table(
        List.of(
            "trigger",
            ">catch-up events/s",
            ">freshness p50 ms",
            ">p99 ms",
            ">max ms",
            ">probes",
            "target p99"),
        rows);
    report.paragraph(
        "Catch-up events/s: the backlog's events over the seconds from starting the query (its start included) until"
            + " every event is in Redis"
            + (o.runs() > 1 ? "; median (min–max) of the runs" : "")
            + ". Freshness: ms from just before a"
            + " probe's send until GetFeatures counts it"
            + (o.runs() > 1 ? ", medians of the runs' percentiles" : "")
            + "; probes: all"
            + " runs together. The last row divides micro-batch's number by real-time's (the median of the per-run ratios): above 1 in"
            + " the catch-up column, micro-batch catches up that many times faster; above 1 in a freshness column, real-time makes an"
            + " event visible that many times sooner.");
    Path png =
        Charts.percentiles(
            o.outDir().resolve("freshness.png"),
            "Freshness, produce → GetFeatures (log scale)",
            "ms",
            List.of("p50", "p99", "max"),
            series);
    report.chart(png, "freshness");
    return report;
  }

  /**
   * @return the median over repetitions of {@code f(a) / f(b)} (runs paired by repetition),
   *     formatted like {@code 1.68×} or {@code 175×}; {@code n/a} if some {@code f(b)} is 0
   */
  private static String ratio(
      List<Run> a, List<Run> b, java.util.function.ToDoubleFunction<Run> f) {
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      double denominator = f.applyAsDouble(b.get(i));
      if (denominator == 0) {
        return "n/a";
      }
      ratios.add(f.applyAsDouble(a.get(i)) / denominator);
    }
    double r = Stats.median(ratios, x -> x);
    return String.format(r >= 10 ? "%.0f×" : "%.2f×", r);
  }

  /**
   * Produces the catch-up backlog into {@link #CATCH_UP_TOPIC}: {@code events} events, seed 42,
   * event times in the last hour.
   */
  private static void produceBacklog(BenchContext ctx, long events) throws java.io.IOException {
    long t0 = System.nanoTime();
    Random rnd = new Random(42);
    try (KafkaProducer<byte[], byte[]> producer = producer(ctx)) {
      long now = System.currentTimeMillis();
      for (long i = 0; i < events; i++) {
        producer.send(
            record(
                CATCH_UP_TOPIC,
                "card-" + rnd.nextInt(5000),
                now - rnd.nextInt(3_600_000),
                rnd.nextDouble() * 100));
      }
      producer.flush();
    }
    ctx.say(
        "catch-up backlog: %,d events produced into %s in %.1f s",
        events, CATCH_UP_TOPIC, (System.nanoTime() - t0) / 1e9);
  }

  /**
   * Runs online-ingest with trigger {@code mode} over the backlog from a fresh checkpoint until
   * every event is in Redis.
   *
   * @return events/s, query start included
   * @throws IllegalStateException if the query stops, or has not caught up within 120 s plus 1 s
   *     per 1,000 events
   */
  private static double catchUp(BenchContext ctx, FeatureSet fs, String mode, int run, long events)
      throws Exception {
    ctx.log()
        .printf(
            "== freshness: %s, %s: catch-up%n",
            mode, run == WARM_UP ? "warm-up" : "run " + (run + 1));
    UnifiedJedis redis = ctx.redis();
    OnlineLayout layout = new OnlineLayout(fs);
    BenchContext.deleteKeys(redis, layout.keyPrefix() + "*");
    BenchContext.deleteKeys(redis, layout.indexKeyPrefix() + "*");
    AppConfig app =
        ctx.app()
            .with("slicestore.ingest.trigger", mode)
            .with("slicestore.ingest.max-offsets-per-trigger", 0);
    Path checkpoint =
        ctx.freshDir(
            "checkpoints/fresh-catch-up-" + mode + "-" + (run == WARM_UP ? "warm-up" : run));
    redis.executeCommand(new CommandArguments(Protocol.Command.CONFIG).add("RESETSTAT"));
    long deadline = System.nanoTime() + (120 + events / 1000) * 1_000_000_000L;
    long start = System.nanoTime();
    RunningIngest ingest =
        OnlineIngest.start(ctx.spark(), app, fs, checkpoint.toAbsolutePath().toString());
    try {
      long written;
      while ((written = hsetCalls(redis)) < events) {
        if (!ingest.query().isActive()) {
          throw new IllegalStateException(
              "Cannot measure catch-up: online-ingest ("
                  + mode
                  + ") stopped after "
                  + written
                  + " of "
                  + events
                  + " events",
              ingest.query().exception().isDefined() ? ingest.query().exception().get() : null);
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Cannot measure catch-up: online-ingest ("
                  + mode
                  + ") wrote "
                  + written
                  + " of "
                  + events
                  + " events in "
                  + (System.nanoTime() - start) / 1_000_000_000L
                  + " s");
        }
        Thread.sleep(20);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      ctx.say(
          "%s: caught up with %,d events in %.1f s = %,.0f events/s (query start included)",
          mode, events, seconds, events / seconds);
      return events / seconds;
    } finally {
      ingest.stop();
    }
  }

  /**
   * @return the {@code HSET}s Redis has executed since the last {@code CONFIG RESETSTAT}
   */
  private static long hsetCalls(UnifiedJedis redis) {
    for (String line : redis.info("commandstats").split("\\r?\\n")) {
      if (line.startsWith("cmdstat_hset:")) {
        Matcher m = CALLS.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
      }
    }
    return 0;
  }

  private static KafkaProducer<byte[], byte[]> producer(BenchContext ctx)
      throws java.io.IOException {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.kafka().bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    return new KafkaProducer<>(p);
  }

  /**
   * Measures the freshness of trigger {@code mode} on the (new, empty) topic of {@code fs}; @return
   * the probes' freshness, ms
   */
  private static Histogram freshness(
      BenchContext ctx,
      FeatureSet fs,
      String mode,
      int run,
      double seconds,
      double warmup,
      int load)
      throws Exception {
    ctx.log().printf("== freshness: %s, run %d: freshness%n", mode, run + 1);
    AppConfig app = ctx.app().with("slicestore.ingest.trigger", mode);
    Path checkpoint = ctx.freshDir("checkpoints/fresh-" + mode + "-" + run);
    String name = InProcessServerBuilder.generateName();
    FeatureServer server =
        new FeatureServer(
                InProcessServerBuilder.forName(name).directExecutor(),
                Map.of(fs.name(), fs),
                ctx.redis(),
                List.of(),
                Clock.systemUTC())
            .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    RunningIngest ingest =
        OnlineIngest.start(ctx.spark(), app, fs, checkpoint.toAbsolutePath().toString());
    AtomicBoolean running = new AtomicBoolean(true);
    try (KafkaProducer<byte[], byte[]> producer = producer(ctx)) {
      String topic = fs.topics().get(0);
      Thread background =
          new Thread(() -> background(producer, topic, load, running), "freshness-background-load");
      background.start();
      try {
        FeatureServiceGrpc.FeatureServiceBlockingStub stub =
            FeatureServiceGrpc.newBlockingStub(channel);
        String prefix = "probe-" + mode + "-" + run + "-" + System.nanoTime() + "-";
        probes(producer, topic, stub, prefix + "warmup-", warmup, null);
        Histogram h = new Histogram(600_000, 3);
        probes(producer, topic, stub, prefix, seconds, h);
        ctx.say(
            "%s: %d probes, p50 %d ms, p99 %d ms, max %d ms",
            mode,
            h.getTotalCount(),
            h.getValueAtPercentile(50),
            h.getValueAtPercentile(99),
            h.getMaxValue());
        return h;
      } finally {
        running.set(false);
        background.join();
      }
    } finally {
      channel.shutdownNow();
      server.stop();
      ingest.stop();
    }
  }

  /**
   * Sends probes every 100 ms for {@code seconds}; records into {@code h} unless null (warm-up).
   */
  private static void probes(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      FeatureServiceGrpc.FeatureServiceBlockingStub stub,
      String prefix,
      double seconds,
      Histogram h)
      throws InterruptedException {
    long end = System.currentTimeMillis() + (long) (seconds * 1000);
    int i = 0;
    boolean first = true;
    while (System.currentTimeMillis() < end || first) {
      first = false;
      String card = prefix + i++;
      long sent = System.currentTimeMillis();
      producer.send(record(topic, card, sent - 1, 1.0));
      while (count(stub, card) == 0) {
        if (System.currentTimeMillis() - sent > 60_000) {
          throw new IllegalStateException("Probe " + card + " not visible after 60 s");
        }
        Thread.sleep(0, 200_000);
      }
      if (h != null) {
        h.recordValue(Math.min(System.currentTimeMillis() - sent, 600_000));
      }
      Thread.sleep(100);
    }
  }

  private static void background(
      KafkaProducer<byte[], byte[]> producer, String topic, int load, AtomicBoolean running) {
    long next = System.nanoTime();
    long intervalNanos = 1_000_000_000L / Math.max(1, load);
    Random r = new Random(7);
    while (running.get()) {
      producer.send(
          record(
              topic, "card-" + r.nextInt(5000), System.currentTimeMillis(), r.nextDouble() * 100));
      next += intervalNanos;
      long sleep = next - System.nanoTime();
      if (sleep > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(sleep);
      }
    }
  }

  /**
   * The probe's count over the last hour: a 1-minute window would lose a probe sent just before a
   * minute boundary (the window then covers only the new minute's slice) and never see it.
   */
  private static long count(FeatureServiceGrpc.FeatureServiceBlockingStub stub, String card) {
    return stub.getFeatures(
            GetFeaturesRequest.newBuilder()
                .setFeatureSet("fresh")
                .addEntityKeys(card)
                .addFeatures("tx_1h")
                .build())
        .getEntities(0)
        .getValues(0)
        .getInt64Value();
  }

  private static ProducerRecord<byte[], byte[]> record(
      String topic, String card, long ts, double amount) {
    try {
      return new ProducerRecord<>(
          topic,
          card.getBytes(StandardCharsets.UTF_8),
          JSON.writeValueAsBytes(Map.of("card", card, "amount", amount, "ts", ts)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
