package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.serving.v1.FeatureInfo;
import dev.slicestore.serving.v1.FeatureSetInfo;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ListFeatureSetsResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed requests get INVALID_ARGUMENT, unknown names NOT_FOUND, each with a precise message.
 */
class FeatureServiceValidationTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static ServingFixture fixture;
  private static InProcessFeatureServer server;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServingFixture.start();
    server = fixture.serveInProcess(TestFeatureSets.all(), 1_717_243_200_000L);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static GetFeaturesRequest.Builder request() {
    return GetFeaturesRequest.newBuilder().setFeatureSet("shop").addEntityKeys("alice");
  }

  private static void assertStatus(
      GetFeaturesRequest request, Status.Code code, String description) {
    ThrowingCallable call = () -> FeatureClient.fetch(server.channel(), request, DEADLINE);
    assertThatThrownBy(call)
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> {
              Status s = ((StatusRuntimeException) e).getStatus();
              assertThat(s.getCode()).isEqualTo(code);
              assertThat(s.getDescription()).isEqualTo(description);
            });
  }

  @Test
  void emptyFeatureSetName() {
    assertStatus(
        request().setFeatureSet("").build(),
        Status.Code.INVALID_ARGUMENT,
        "feature_set is empty: name the feature set to read (e.g. 'retail')");
  }

  @Test
  void noEntityKeys() {
    assertStatus(
        request().clearEntityKeys().build(),
        Status.Code.INVALID_ARGUMENT,
        "entity_keys is empty: request at least one entity key");
  }

  @Test
  void anEmptyEntityKey() {
    assertStatus(
        request().addAllEntityKeys(List.of("bob", "carol", "")).build(),
        Status.Code.INVALID_ARGUMENT,
        "entity_keys[3] is empty");
  }

  @Test
  void moreThanAThousandEntities() {
    GetFeaturesRequest tooMany =
        GetFeaturesRequest.newBuilder()
            .setFeatureSet("shop")
            .addAllEntityKeys(IntStream.range(0, 1001).mapToObj(i -> "e" + i).toList())
            .build();
    assertStatus(
        tooMany,
        Status.Code.INVALID_ARGUMENT,
        "entity_keys has 1001 keys, more than the maximum of 1000 per request: split the request");
  }

  @Test
  void exactlyAThousandEntitiesAreServedInOneRequest() {
    GetFeaturesResponse r =
        FeatureClient.fetch(
            server.channel(),
            GetFeaturesRequest.newBuilder()
                .setFeatureSet("shop")
                .addAllEntityKeys(IntStream.range(0, 1000).mapToObj(i -> "e" + i).toList())
                .build(),
            DEADLINE);
    assertThat(r.getEntitiesCount()).isEqualTo(1000);
    assertThat(r.getEntities(999).getEntityKey()).isEqualTo("e999");
  }

  @Test
  void aFeatureNamedTwice() {
    assertStatus(
        request().addAllFeatures(List.of("events_1h", "amount_sum_1d", "events_1h")).build(),
        Status.Code.INVALID_ARGUMENT,
        "features[2] names feature 'events_1h' a second time: name each feature at most once");
  }

  @Test
  void anEmptyFeatureName() {
    assertStatus(
        request().addAllFeatures(List.of("events_1h", "")).build(),
        Status.Code.INVALID_ARGUMENT,
        "features[1] is empty");
  }

  @Test
  void unknownFeatureSet() {
    assertStatus(
        request().setFeatureSet("retail").build(),
        Status.Code.NOT_FOUND,
        "Unknown feature set 'retail' (known: other, shop)");
  }

  @Test
  void unknownFeature() {
    assertStatus(
        request().addAllFeatures(List.of("events_1h", "amount_sum_2d")).build(),
        Status.Code.NOT_FOUND,
        "Unknown feature 'amount_sum_2d' in feature set 'shop' (known: events_1h, events_3h, events_1d, "
            + "amount_count_1h, amount_count_3h, amount_count_1d, amount_sum_1h, amount_sum_3h, amount_sum_1d, "
            + "amount_mean_1h, amount_mean_3h, amount_mean_1d, amount_min_1h, amount_min_3h, amount_min_1d, "
            + "amount_max_1h, amount_max_3h, amount_max_1d, quantity_sum_1h, quantity_sum_3h, quantity_sum_1d, "
            + "country_max_1h, country_max_3h, country_max_1d)");
  }

  @Test
  void listFeatureSetsDescribesEveryFeature() {
    ListFeatureSetsResponse r = FeatureClient.listFeatureSets(server.channel(), DEADLINE);
    assertThat(r.getFeatureSetsList())
        .extracting(FeatureSetInfo::getName)
        .containsExactly("other", "shop");
    FeatureSetInfo shop = r.getFeatureSets(1);
    assertThat(shop.getVersion()).isEqualTo(3);
    assertThat(shop.getEntityKeyColumn()).isEqualTo("customer");
    assertThat(shop.getSliceMillis()).isEqualTo(3_600_000L);
    assertThat(shop.getFeaturesCount()).isEqualTo(24);
    assertThat(shop.getFeaturesList())
        .filteredOn(f -> f.getName().equals("amount_mean_3h"))
        .singleElement()
        .isEqualTo(
            FeatureInfo.newBuilder()
                .setName("amount_mean_3h")
                .setWindowMillis(3 * 3_600_000L)
                .setValueType("double")
                .setAggregation("amount_mean")
                .setFunction("mean")
                .setInputColumn("amount")
                .build());
    assertThat(shop.getFeaturesList())
        .filteredOn(f -> f.getName().equals("events_1d"))
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.getValueType()).isEqualTo("long");
              assertThat(f.getInputColumn()).isEmpty();
            });
    assertThat(shop.getFeaturesList())
        .filteredOn(f -> f.getName().equals("country_max_1h"))
        .singleElement()
        .extracting(FeatureInfo::getValueType)
        .isEqualTo("string");
  }
}
