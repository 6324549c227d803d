package dev.slicestore.serving;

import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.SliceIndex;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Serving's read of the online store: the non-empty slice hashes of a slice range for a set of
 * entities, in two pipelined round trips (docs/design.md, "Online store (Redis layout)"): every
 * entity's {@link SliceIndex} entries in the range, then the hashes of the slices listed there
 * (about 2 hashes instead of 720 for a retail customer's 30-day window of hourly slices). The
 * result is what {@link dev.slicestore.core.online.WindowEvaluator#evaluate} takes.
 *
 * <p>Thread-safe if the client is (Jedis's pooled and cluster clients are): each call uses its own
 * pipelines.
 */
public final class SliceReader {
  private final UnifiedJedis redis;

  /**
   * The slice hashes of one entity, or why they could not be read.
   *
   * @param hashesNewestFirst one map per slice from the newest slice of the range down to the
   *     entity's oldest listed slice (empty maps for slices not listed); empty if none is listed;
   *     null when {@code error} is set
   * @param error why this entity's slices cannot be read (a key of the wrong type, a corrupt index
   *     entry), naming the key; null when read
   */
  public record EntitySlices(List<Map<byte[], byte[]>> hashesNewestFirst, String error) {}

  /**
   * @param redis the online store client (not closed by this class)
   */
  public SliceReader(UnifiedJedis redis) {
    this.redis = redis;
  }

  /**
   * Reads the non-empty slice hashes in {@code [oldestSliceIndex, newestSliceIndex]} of every
   * entity.
   *
   * @param layout the feature set's Redis layout
   * @param entities the entity keys, each read once
   * @param oldestSliceIndex the oldest slice of the range (inclusive)
   * @param newestSliceIndex the newest slice of the range (inclusive)
   * @return per entity, in the order of {@code entities}, its slices or the error that concerns
   *     only it
   * @throws redis.clients.jedis.exceptions.JedisException when the store cannot be read at all
   *     (connection lost, timeout, LOADING, NOAUTH, CLUSTERDOWN...)
   */
  public Map<String, EntitySlices> read(
      OnlineLayout layout, Set<String> entities, long oldestSliceIndex, long newestSliceIndex) {
    Map<String, Response<List<byte[]>>> indexReplies = new LinkedHashMap<>();
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (String entity : entities) {
        indexReplies.put(
            entity,
            SliceIndex.queueRead(pipeline, layout, entity, oldestSliceIndex, newestSliceIndex));
      }
      pipeline.sync();
    }
    Map<String, EntitySlices> out = new LinkedHashMap<>();
    Map<String, long[]> listed = new LinkedHashMap<>();
    for (Map.Entry<String, Response<List<byte[]>>> e : indexReplies.entrySet()) {
      try {
        long[] slices = SliceIndex.parse(e.getValue().get());
        if (slices.length == 0) {
          out.put(e.getKey(), new EntitySlices(List.of(), null));
        } else {
          listed.put(e.getKey(), slices);
        }
      } catch (JedisDataException ex) {
        out.put(
            e.getKey(),
            new EntitySlices(null, unreadable(keyText(layout.indexKey(e.getKey())), ex)));
      } catch (CorruptDataException ex) {
        out.put(
            e.getKey(),
            new EntitySlices(
                null, ex.getMessage() + " in " + keyText(layout.indexKey(e.getKey()))));
      }
    }
    if (listed.isEmpty()) {
      return out;
    }
    Map<String, List<Response<Map<byte[], byte[]>>>> responses = new LinkedHashMap<>();
    try (AbstractPipeline pipeline = redis.pipelined()) {
      for (Map.Entry<String, long[]> e : listed.entrySet()) {
        List<Response<Map<byte[], byte[]>>> rs = new ArrayList<>(e.getValue().length);
        for (long slice : e.getValue()) {
          rs.add(pipeline.hgetAll(layout.sliceKey(e.getKey(), slice)));
        }
        responses.put(e.getKey(), rs);
      }
      pipeline.sync();
    }
    for (Map.Entry<String, long[]> e : listed.entrySet()) {
      long[] slices = e.getValue();
      List<Response<Map<byte[], byte[]>>> rs = responses.get(e.getKey());
      List<Map<byte[], byte[]>> hashes =
          new ArrayList<>(
              Collections.nCopies(
                  (int) (newestSliceIndex - slices[slices.length - 1] + 1), Map.of()));
      String error = null;
      for (int i = 0; i < slices.length; i++) {
        try {
          hashes.set((int) (newestSliceIndex - slices[i]), rs.get(i).get());
        } catch (JedisDataException ex) {
          error = unreadable(keyText(layout.sliceKey(e.getKey(), slices[i])), ex);
          break;
        }
      }
      out.put(
          e.getKey(),
          error == null ? new EntitySlices(hashes, null) : new EntitySlices(null, error));
    }
    Map<String, EntitySlices> ordered = new LinkedHashMap<>();
    for (String entity : entities) {
      ordered.put(entity, out.get(entity));
    }
    return ordered;
  }

  private static String keyText(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }

  /**
   * @return the entity error for a key of the wrong type
   * @throws JedisDataException {@code ex} itself when it is not WRONGTYPE (LOADING, CLUSTERDOWN,
   *     NOAUTH...: the store's problem, not this entity's data)
   */
  private static String unreadable(String key, JedisDataException ex) {
    if (ex.getMessage() == null || !ex.getMessage().startsWith("WRONGTYPE")) {
      throw ex;
    }
    return "Cannot read " + key + ": " + ex.getMessage();
  }
}
