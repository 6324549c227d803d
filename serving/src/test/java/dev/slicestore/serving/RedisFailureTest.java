package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.testkit.RedisFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/**
 * Redis going away: requests fail with UNAVAILABLE within a 1 s client deadline (refused
 * connections and a frozen server), and the health service follows Redis.
 */
class RedisFailureTest {
  private static final GetFeaturesRequest REQUEST =
      GetFeaturesRequest.newBuilder()
          .setFeatureSet("shop")
          .addEntityKeys("alice")
          .addEntityKeys("bob")
          .build();
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  @Test
  void unreachableRedisGivesUnavailableWithinTheDeadline() throws Exception {
    int port = RedisFixture.freePort(); // nobody listens there
    try (UnifiedJedis redis = RedisFixture.client(port, 500);
        InProcessFeatureServer server = server(redis, "127.0.0.1:" + port)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> FeatureClient.fetch(server.channel(), REQUEST, ONE_SECOND))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .startsWith("Redis is unreachable (nodes 127.0.0.1:" + port + "): ");
              });
      assertThat(elapsedMillis(start)).isLessThan(1000);
      assertThat(server.server().servingStatus()).isEqualTo(ServingStatus.NOT_SERVING);
    }
  }

  @Test
  void frozenRedisGivesUnavailableNotDeadlineExceeded() throws Exception {
    try (RedisFixture redisServer = RedisFixture.start();
        UnifiedJedis redis =
            redisServer.client(
                10_000); // longer than the deadline: only the deadline can end the call
        InProcessFeatureServer server = server(redis, redisServer.node())) {
      assertThat(FeatureClient.fetch(server.channel(), REQUEST, ONE_SECOND).getEntitiesCount())
          .isEqualTo(2);
      redisServer.pause();
      long start = System.nanoTime();
      assertThatThrownBy(() -> FeatureClient.fetch(server.channel(), REQUEST, ONE_SECOND))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getStatus().getDescription())
                    .startsWith(
                        "Redis is unreachable (nodes "
                            + redisServer.node()
                            + "): no answer within ")
                    .endsWith("ms, before the request's deadline");
              });
      long elapsed = elapsedMillis(start);
      assertThat(elapsed).as("answered before the 1 s deadline").isBetween(700L, 999L);
      redisServer.resume();
      assertThat(
              FeatureClient.fetch(server.channel(), REQUEST, Duration.ofSeconds(5))
                  .getEntitiesCount())
          .as("served again once Redis answers")
          .isEqualTo(2);
    }
  }

  @Test
  void healthFollowsRedis() throws Exception {
    RedisFixture redisServer = RedisFixture.start();
    try (UnifiedJedis redis = redisServer.client(500);
        InProcessFeatureServer server = server(redis, redisServer.node())) {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(server.channel());
      for (String service : List.of("", "slicestore.v1.FeatureService")) {
        assertThat(healthOf(health, service))
            .as("health of '%s' while Redis runs", service)
            .isEqualTo(ServingStatus.SERVING);
      }
      redisServer.close();
      for (String service : List.of("", "slicestore.v1.FeatureService")) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        ServingStatus status;
        do {
          Thread.sleep(100);
          status = healthOf(health, service);
        } while (status == ServingStatus.SERVING && System.nanoTime() < until);
        assertThat(status)
            .as("health of '%s' after Redis stopped", service)
            .isEqualTo(ServingStatus.NOT_SERVING);
      }
    } finally {
      redisServer.close();
    }
  }

  private static long elapsedMillis(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
  }

  /** A server of the test feature sets over {@code redis}, at {@code node} in its messages. */
  private static InProcessFeatureServer server(UnifiedJedis redis, String node) throws IOException {
    return new InProcessFeatureServer(
        TestFeatureSets.all(), redis, List.of(node), new MutableClock(1_717_243_200_000L));
  }

  /** The health service's status of {@code service}. */
  private static ServingStatus healthOf(HealthGrpc.HealthBlockingStub health, String service) {
    return health
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }
}
