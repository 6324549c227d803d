package dev.slicestore.core.online;

import dev.slicestore.core.config.AppConfig;
import java.util.LinkedHashSet;
import java.util.Set;
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
  private RedisClients() {}

  /**
   * @param config the deployment configuration (mode, nodes, credentials, timeout, pool size)
   * @return a new client; the caller closes it
   */
  public static UnifiedJedis create(AppConfig config) {
    DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
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
