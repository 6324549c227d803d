package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.SliceIndex;
import dev.slicestore.testkit.RedisFixture;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;

/**
 * core's {@link SliceIndex} against a real redis-server: the expiry rule (never earlier than the
 * latest slice's hash, whatever order slices arrive in), idempotence, the dropping of expired
 * members, and the range read; {@link SliceIndex#lastExpiredSlice} against a brute-force search
 * over {@link FeatureSet#sliceExpiryMillis}.
 */
class SliceIndexTest {
  private static RedisFixture redisServer;
  private static UnifiedJedis redis;
  private final FeatureSet fs = TestFeatureSets.shop();
  private final OnlineLayout layout = new OnlineLayout(fs);

  @BeforeAll
  static void start() throws Exception {
    redisServer = RedisFixture.start();
    redis = redisServer.client(5000);
  }

  @AfterAll
  static void stop() throws Exception {
    redis.close();
    redisServer.close();
  }

  @BeforeEach
  void flush() {
    redis.flushAll();
  }

  @Test
  void lastExpiredSliceIsTheNewestSliceWhoseHashHasExpired() {
    long seed = System.nanoTime();
    System.out.println("SliceIndexTest seed " + seed);
    Random rnd = new Random(seed);
    for (int trial = 0; trial < 2_000; trial++) {
      long now =
          (long) (rnd.nextDouble() * 5e12)
              - 1_000_000_000_000L; // 1938 BC .. 2096, either side of the epoch
      long i = SliceIndex.lastExpiredSlice(fs, now);
      assertThat(fs.sliceExpiryMillis(i))
          .as("seed %d, now %d: slice %d has expired", seed, now, i)
          .isLessThanOrEqualTo(now);
      assertThat(fs.sliceExpiryMillis(i + 1))
          .as("seed %d, now %d: slice %d has not", seed, now, i + 1)
          .isGreaterThan(now);
    }
  }

  @Test
  void indexExpiresWithItsLatestSliceWhateverTheOrderAndDropsExpiredMembers() {
    long now = System.currentTimeMillis();
    long cur = fs.slicing().sliceIndex(now);
    long[] order = {
      cur - 3, cur, cur - 5, cur, cur - 1
    }; // newest first seen second, then older ones late
    for (long slice : order) {
      record("alice", slice, now);
    }
    byte[] key = layout.indexKey("alice");
    assertThat(redis.pexpireTime(key))
        .as("expiry of the latest slice's hash")
        .isEqualTo(fs.sliceExpiryMillis(cur));
    assertThat(read("alice", cur - 10, cur)).containsExactly(cur, cur - 1, cur - 3, cur - 5);
    assertThat(read("alice", cur - 4, cur - 1)).containsExactly(cur - 1, cur - 3);
    assertThat(read("nobody", cur - 10, cur)).isEmpty();

    // a writer whose clock is past the expiry of the three oldest slices drops them, keeps the rest
    long later = fs.sliceExpiryMillis(cur - 3);
    record("alice", cur, later);
    assertThat(read("alice", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2)).containsExactly(cur, cur - 1);
    assertThat(redis.pexpireTime(key)).isEqualTo(fs.sliceExpiryMillis(cur));
  }

  private void record(String entity, long slice, long now) {
    try (AbstractPipeline p = redis.pipelined()) {
      SliceIndex.record(p, fs, layout, entity, slice, now);
      p.sync();
    }
  }

  private List<Long> read(String entity, long oldest, long newest) {
    Response<List<byte[]>> members;
    try (AbstractPipeline p = redis.pipelined()) {
      members = SliceIndex.queueRead(p, layout, entity, oldest, newest);
      p.sync();
    }
    return java.util.Arrays.stream(SliceIndex.parse(members.get())).boxed().toList();
  }
}
