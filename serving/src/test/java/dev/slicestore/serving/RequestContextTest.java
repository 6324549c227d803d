package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.serving.v1.FeatureInfo;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ListFeatureSetsResponse;
import dev.slicestore.serving.v1.RequestContext;
import dev.slicestore.serving.v1.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code bloom_contains} features answered with request context over gRPC, against a real {@code
 * redis-server}: shared and per-entity values, duplicate entities with different values, empty
 * windows, explicit nulls, text values parsed to the key's type, and INVALID_ARGUMENT for missing
 * and ill-typed values.
 */
class RequestContextTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final long T = Instant.parse("2024-06-01T12:34:56.789Z").toEpochMilli();
  private static final long HOUR = 3_600_000L;
  private static ServingFixture fixture;
  private static InProcessFeatureServer server;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServingFixture.start();
    FeatureSet fs = TestFeatureSets.cards();
    assertThat(fs.inputColumns())
        .extracting(c -> c.name())
        .containsExactly("merchant", "mcc", "amount");
    // card-1: m1 and m2 within the hour, m3 five hours ago (1d only), m9 at t (excluded); card-2:
    // m2 only
    fixture.writeRow(fs, "card-1", 0, T - 60_000, "m1", 5411L, 12.5);
    fixture.writeRow(fs, "card-1", 1, T - 30 * 60_000, "m2", 5812L, 3.0);
    fixture.writeRow(fs, "card-1", 2, T - 5 * HOUR, "m3", 4111L, 40.0);
    fixture.writeRow(fs, "card-1", 3, T, "m9", 7995L, 999.0);
    fixture.writeRow(fs, "card-2", 4, T - 10_000, "m2", 5812L, 7.0);
    server = fixture.serveInProcess(Map.of("cards", fs), T);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value i64(long v) {
    return Value.newBuilder().setInt64Value(v).build();
  }

  private static RequestContext ctx(String key, Value v) {
    return RequestContext.newBuilder().putValues(key, v).build();
  }

  private static GetFeaturesRequest.Builder request(String... features) {
    return GetFeaturesRequest.newBuilder().setFeatureSet("cards").addAllFeatures(List.of(features));
  }

  private static GetFeaturesResponse fetch(GetFeaturesRequest.Builder request) {
    return FeatureClient.fetch(server.channel(), request.build(), DEADLINE);
  }

  private static Value bool(boolean b) {
    return Value.newBuilder().setBoolValue(b).build();
  }

  @Test
  void eachEntityIsAskedAboutItsOwnValue() {
    GetFeaturesResponse r =
        fetch(
            request("merchant_seen_1h", "merchant_seen_1d", "tx_1d")
                .addEntityKeys("card-1")
                .addEntityKeys("card-1")
                .addEntityKeys("card-1")
                .addEntityKeys("card-2")
                .addEntityKeys("nobody")
                .putContext("merchant", str("m3")) // shared: for entities without their own value
                .addEntityContexts(ctx("merchant", str("m1")))
                .addEntityContexts(ctx("merchant", str("m9"))) // only at t: excluded
                .addEntityContexts(RequestContext.getDefaultInstance()) // -> the shared m3
                .addEntityContexts(ctx("merchant", str("m2")))
                .addEntityContexts(ctx("merchant", str("m2"))));
    assertThat(r.getFeatureNamesList())
        .containsExactly("merchant_seen_1h", "merchant_seen_1d", "tx_1d");
    assertThat(r.getEntitiesList())
        .extracting(e -> e.getEntityKey())
        .containsExactly("card-1", "card-1", "card-1", "card-2", "nobody");
    assertThat(r.getEntities(0).getValuesList()).containsExactly(bool(true), bool(true), i64(3));
    assertThat(r.getEntities(1).getValuesList()).containsExactly(bool(false), bool(false), i64(3));
    assertThat(r.getEntities(2).getValuesList())
        .as("m3: five hours ago")
        .containsExactly(bool(false), bool(true), i64(3));
    assertThat(r.getEntities(3).getValuesList()).containsExactly(bool(true), bool(true), i64(1));
    assertThat(r.getEntities(0).getStatusesList()).containsOnly(FeatureStatus.PRESENT);
    // an empty window: null and EMPTY
    assertThat(r.getEntities(4).getValues(0)).isEqualTo(Value.getDefaultInstance());
    assertThat(r.getEntities(4).getStatusesList())
        .containsExactly(FeatureStatus.EMPTY, FeatureStatus.EMPTY, FeatureStatus.EMPTY);
  }

  @Test
  void aSharedContextAppliesToEveryEntityAndTextIsParsedToTheKeysType() {
    GetFeaturesResponse r =
        fetch(
            request("mcc_seen_1d", "merchant_seen_1h")
                .addEntityKeys("card-1")
                .addEntityKeys("card-2")
                .putContext("category", str("5812")) // a long key given as text
                .putContext("merchant", Value.getDefaultInstance()) // explicit null
                .putContext("unused", str("ignored")));
    assertThat(r.getEntities(0).getValues(0)).isEqualTo(bool(true));
    assertThat(r.getEntities(1).getValues(0)).isEqualTo(bool(true));
    assertThat(r.getEntities(0).getValues(1))
        .as("null context value")
        .isEqualTo(Value.getDefaultInstance());
    assertThat(r.getEntities(0).getStatuses(1)).isEqualTo(FeatureStatus.PRESENT);

    GetFeaturesResponse typed =
        fetch(request("mcc_seen_1d").addEntityKeys("card-2").putContext("category", i64(4111)));
    assertThat(typed.getEntities(0).getValues(0)).isEqualTo(bool(false));
  }

  @Test
  void featuresWithoutContextNeedNone() {
    GetFeaturesResponse r = fetch(request("tx_1h", "last_merchants_1d").addEntityKeys("card-1"));
    assertThat(r.getEntities(0).getValues(0)).isEqualTo(i64(2));
    assertThat(r.getEntities(0).getValues(1).getListValue().getValuesList())
        .containsExactly(str("m3"), str("m2"), str("m1"));
  }

  @Test
  void listFeatureSetsNamesTheContextKeyAndType() {
    ListFeatureSetsResponse list = FeatureClient.listFeatureSets(server.channel(), DEADLINE);
    Map<String, FeatureInfo> byName = new java.util.HashMap<>();
    list.getFeatureSets(0).getFeaturesList().forEach(f -> byName.put(f.getName(), f));
    assertThat(byName.get("merchant_seen_1h").getValueType()).isEqualTo("boolean");
    assertThat(byName.get("merchant_seen_1h").getContextKey()).isEqualTo("merchant");
    assertThat(byName.get("merchant_seen_1h").getContextType()).isEqualTo("string");
    assertThat(byName.get("mcc_seen_1d").getContextKey()).isEqualTo("category");
    assertThat(byName.get("mcc_seen_1d").getContextType()).isEqualTo("long");
    assertThat(byName.get("tx_1h").getContextKey()).isEmpty();
    assertThat(byName.get("tx_1h").getContextType()).isEmpty();
  }

  private static void assertInvalid(GetFeaturesRequest.Builder request, String description) {
    assertThatThrownBy(() -> fetch(request))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> {
              Status s = ((StatusRuntimeException) e).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(s.getDescription()).isEqualTo(description);
            });
  }

  @Test
  void missingValuesAreInvalidArgumentNamingFeatureKeyAndEntity() {
    assertInvalid(
        request().addEntityKeys("card-1").putContext("merchant", str("m1")),
        "Feature 'mcc_seen_1d' of feature set 'cards' needs the request context value 'category' (a long) for"
            + " entity_keys[0] ('card-1'), which is missing: set context[\"category\"] for every entity or"
            + " entity_contexts[0].values[\"category\"]");
    assertInvalid(
        request("merchant_seen_1d")
            .addEntityKeys("card-1")
            .addEntityKeys("card-2")
            .addEntityContexts(ctx("merchant", str("m1")))
            .addEntityContexts(ctx("category", i64(1))),
        "Feature 'merchant_seen_1d' of feature set 'cards' needs the request context value 'merchant' (a string) for"
            + " entity_keys[1] ('card-2'), which is missing: set context[\"merchant\"] for every entity or"
            + " entity_contexts[1].values[\"merchant\"]");
  }

  @Test
  void illTypedValuesAndMisalignedEntityContextsAreInvalidArgument() {
    assertInvalid(
        request("mcc_seen_1d").addEntityKeys("card-1").putContext("category", str("groceries")),
        "Invalid request context value 'category' for entity_keys[0] ('card-1') (feature 'mcc_seen_1d' needs a long):"
            + " 'groceries' is not a long (a decimal integer)");
    assertInvalid(
        request("merchant_seen_1d")
            .addEntityKeys("card-1")
            .putContext("merchant", Value.newBuilder().setBoolValue(true).build()),
        "Invalid request context value 'merchant' for entity_keys[0] ('card-1') (feature 'merchant_seen_1d' needs a"
            + " string): a boolean value does not fit an input column of type string");
    assertInvalid(
        request("merchant_seen_1d")
            .addEntityKeys("card-1")
            .putContext(
                "merchant",
                Value.newBuilder()
                    .setListValue(
                        dev.slicestore.serving.v1.ValueList.newBuilder().addValues(str("m1")))
                    .build()),
        "Invalid request context value 'merchant' for entity_keys[0] ('card-1') (feature 'merchant_seen_1d' needs a"
            + " string): a list is not a context value: send one value");
    assertInvalid(
        request("tx_1h")
            .addEntityKeys("card-1")
            .addEntityKeys("card-2")
            .addEntityContexts(ctx("merchant", str("m1"))),
        "entity_contexts has 1 entries for 2 entity_keys: give none, or exactly one per entity key, in the same order");
  }
}
