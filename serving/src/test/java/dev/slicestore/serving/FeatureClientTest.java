package dev.slicestore.serving;

import static dev.slicestore.serving.FeatureClientCli.get;
import static dev.slicestore.serving.FeatureClientCli.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.Value;
import dev.slicestore.testkit.CliRun;
import dev.slicestore.testkit.RedisFixture;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CLI against a real Netty server on a free port: table, JSON, listing and errors. */
class FeatureClientTest {
  private static final long T = Instant.parse("2024-06-01T12:34:56.789Z").toEpochMilli();
  private static ServingFixture fixture;
  private static String target;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServingFixture.start();
    FeatureSet fs = TestFeatureSets.shop();
    assertThat(fs.inputColumns())
        .extracting(c -> c.name())
        .containsExactly("amount", "quantity", "country");
    // alice: three events in the current slice (amounts 1.5, 2.25, 1/3), one at t (excluded)
    fixture.writeRow(fs, "alice", 0, T - 50_000, 1.5, 2L, "DE");
    fixture.writeRow(fs, "alice", 1, T - 40_000, 2.25, 1L, "FR");
    fixture.writeRow(fs, "alice", 2, T - 1, 1.0 / 3, 4L, "DE");
    fixture.writeRow(fs, "alice", 3, T, 1000.0, 9L, "ZZ");
    target = fixture.serveOnFreePort(TestFeatureSets.all(), T);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @Test
  void printsATableWithOneColumnPerEntity() {
    CliRun r =
        get(
            target,
            "shop",
            "--entity",
            "alice",
            "--entity",
            "nobody",
            "--features",
            "amount_sum_1h,amount_mean_1h,events_1h,country_max_1h,quantity_sum_1d");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
        Feature set shop at t = 2024-06-01T12:34:56.789Z (epoch ms 1717245296789)

        feature             alice    nobody
        amount_sum_1h    4.083333         0 ·
        amount_mean_1h   1.361111         - ·
        events_1h               3         0 ·
        country_max_1h         FR         - ·
        quantity_sum_1d         7         0 ·

        · = EMPTY: no input in the window (count and sum are 0)   - = null
        """);
  }

  @Test
  void jsonCarriesTheExactValues() throws Exception {
    CliRun r =
        get(
            target,
            "shop",
            "--json",
            "--entity",
            "alice",
            "--entity",
            "nobody",
            "--deadline",
            "3s");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("feature_set").asText()).isEqualTo("shop");
    assertThat(json.get("evaluation_time").asText()).isEqualTo("2024-06-01T12:34:56.789Z");
    assertThat(json.get("evaluation_time_millis").asLong()).isEqualTo(1717245296789L);
    ManagedChannel channel = FeatureClient.openChannel(target);
    GetFeaturesResponse direct;
    try {
      direct =
          FeatureClient.fetch(
              channel,
              GetFeaturesRequest.newBuilder()
                  .setFeatureSet("shop")
                  .addEntityKeys("alice")
                  .addEntityKeys("nobody")
                  .build(),
              Duration.ofSeconds(5));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(json.get("features"))
        .extracting(JsonNode::asText)
        .isEqualTo(direct.getFeatureNamesList());
    JsonNode alice = json.get("entities").get(0);
    assertThat(alice.get("entity_key").asText()).isEqualTo("alice");
    assertThat(alice.get("values").get("amount_sum_1h").doubleValue())
        .as("exact")
        .isEqualTo(1.5 + 2.25 + 1.0 / 3);
    assertThat(alice.get("values").get("events_1h").isIntegralNumber()).isTrue();
    assertThat(alice.get("values").get("events_1h").longValue()).isEqualTo(3L);
    assertThat(alice.get("values").get("country_max_1h").asText()).isEqualTo("FR");
    assertThat(alice.get("statuses").get("events_1h").asText()).isEqualTo("PRESENT");
    assertThat(alice.get("error").isNull()).isTrue();
    JsonNode nobody = json.get("entities").get(1);
    assertThat(nobody.get("values").get("amount_mean_1h").isNull()).isTrue();
    assertThat(nobody.get("statuses").get("amount_mean_1h").asText()).isEqualTo("EMPTY");
    // every value equals the direct response's, feature by feature
    for (int e = 0; e < 2; e++) {
      for (int f = 0; f < direct.getFeatureNamesCount(); f++) {
        Value v = direct.getEntities(e).getValues(f);
        JsonNode j = json.get("entities").get(e).get("values").get(direct.getFeatureNames(f));
        switch (v.getKindCase()) {
          case DOUBLE_VALUE -> assertThat(j.doubleValue()).isEqualTo(v.getDoubleValue());
          case INT64_VALUE -> assertThat(j.longValue()).isEqualTo(v.getInt64Value());
          case STRING_VALUE -> assertThat(j.textValue()).isEqualTo(v.getStringValue());
          default -> assertThat(j.isNull()).as(direct.getFeatureNames(f)).isTrue();
        }
      }
    }
  }

  @Test
  void listsFeatureSets() {
    CliRun r = run("list-feature-sets", "--target", target);
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("other (version 1, entity key id, slices of 10m, 2 features)")
        .contains("shop (version 3, entity key customer, slices of 1h, 24 features)")
        .contains("  amount_mean_3h   double   mean(amount) over 3h")
        .contains("  events_1d        long     count over 1d");
    CliRun json = run("feature-sets", "--json", "--target", target);
    assertThat(json.exitCode()).isZero();
    assertThat(json.out()).contains("\"slice_millis\": \"3600000\"", "\"value_type\": \"double\"");
  }

  @Test
  void grpcErrorsArePrintedWithTheirCode() {
    CliRun r = get(target, "retail", "--entity", "alice");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .isEqualTo("error: NOT_FOUND: Unknown feature set 'retail' (known: other, shop)\n");

    CliRun bad = get(target, "shop", "--entity", "");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err()).isEqualTo("error: INVALID_ARGUMENT: entity_keys[0] is empty\n");
  }

  @Test
  void aServerNobodyRunsIsUnavailable() throws Exception {
    CliRun r =
        run(
            "get",
            "--target",
            "127.0.0.1:" + RedisFixture.freePort(),
            "--deadline",
            "2s",
            "--feature-set",
            "shop",
            "--entity",
            "alice");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: UNAVAILABLE");
  }

  @Test
  void usageErrorsExitWithTwo() {
    assertThat(get(target, "shop").exitCode()).isEqualTo(2);
    assertThat(run("get", "--deadline", "0s", "--feature-set", "shop", "--entity", "a").exitCode())
        .isEqualTo(2);
  }

  @Test
  void doublesAreShortenedForReading() {
    assertThat(FeatureTable.formatDouble(1.0 / 3)).isEqualTo("0.333333");
    assertThat(FeatureTable.formatDouble(1234.56789012)).isEqualTo("1234.56789");
    assertThat(FeatureTable.formatDouble(2.0)).isEqualTo("2");
    assertThat(FeatureTable.formatDouble(-0.000123456789)).isEqualTo("-0.000123457");
    assertThat(FeatureTable.formatDouble(1.5e-9)).isEqualTo("1.5E-9");
    assertThat(FeatureTable.formatDouble(1e17)).isEqualTo("100000000000000000");
    assertThat(FeatureTable.formatDouble(Double.NaN)).isEqualTo("NaN");
  }
}
