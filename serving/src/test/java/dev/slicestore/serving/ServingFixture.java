package dev.slicestore.serving;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.time.Slicing;
import dev.slicestore.testkit.RedisFixture;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * A {@code redis-server} and a client of it for one test class, the events the test writes into it
 * as the online ingest does, and the feature servers it starts over it. Start it in
 * {@code @BeforeAll}; {@link #close()} in {@code @AfterAll} stops the servers, then the client and
 * Redis.
 */
final class ServingFixture implements AutoCloseable {
  private final RedisFixture redisServer;
  private final UnifiedJedis redis;
  private final Deque<AutoCloseable> servers = new ArrayDeque<>();

  private ServingFixture(RedisFixture redisServer) {
    this.redisServer = redisServer;
    this.redis = redisServer.client(5000);
  }

  /**
   * @return a fixture over a new {@code redis-server}
   * @throws IOException if Redis cannot start
   */
  static ServingFixture start() throws IOException {
    return new ServingFixture(RedisFixture.start());
  }

  /**
   * @return the client (closed by {@link #close()})
   */
  UnifiedJedis redis() {
    return redis;
  }

  /**
   * Writes one event of partition 0 as the online ingest does: its row pre-aggregate in the field
   * {@code offset} of the entity's slice hash, and the slice in the entity's index.
   *
   * @param inputs the event's input values, in the order of {@link FeatureSet#inputColumns()}
   */
  void writeRow(FeatureSet fs, String entity, long offset, long timeMillis, Object... inputs) {
    OnlineLayout layout = new OnlineLayout(fs);
    Slicing slicing = fs.slicing();
    long index = slicing.sliceIndex(timeMillis);
    redis.zadd(layout.indexKey(entity), index, OnlineLayout.indexMember(index));
    redis.hset(
        layout.sliceKey(entity, index),
        layout.eventField(0, 0, offset),
        new RowPreAggregate(timeMillis, inputs)
            .encode(fs.inputColumns(), slicing.sliceStartMillis(index), fs.sliceMillis()));
  }

  /**
   * Starts a feature server on Netty and a free port, evaluating at {@code nowMillis}; stopped by
   * {@link #close()}.
   *
   * @return its target, {@code 127.0.0.1:port}
   * @throws IOException if the server cannot start
   */
  String serveOnFreePort(Map<String, FeatureSet> featureSets, long nowMillis) throws IOException {
    FeatureServer server =
        new FeatureServer(
                Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()),
                featureSets,
                redis,
                List.of(redisServer.node()),
                new MutableClock(nowMillis))
            .start();
    servers.push(server::stop);
    return "127.0.0.1:" + server.port();
  }

  /**
   * Starts a feature server on gRPC's in-process transport, evaluating at {@code nowMillis}; closed
   * by {@link #close()}.
   *
   * @throws IOException if the server cannot start
   */
  InProcessFeatureServer serveInProcess(Map<String, FeatureSet> featureSets, long nowMillis)
      throws IOException {
    InProcessFeatureServer server =
        new InProcessFeatureServer(
            featureSets, redis, List.of(redisServer.node()), new MutableClock(nowMillis));
    servers.push(server);
    return server;
  }

  @Override
  public void close() throws Exception {
    while (!servers.isEmpty()) {
      servers.pop().close();
    }
    redis.close();
    redisServer.close();
  }
}
