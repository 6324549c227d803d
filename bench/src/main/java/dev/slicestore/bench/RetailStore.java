package dev.slicestore.bench;

import dev.slicestore.compaction.Compaction;
import dev.slicestore.compaction.CompactionOptions;
import dev.slicestore.compaction.CompactionResult;
import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.ingest.OnlineIngest;
import dev.slicestore.ingest.RunningIngest;
import dev.slicestore.quickstart.replay.EventReplay;
import dev.slicestore.quickstart.replay.ReplayResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import redis.clients.jedis.UnifiedJedis;

/**
 * The retail online store the serving, memory and compaction benchmarks share: the UCI Online
 * Retail CSV (read in place, never copied) replayed with rebased times (the last event is now) into
 * the topic of {@code conf/feature-sets/retail.conf}, ingested by online-ingest (micro-batch) until
 * it has caught up; {@link #compact()} then compacts the closed slices of the last 31 days once. In
 * smoke mode only the first {@code retail.rows} rows (default 5,000) are replayed. Not thread-safe.
 */
public final class RetailStore {
  /** Redis memory of the feature set's slice hashes at one moment. */
  public record Memory(
      long hashes,
      long fields,
      long bytes,
      long compactedOnlyHashes,
      long compactedOnlyBytes,
      long indexKeys,
      long indexBytes) {}

  private final BenchContext ctx;
  private final FeatureSet fs;
  private final ReplayResult replay;
  private final long applied;
  private final double ingestSeconds;
  private final Memory before;
  private final List<String> entities;
  private CompactionResult compaction;
  private Memory after;

  private RetailStore(
      BenchContext ctx,
      FeatureSet fs,
      ReplayResult replay,
      long applied,
      double ingestSeconds,
      Memory before,
      List<String> entities) {
    this.ctx = ctx;
    this.fs = fs;
    this.replay = replay;
    this.applied = applied;
    this.ingestSeconds = ingestSeconds;
    this.before = before;
    this.entities = entities;
  }

  static RetailStore create(BenchContext ctx) throws Exception {
    BenchContext.Options o = ctx.options();
    FeatureSet fs = FeatureSetLoader.load(o.repoRoot().resolve("conf/feature-sets/retail.conf"));
    long rows = o.size("retail.rows", Long.MAX_VALUE, 5_000);
    ctx.log()
        .println(
            "== retail online store: replaying "
                + o.retailCsv()
                + (rows == Long.MAX_VALUE ? "" : " (first " + rows + " rows)")
                + " with rebased times into "
                + fs.topics().get(0));
    ctx.kafka().createTopic(fs.deadLetterTopic(), 2);
    EventReplay.Builder b =
        EventReplay.builder()
            .input(o.retailCsv())
            .topic(fs.topics().get(0))
            .bootstrapServers(ctx.kafka().bootstrapServers())
            .rebaseTime(true)
            .showProgress(false)
            .out(new PrintWriter(ctx.log(), true));
    if (rows != Long.MAX_VALUE) {
      b.limit(rows);
    }
    ReplayResult replay = b.build().run();
    AppConfig app = ctx.app();
    UnifiedJedis redis = ctx.redis();
    BenchContext.deleteKeys(redis, new OnlineLayout(fs).keyPrefix() + "*");
    BenchContext.deleteKeys(redis, new OnlineLayout(fs).indexKeyPrefix() + "*");
    Path checkpoint = ctx.freshDir("checkpoints/retail");
    long start = System.nanoTime();
    RunningIngest ingest =
        OnlineIngest.start(ctx.spark(), app, fs, checkpoint.toAbsolutePath().toString());
    try {
      ingest.processAllAvailable();
    } finally {
      ingest.stop();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    ctx.say("online-ingest: %s in %.1f s", ingest.metrics().describe(), seconds);
    Memory before = memory(redis, fs);
    TreeSet<String> entities = new TreeSet<>();
    for (String key : BenchContext.keys(redis, new OnlineLayout(fs).keyPrefix() + "*")) {
      entities.add(key.substring(key.indexOf('{') + 1, key.lastIndexOf('}')));
    }
    ctx.say(
        "Redis: %,d slice hashes of %,d entities, %,d fields, %,d bytes",
        before.hashes(), entities.size(), before.fields(), before.bytes());
    return new RetailStore(
        ctx, fs, replay, ingest.metrics().applied(), seconds, before, new ArrayList<>(entities));
  }

  /**
   * Sums {@code MEMORY USAGE} (exact: {@code SAMPLES 0}) and {@code HLEN} over the feature set's
   * slice hashes, and {@code MEMORY USAGE} over its slice indices (one sorted set per entity),
   * separately.
   */
  static Memory memory(UnifiedJedis redis, FeatureSet fs) {
    long hashes = 0;
    long fields = 0;
    long bytes = 0;
    long compactedOnly = 0;
    long compactedOnlyBytes = 0;
    for (String key : BenchContext.keys(redis, new OnlineLayout(fs).keyPrefix() + "*")) {
      Long m = redis.memoryUsage(key, 0);
      long len = redis.hlen(key);
      if (m == null) {
        continue; // expired meanwhile
      }
      hashes++;
      fields += len;
      bytes += m;
      if (len == 1 && redis.hexists(key, OnlineLayout.COMPACTED_FIELD)) {
        compactedOnly++;
        compactedOnlyBytes += m;
      }
    }
    long indexKeys = 0;
    long indexBytes = 0;
    for (String key : BenchContext.keys(redis, new OnlineLayout(fs).indexKeyPrefix() + "*")) {
      Long m = redis.memoryUsage(key, 0);
      if (m != null) {
        indexKeys++;
        indexBytes += m;
      }
    }
    return new Memory(
        hashes, fields, bytes, compactedOnly, compactedOnlyBytes, indexKeys, indexBytes);
  }

  /**
   * Compacts (once) the closed slices of the last 31 days into Redis and the local Iceberg tables.
   *
   * @return the compaction's result
   */
  public synchronized CompactionResult compact() throws Exception {
    if (compaction == null) {
      long slice = fs.sliceMillis();
      long to =
          Math.floorDiv(System.currentTimeMillis() - fs.allowedLatenessMillis(), slice) * slice;
      long from = to - Duration.ofDays(31).toMillis();
      BenchContext.deleteRecursively(ctx.options().stateDir().resolve("warehouse"));
      ctx.log().println("== retail online store: compacting the closed slices of the last 31 days");
      compaction =
          Compaction.run(ctx.spark(), ctx.app(), fs, from, to, CompactionOptions.defaults());
      ctx.say("%s", compaction.describe());
      after = memory(ctx.redis(), fs);
    }
    return compaction;
  }

  /**
   * @return the feature set ({@code conf/feature-sets/retail.conf})
   */
  public FeatureSet featureSet() {
    return fs;
  }

  /**
   * @return what the replay sent
   */
  public ReplayResult replay() {
    return replay;
  }

  /**
   * @return events online-ingest wrote to Redis
   */
  public long applied() {
    return applied;
  }

  /**
   * @return wall-clock seconds of the ingest run, query start included
   */
  public double ingestSeconds() {
    return ingestSeconds;
  }

  /**
   * @return Redis memory right after ingest, before compaction
   */
  public Memory before() {
    return before;
  }

  /**
   * @return Redis memory after {@link #compact()}, or null before it
   */
  public Memory after() {
    return after;
  }

  /**
   * @return the entities with at least one slice hash, sorted
   */
  public List<String> entities() {
    return entities;
  }
}
