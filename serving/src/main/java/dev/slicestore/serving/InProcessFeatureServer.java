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
  public InProcessFeatureServer(
      Map<String, FeatureSet> featureSets, UnifiedJedis redis, List<String> nodes, Clock clock)
      throws IOException {
    this(featureSets, redis, nodes, clock, false);
  }

  private InProcessFeatureServer(
      Map<String, FeatureSet> featureSets,
      UnifiedJedis redis,
      List<String> nodes,
      Clock clock,
      boolean directExecutor)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder serverBuilder = InProcessServerBuilder.forName(name);
    InProcessChannelBuilder channelBuilder = InProcessChannelBuilder.forName(name);
    if (directExecutor) {
      serverBuilder.directExecutor();
      channelBuilder.directExecutor();
    }
    server = new FeatureServer(serverBuilder, featureSets, redis, nodes, clock).start();
    channel = channelBuilder.build();
  }

  /**
   * Starts a server whose calls run on the calling thread (gRPC's direct executor on both sides):
   * no thread hand-off per call, for tests that make many calls in a row.
   *
   * @param featureSets the feature sets to serve, by name
   * @param redis the online store client (not closed by this class)
   * @param nodes the Redis nodes as {@code host:port}, for messages
   * @param clock the clock serving evaluates at
   * @return the started server
   * @throws IOException if the server cannot start
   */
  public static InProcessFeatureServer direct(
      Map<String, FeatureSet> featureSets, UnifiedJedis redis, List<String> nodes, Clock clock)
      throws IOException {
    return new InProcessFeatureServer(featureSets, redis, nodes, clock, true);
  }

  /**
   * @return the running server
   */
  public FeatureServer server() {
    return server;
  }

  /**
   * @return a channel to the server (closed by {@link #close()})
   */
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
