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

/** A started {@link FeatureServer} on an in-process transport, with a channel to it. */
final class InProcessFeatureServer implements AutoCloseable {
  final FeatureServer server;
  final ManagedChannel channel;

  InProcessFeatureServer(Map<String, FeatureSet> featureSets, UnifiedJedis redis, List<String> nodes, Clock clock)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = new FeatureServer(InProcessServerBuilder.forName(name), featureSets, redis, nodes, clock).start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.stop();
  }
}
