package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.testkit.RedisFixture;
import io.grpc.Status;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/** Server reflection lists the feature service (so grpcurl works without the proto). */
class ReflectionTest {
  @Test
  void reflectionListsTheFeatureService() throws Exception {
    try (UnifiedJedis redis = RedisFixture.client(RedisFixture.freePort(), 200);
        InProcessFeatureServer server =
            new InProcessFeatureServer(
                TestFeatureSets.all(), redis, List.of(), new MutableClock(0))) {
      assertThat(
              call(server, ServerReflectionRequest.newBuilder().setListServices("").build())
                  .getListServicesResponse()
                  .getServiceList())
          .extracting(ServiceResponse::getName)
          .contains("slicestore.v1.FeatureService", "grpc.health.v1.Health");
      ServerReflectionResponse file =
          call(
              server,
              ServerReflectionRequest.newBuilder()
                  .setFileContainingSymbol("slicestore.v1.FeatureService")
                  .build());
      assertThat(file.getFileDescriptorResponse().getFileDescriptorProtoCount()).isPositive();
    }
  }

  private static ServerReflectionResponse call(
      InProcessFeatureServer server, ServerReflectionRequest request) throws Exception {
    CompletableFuture<ServerReflectionResponse> result = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(server.channel())
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    result.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    result.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    result.completeExceptionally(new IllegalStateException("no response"));
                  }
                });
    requests.onNext(request);
    try {
      return result.get(5, TimeUnit.SECONDS);
    } finally {
      requests.onError(
          Status.CANCELLED.withDescription("done").asException()); // ends the stream on both sides
    }
  }
}
