package dev.slicestore.serving;

import dev.slicestore.core.config.FeatureSet;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.UnifiedJedis;

/**
 * A started {@link FeatureServer} on gRPC's in-process transport, with a channel to it: the whole
 * serving stack (validation, the Redis read, the merge, health) without a network port, for tests
 * and benchmarks, and for applications that embed serving in their own JVM.
 *
 * <p>Thread-safe: the server and the channel are; {@link #close()} once.
 */
public final class InProcessFeatureServer implements AutoCloseable {
  private final FeatureServer server;
  private final ManagedChannel channel;

  /**
   * Starts the server.
   *
   * @param featureSets the feature sets to serve, by name
   * @param redis the online store client (not closed by this class)
   * @param nodes the Redis nodes as {@code host:port}, for messages
   * @param clock the clock serving evaluates at
   * @throws IOException if the server cannot start
   */
  public InProcessFeatureServer(Map<String, FeatureSet> featureSets, UnifiedJedis redis, List<String> nodes, Clock clock)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = new FeatureServer(InProcessServerBuilder.forName(name), featureSets, redis, nodes, clock).start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** @return the running server */
  public FeatureServer server() {
    return server;
  }

  /** @return a channel to the server (closed by {@link #close()}) */
  public ManagedChannel channel() {
    return channel;
  }

  /**
   * Closes the channel, then stops the server.
   *
   * @throws InterruptedException if interrupted while waiting for them to stop
   */
  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop();
  }
}
