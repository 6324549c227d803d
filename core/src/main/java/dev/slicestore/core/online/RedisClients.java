package dev.slicestore.core.online;

import dev.slicestore.core.config.AppConfig;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * Creates the Redis client for an {@link AppConfig}: a pooled standalone client or a Redis Cluster
 * client, both as Jedis {@link UnifiedJedis}, so callers (online-ingest, serving) use one API and
 * pipelines work in both modes (Jedis routes a cluster pipeline's commands by slot).
 *
 * <p>Stateless and thread-safe; the returned client is thread-safe and must be closed.
 */
public final class RedisClients {
  private static final Map<String, UnifiedJedis> SHARED = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(RedisClients::closeShared, "slicestore-redis-clients"));
  }

  private RedisClients() {}

  /**
   * The client shared by every task of this JVM for {@code config}'s Redis deployment (Spark
   * executors: one connection pool per executor), created on first use and closed when the JVM
   * exits or by {@link #closeShared()}. Do not close it yourself.
   *
   * @return a thread-safe client
   */
  public static UnifiedJedis shared(AppConfig config) {
    String key = config.redisMode() + "|" + config.redisNodes() + "|" + config.redisUser();
    return SHARED.computeIfAbsent(key, k -> create(config));
  }

  /**
   * Closes every shared client (the driver in local mode, after a run); later calls create new
   * ones.
   */
  public static synchronized void closeShared() {
    SHARED.values().forEach(UnifiedJedis::close);
    SHARED.clear();
  }

  /**
   * @param config the deployment configuration (mode, nodes, credentials, timeout, pool size)
   * @return a new client; the caller closes it
   */
  public static UnifiedJedis create(AppConfig config) {
    DefaultJedisClientConfig.Builder b =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(config.redisTimeoutMillis())
            .socketTimeoutMillis(config.redisTimeoutMillis())
            .clientName("slicestore");
    if (config.redisUser() != null) {
      b.user(config.redisUser());
    }
    if (config.redisPassword() != null) {
      b.password(config.redisPassword());
    }
    JedisClientConfig clientConfig = b.build();
    GenericObjectPoolConfig<Connection> pool = new ConnectionPoolConfig();
    pool.setMaxTotal(config.redisPoolSize());
    pool.setMaxIdle(config.redisPoolSize());
    pool.setMinIdle(0);
    pool.setTestOnBorrow(false);
    Set<HostAndPort> nodes = new LinkedHashSet<>();
    for (String n : config.redisNodes()) {
      nodes.add(HostAndPort.from(n));
    }
    if (config.redisMode() == AppConfig.RedisMode.CLUSTER) {
      return new JedisCluster(nodes, clientConfig, pool);
    }
    return new JedisPooled(pool, nodes.iterator().next(), clientConfig);
  }
}
