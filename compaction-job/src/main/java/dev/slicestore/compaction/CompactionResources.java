package dev.slicestore.compaction;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.online.RedisClients;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import redis.clients.jedis.UnifiedJedis;

/**
 * One Redis client (a connection pool, standalone or cluster) per executor JVM and Redis
 * deployment, shared by every compaction task of that JVM (the client is thread-safe) and closed
 * when the JVM exits, or by {@link #closeAll()} (the driver, in local mode, after a run).
 *
 * <p>Thread-safe.
 */
final class CompactionResources {
  private static final Map<String, UnifiedJedis> REDIS = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(CompactionResources::closeAll, "slicestore-compaction-resources"));
  }

  private CompactionResources() {}

  /** @return the shared client for {@code config}'s Redis deployment (created on first use) */
  static UnifiedJedis redis(AppConfig config) {
    String key = config.redisMode() + "|" + config.redisNodes() + "|" + config.redisUser();
    return REDIS.computeIfAbsent(key, k -> RedisClients.create(config));
  }

  /** Closes every shared client; a later call to {@link #redis} creates a new one. */
  static synchronized void closeAll() {
    REDIS.values().forEach(UnifiedJedis::close);
    REDIS.clear();
  }
}
