package dev.slicestore.core.online;

import dev.slicestore.core.config.FeatureSet;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.PipeliningBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.args.ExpiryOption;

/**
 * The per-entity slice index of the online store ({@link OnlineLayout}): a Redis sorted set of the
 * slice indices whose hashes were written, so a read touches the non-empty slices of a window only.
 *
 * <p>Invariant, kept by every writer: <b>a slice is in its entity's index before its hash holds any
 * field</b>, and the index expires no earlier than the latest of those hashes. online-ingest queues
 * {@link #record} ahead of the {@code HSET} in the same pipeline (one connection, one slot: Redis
 * applies them in order); compaction adds the slice inside its atomic script. Members are never
 * removed while their hash can still exist ({@link #lastExpiredSlice}); an index member whose hash
 * has expired or was never filled costs one empty read, nothing else.
 *
 * <p>Reading is two pipelined round trips: {@link #queueRead} for every entity, then the hashes of
 * the slices it returned. Between the two, a slice can only be added (by a writer that has not yet
 * written its hash at the first read's moment), so the result is what a one-round-trip read of
 * every slice at the first read's moment would see, plus possibly newer writes.
 *
 * <p>Stateless and thread-safe.
 */
public final class SliceIndex {
  private SliceIndex() {}

  /**
   * Queues the commands that add {@code sliceIndex} to {@code entityKey}'s index and keep its
   * expiry at or after the slice hash's ({@link FeatureSet#sliceExpiryMillis}), and drops members
   * whose hashes have expired: {@code ZADD}, {@code PEXPIREAT NX}, {@code PEXPIREAT GT}, {@code
   * ZREMRANGEBYSCORE}. Queue them before the hash's write in the same pipeline. Idempotent.
   *
   * @param pipeline a pipeline on the node of the entity's slot (not null)
   * @param featureSet the feature set (expiry rule)
   * @param layout its layout
   * @param entityKey the entity key
   * @param sliceIndex the slice about to be written
   * @param nowMillis the writer's clock, epoch ms (only for dropping expired members)
   * @return the replies of the four commands, set once the pipeline is synced: the caller checks
   *     them (an error reply is stored in its {@code Response}, not thrown by {@code sync})
   */
  public static List<Response<?>> record(
      PipeliningBase pipeline,
      FeatureSet featureSet,
      OnlineLayout layout,
      String entityKey,
      long sliceIndex,
      long nowMillis) {
    byte[] key = layout.indexKey(entityKey);
    long expiry = featureSet.sliceExpiryMillis(sliceIndex);
    return List.of(
        pipeline.zadd(key, sliceIndex, OnlineLayout.indexMember(sliceIndex)),
        pipeline.pexpireAt(key, expiry, ExpiryOption.NX), // a new index has no expiry yet
        // never shorten it: an older slice may come late
        pipeline.pexpireAt(key, expiry, ExpiryOption.GT),
        pipeline.zremrangeByScore(
            key, Double.NEGATIVE_INFINITY, lastExpiredSlice(featureSet, nowMillis)));
  }

  /**
   * @return the newest slice index whose hash has expired at {@code nowMillis}: the largest {@code
   *     i} with {@code sliceExpiryMillis(i) <= nowMillis}
   */
  public static long lastExpiredSlice(FeatureSet featureSet, long nowMillis) {
    long s = featureSet.slicing().sliceMillis();
    // sliceExpiryMillis(i) = (i + 1) * s + rest, so i <= (now - rest) / s - 1
    long rest = featureSet.sliceExpiryMillis(0) - s;
    return Math.floorDiv(nowMillis - rest, s) - 1;
  }

  /**
   * Queues the read of the slice indices of {@code entityKey} in {@code [oldest, newest]}.
   *
   * @return the pending reply: members in ascending order; parse with {@link #parse}
   */
  public static Response<List<byte[]>> queueRead(
      PipeliningBase pipeline,
      OnlineLayout layout,
      String entityKey,
      long oldestSliceIndex,
      long newestSliceIndex) {
    return pipeline.zrangeByScore(layout.indexKey(entityKey), oldestSliceIndex, newestSliceIndex);
  }

  /**
   * @param members the reply of {@link #queueRead}
   * @return the slice indices, newest first, without duplicates
   * @throws dev.slicestore.core.codec.CorruptDataException if a member is not a decimal long
   */
  public static long[] parse(List<byte[]> members) {
    long[] out = new long[members.size()];
    int n = 0;
    for (int i = members.size() - 1; i >= 0; i--) {
      long v = OnlineLayout.parseIndexMember(members.get(i));
      if (n == 0 || out[n - 1] != v) {
        out[n++] = v;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }
}
