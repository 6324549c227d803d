package dev.slicestore.core.online;

import dev.slicestore.core.config.FeatureSet;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * The Redis layout of one feature set's online store (docs/design.md, "Online store (Redis layout)"
 * and "Exactly-once without state").
 *
 * <ul>
 *   <li>One <b>hash per (feature set + version, entity key, slice)</b>, key {@code ss:<feature
 *       set>:<version>:{<entity key>}:<slice index>}. The entity key is the Redis Cluster hash tag,
 *       so every slice of an entity lives in one slot and one request touches one node. Keys never
 *       collide: the slice index after the last {@code ':'} is a number and the entity key is
 *       everything between the first <code>{</code> and the last <code>}</code>. (An entity key
 *       containing <code>}</code> still maps all of its slices to one slot: Redis hashes the text
 *       up to the first <code>}</code>, the same for each.)
 *   <li>Each event writes <b>one field</b> named by its Kafka coordinates, {@code
 *       <partition>:<offset>} (or {@code <topic index>:<partition>:<offset>} when the feature set
 *       reads several topics), whose value is its {@link RowPreAggregate}. A replayed record
 *       rewrites the same field, so at-least-once delivery gives exactly-once state.
 *   <li>Compaction writes the field {@value #COMPACTED_FIELD} holding a {@link CompactedEntry}.
 *   <li>The hash expires at {@link FeatureSet#sliceExpiryMillis(long)} (absolute).
 *   <li>One <b>slice index per (feature set + version, entity key)</b>: a sorted set, key {@code
 *       ssi:<feature set>:<version>:{<entity key>}} (same hash tag, same slot), whose members are
 *       the slice indices (decimal, score = the index) of the entity's slice hashes that were ever
 *       written. Every writer adds the slice to the index <i>before</i> (or atomically with)
 *       writing the hash, so a reader that sees a hash's data also sees it in the index; the index
 *       expires no earlier than its latest slice ({@link SliceIndex}). It lets serving read the few
 *       non-empty slices of a window instead of every slice of it (a 30-day window of hourly slices
 *       is 720 hashes, of which a retail customer has about 2). The index key has its own prefix
 *       ({@link #indexKeyPrefix()}), so a scan of {@link #keyPrefix()} sees slice hashes only.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class OnlineLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The name of the compacted entry's field. Event fields always contain a ':'. */
  public static final String COMPACTED_FIELD = "c";

  private static final byte[] COMPACTED_FIELD_BYTES =
      COMPACTED_FIELD.getBytes(StandardCharsets.US_ASCII);

  private final String keyPrefix;
  private final String indexPrefix;
  private final boolean multiTopic;

  /**
   * @param featureSet the feature set whose keys this layout names
   */
  public OnlineLayout(FeatureSet featureSet) {
    this.keyPrefix = "ss:" + featureSet.name() + ":" + featureSet.version() + ":{";
    this.indexPrefix = "ssi:" + featureSet.name() + ":" + featureSet.version() + ":{";
    this.multiTopic = featureSet.topics().size() > 1;
  }

  /**
   * @return the Redis key of the hash of {@code entityKey}'s slice {@code sliceIndex} (UTF-8)
   */
  public byte[] sliceKey(String entityKey, long sliceIndex) {
    return (keyPrefix + entityKey + "}:" + sliceIndex).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @return the prefix every slice hash key of this feature set and version starts with (for SCAN
   *     MATCH); slice indices ({@link #indexKeyPrefix()}) do not start with it
   */
  public String keyPrefix() {
    return keyPrefix.substring(0, keyPrefix.length() - 1);
  }

  /**
   * @return the Redis key of {@code entityKey}'s slice index, a sorted set (UTF-8)
   */
  public byte[] indexKey(String entityKey) {
    return (indexPrefix + entityKey + "}").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @return the prefix every slice index key of this feature set and version starts with (for SCAN
   *     MATCH)
   */
  public String indexKeyPrefix() {
    return indexPrefix.substring(0, indexPrefix.length() - 1);
  }

  /**
   * @return the slice index member for {@code sliceIndex}: its decimal form (ASCII)
   */
  public static byte[] indexMember(long sliceIndex) {
    return Long.toString(sliceIndex).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Parses a slice index member.
   *
   * @return the slice index
   * @throws dev.slicestore.core.codec.CorruptDataException if it is not a decimal long
   */
  public static long parseIndexMember(byte[] member) {
    String s = new String(member, StandardCharsets.US_ASCII);
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new dev.slicestore.core.codec.CorruptDataException(
          "Corrupt slice index: unexpected member '" + s + "'");
    }
  }

  /**
   * @return the field name of an event at these Kafka coordinates (ASCII)
   */
  public byte[] eventField(int topicIndex, int partition, long offset) {
    String s = multiTopic ? topicIndex + ":" + partition + ":" + offset : partition + ":" + offset;
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * @return the compacted entry's field name
   */
  public static byte[] compactedField() {
    return COMPACTED_FIELD_BYTES.clone();
  }

  /**
   * @return true iff {@code field} is the compacted entry's field
   */
  public static boolean isCompactedField(byte[] field) {
    return field.length == 1 && field[0] == COMPACTED_FIELD_BYTES[0];
  }

  /**
   * Parses an event field name.
   *
   * @return {@code {topicIndex, partition, offset}}
   * @throws dev.slicestore.core.codec.CorruptDataException if it is not an event field
   */
  public static long[] parseEventField(byte[] field) {
    long[] parts = new long[3];
    int n = 0;
    long cur = 0;
    boolean digits = false;
    for (byte b : field) {
      if (b == ':') {
        if (!digits || n >= 2) {
          throw badField(field);
        }
        parts[n++] = cur;
        cur = 0;
        digits = false;
      } else if (b >= '0' && b <= '9') {
        if (digits && cur == 0) {
          throw badField(field); // a leading zero would give one event two field names
        }
        if (cur > (Long.MAX_VALUE - (b - '0')) / 10) {
          throw badField(field);
        }
        cur = cur * 10 + (b - '0');
        digits = true;
      } else {
        throw badField(field);
      }
    }
    if (!digits || n == 0) {
      throw badField(field);
    }
    parts[n++] = cur;
    for (int i = 0; i < n - 1; i++) {
      if (parts[i] > Integer.MAX_VALUE) {
        throw badField(field); // topic index and partition are ints
      }
    }
    if (n == 2) {
      return new long[] {0, parts[0], parts[1]};
    }
    return parts;
  }

  private static RuntimeException badField(byte[] field) {
    return new dev.slicestore.core.codec.CorruptDataException(
        "Corrupt slice hash: unexpected field '" + new String(field, StandardCharsets.UTF_8) + "'");
  }
}
