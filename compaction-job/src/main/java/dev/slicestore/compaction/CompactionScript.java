package dev.slicestore.compaction;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua script that compacts one slice hash in one atomic step (docs/design.md, "Exactly-once
 * without state"), and how to call it.
 *
 * <pre>
 * KEYS[1]   the slice hash
 * KEYS[2]   the entity's slice index (OnlineLayout.indexKey, same hash tag)
 * ARGV[1]   the compacted entry (CompactedEntry.encode)
 * ARGV[2]   the hash's absolute expiry, epoch ms (PEXPIREAT)
 * ARGV[3]   the number of events the entry aggregates
 * ARGV[4]   the slice index (decimal)
 * ARGV[5..] the covered ranges, four arguments each: topic index, partition, first offset, end offset
 * returns   {status, MEMORY USAGE before, MEMORY USAGE after, fields deleted, event count of the entry found}
 *           status 1 = written; 0 = refused, nothing changed: the hash already holds a compacted
 *           entry of more events than ARGV[3] (replacing it would lose events); 2 = refused, nothing
 *           changed: the entry found has an unknown format version (versions 1 and 2 are known: both
 *           start with the version byte and the event count, all the script reads)
 * </pre>
 *
 * <p>The script deletes every per-event field whose Kafka coordinates lie inside a covered range,
 * the same fields the read-merge rule ({@code WindowEvaluator}) ignores once the entry is there:
 * field names are {@code <partition>:<offset>} (topic index 0) or {@code <topic
 * index>:<partition>:<offset>}, as {@code OnlineLayout.parseEventField} reads them. Offsets are
 * compared as Lua numbers (doubles), exact below 2^53. Fields that are not event fields are left
 * alone. A missing hash is created. Before writing, the script adds the slice to the entity's slice
 * index and extends the index's expiry to the hash's if it is earlier or unset ({@code
 * PEXPIRETIME}, Redis 7.0+), as {@code SliceIndex} requires. {@code MEMORY USAGE} of a missing key
 * counts as 0.
 *
 * <p>Stateless and thread-safe.
 */
final class CompactionScript {
  /** Status returned when the hash was compacted. */
  static final long WRITTEN = 1;

  /**
   * Status returned when the hash holds an entry of more events than the new one (nothing changed).
   */
  static final long REFUSED_FEWER_EVENTS = 0;

  /** Status returned when the hash holds an entry of an unknown format (nothing changed). */
  static final long REFUSED_UNKNOWN_FORMAT = 2;

  static final String SOURCE =
      String.join(
          "\n",
          "local key = KEYS[1]",
          "local before = redis.call('MEMORY', 'USAGE', key) or 0",
          "local old = redis.call('HGET', key, 'c')",
          "local oldCount = -1",
          "if old then",
          "  local version = string.byte(old, 1)",
          "  if version ~= 1 and version ~= 2 then return {2, before, before, 0, -1} end",
          "  oldCount = 0",
          "  local shift = 1",
          "  local i = 2",
          "  while true do",
          "    local b = string.byte(old, i)",
          "    if b == nil then return {2, before, before, 0, -1} end",
          "    oldCount = oldCount + (b % 128) * shift",
          "    if b < 128 then break end",
          "    shift = shift * 128",
          "    i = i + 1",
          "  end",
          "  if oldCount > tonumber(ARGV[3]) then return {0, before, before, 0, oldCount} end",
          "end",
          "local ranges = {}",
          "for i = 5, #ARGV, 4 do",
          "  ranges[#ranges + 1] = {tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])}",
          "end",
          "local doomed = {}",
          "for _, f in ipairs(redis.call('HKEYS', key)) do",
          "  local t, p, o = string.match(f, '^(%d+):(%d+):(%d+)$')",
          "  if not t then",
          "    p, o = string.match(f, '^(%d+):(%d+)$')",
          "    t = '0'",
          "  end",
          "  if o then",
          "    t, p, o = tonumber(t), tonumber(p), tonumber(o)",
          "    for _, r in ipairs(ranges) do",
          "      if t == r[1] and p == r[2] and o >= r[3] and o < r[4] then",
          "        doomed[#doomed + 1] = f",
          "        break",
          "      end",
          "    end",
          "  end",
          "end",
          "for i = 1, #doomed, 1000 do",
          "  redis.call('HDEL', key, unpack(doomed, i, math.min(i + 999, #doomed)))",
          "end",
          "redis.call('ZADD', KEYS[2], ARGV[4], ARGV[4])",
          "local indexExpiry = redis.call('PEXPIRETIME', KEYS[2])",
          "if indexExpiry < tonumber(ARGV[2]) then redis.call('PEXPIREAT', KEYS[2], ARGV[2]) end",
          "redis.call('HSET', key, 'c', ARGV[1])",
          "redis.call('PEXPIREAT', key, ARGV[2])",
          "local after = redis.call('MEMORY', 'USAGE', key) or 0",
          "return {1, before, after, #doomed, oldCount}",
          "");

  static final byte[] SOURCE_BYTES = SOURCE.getBytes(StandardCharsets.UTF_8);

  /** The script's SHA-1, lower-case hex, as {@code EVALSHA} expects it. */
  static final byte[] SHA1 = sha1(SOURCE_BYTES).getBytes(StandardCharsets.US_ASCII);

  private CompactionScript() {}

  private static String sha1(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available", e);
    }
  }
}
