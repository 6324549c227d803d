package dev.slicestore.serving;

import static dev.slicestore.serving.FeatureClientCli.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ItemCount;
import dev.slicestore.serving.v1.ItemCounts;
import dev.slicestore.serving.v1.Value;
import dev.slicestore.serving.v1.ValueList;
import dev.slicestore.testkit.CliRun;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code get} with request context ({@code --context}), and how lists and item counts print in the
 * table and as JSON, against a real server (Netty, free port) and {@code redis-server}.
 */
class GetFeaturesContextCliTest {
  private static final long T = Instant.parse("2024-06-01T12:34:56.789Z").toEpochMilli();
  private static ServingFixture fixture;
  private static String target;

  @BeforeAll
  static void start() throws Exception {
    fixture = ServingFixture.start();
    FeatureSet fs = TestFeatureSets.cards();
    // card-1: 14 payments in the last 40 minutes, merchants m1 (x6), m2 (x5), m3, m4, m5; amounts
    // 1..14
    String[] merchants = {
      "m1", "m2", "m1", "m2", "m1", "m2", "m1", "m2", "m1", "m2", "m1", "m3", "m4", "m5"
    };
    for (int i = 0; i < merchants.length; i++) {
      long time = T - 40 * 60_000 + i * 60_000L;
      fixture.writeRow(fs, "card-1", i, time, merchants[i], 5411L, (double) (i + 1));
    }
    target = fixture.serveOnFreePort(Map.of("cards", fs), T);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @Test
  void sharedAndPerEntityContextAndReadableCollections() {
    CliRun r =
        get(
            target,
            "cards",
            "--entity",
            "card-1",
            "--entity",
            "card-1",
            "--entity",
            "card-2",
            "--context",
            "merchant=m9",
            "--context",
            "card-1:merchant=m3",
            "--context",
            "category=5411",
            "--features",
            "merchant_seen_1h,mcc_seen_1d,tx_1h,last_merchants_1d,top_merchants_1d,amount_top_1d");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .isEqualTo(
            """
        Feature set cards at t = 2024-06-01T12:34:56.789Z (epoch ms 1717245296789)

        feature                                              card-1                                      card-1    card-2
        merchant_seen_1h                                       true                                        true         - ·
        mcc_seen_1d                                            true                                        true         - ·
        tx_1h                                                    14                                          14         0 ·
        last_merchants_1d                              [m3, m4, m5]                                [m3, m4, m5]        [] ·
        top_merchants_1d                           m1×6, m2×5, m3×1                            m1×6, m2×5, m3×1        [] ·
        amount_top_1d      [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, …+2]    [14, 13, 12, 11, 10, 9, 8, 7, 6, 5, …+2]        [] ·

        · = EMPTY: no input in the window (count and sum are 0)   - = null
        a×3 = item a counted 3 times; ±e = the count may be overestimated by up to e
        …+n = n more elements not shown (--wide or --json show all)
        """);
    CliRun wide =
        get(target, "cards", "--entity", "card-1", "--wide", "--features", "amount_top_1d");
    assertThat(wide.out())
        .contains("[14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3]\n")
        .doesNotContain("…");
  }

  @Test
  void perEntityValuesOverrideTheSharedOne() {
    CliRun r =
        get(
            target,
            "cards",
            "--entity",
            "card-1",
            "--entity",
            "card-9",
            "--context",
            "merchant=m9",
            "--context",
            "card-9:merchant=m1",
            "--features",
            "merchant_seen_1h",
            "--json");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out()).contains("\"merchant_seen_1h\" : false");
    CliRun own =
        get(
            target,
            "cards",
            "--entity",
            "card-1",
            "--context",
            "merchant=m9",
            "--context",
            "card-1:merchant=m2",
            "--features",
            "merchant_seen_1h");
    assertThat(own.out()).containsPattern("merchant_seen_1h +true");
  }

  @Test
  void jsonHasNaturalValues() throws Exception {
    CliRun r =
        get(
            target,
            "cards",
            "--json",
            "--entity",
            "card-1",
            "--context",
            "merchant=m4",
            "--context",
            "category=1234");
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode values = new ObjectMapper().readTree(r.out()).get("entities").get(0).get("values");
    assertThat(values.get("merchant_seen_1h").isBoolean()).isTrue();
    assertThat(values.get("merchant_seen_1h").booleanValue()).isTrue();
    assertThat(values.get("mcc_seen_1d").booleanValue()).isFalse();
    assertThat(values.get("last_merchants_1d").toString()).isEqualTo("[\"m3\",\"m4\",\"m5\"]");
    assertThat(values.get("top_merchants_1d").toString())
        .isEqualTo(
            "[{\"item\":\"m1\",\"count\":6,\"error_bound\":0},"
                + "{\"item\":\"m2\",\"count\":5,\"error_bound\":0},{\"item\":\"m3\",\"count\":1,\"error_bound\":0}]");
    assertThat(values.get("amount_top_1d")).hasSize(12);
    assertThat(values.get("amount_top_1d").get(0).doubleValue()).isEqualTo(14.0);
  }

  @Test
  void missingContextIsTheServersInvalidArgument() {
    CliRun r = get(target, "cards", "--entity", "card-1", "--features", "merchant_seen_1h");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "error: INVALID_ARGUMENT: Feature 'merchant_seen_1h' of feature set 'cards' needs the"
                + " request context value 'merchant' (a string) for entity_keys[0] ('card-1'), which is missing");
  }

  @Test
  void malformedContextArgumentsAreUsageErrors() {
    CliRun noEq = get(target, "cards", "--entity", "card-1", "--context", "merchant");
    assertThat(noEq.exitCode()).isEqualTo(2);
    assertThat(noEq.err())
        .contains("Invalid --context 'merchant': use KEY=VALUE or ENTITY:KEY=VALUE");
    CliRun unknown = get(target, "cards", "--entity", "card-1", "--context", "card-2:merchant=m1");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("entity 'card-2' is not one of the --entity keys (card-1)");
    assertThat(GetFeaturesCommand.ContextArg.parse("a:b:merchant=x=y:z"))
        .isEqualTo(new GetFeaturesCommand.ContextArg("a:b", "merchant", "x=y:z"));
    assertThatThrownBy(() -> GetFeaturesCommand.ContextArg.parse(":merchant=x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void collectionsAreShortenedToTheCellWidth() {
    Value list =
        Value.newBuilder()
            .setListValue(
                ValueList.newBuilder()
                    .addValues(Value.newBuilder().setStringValue("alpha"))
                    .addValues(Value.newBuilder().setStringValue("beta"))
                    .addValues(Value.newBuilder().setStringValue("gamma"))
                    .addValues(Value.newBuilder().setStringValue("delta")))
            .build();
    assertThat(FeatureTable.format(list)).isEqualTo("[alpha, beta, gamma, delta]");
    assertThat(FeatureTable.format(list, 20)).isEqualTo("[alpha, beta, …+2]");
    assertThat(FeatureTable.format(list, 8)).isEqualTo("[…+4]");
    Value items =
        Value.newBuilder()
            .setItemCounts(
                ItemCounts.newBuilder()
                    .addItems(
                        ItemCount.newBuilder().setItem("85123A").setCount(40).setErrorBound(3))
                    .addItems(ItemCount.newBuilder().setItem("22423").setCount(12)))
            .build();
    assertThat(FeatureTable.format(items)).isEqualTo("85123A×40±3, 22423×12");
    assertThat(FeatureTable.format(items, 16)).isEqualTo("85123A×40±3, …+1");
    assertThat(FeatureTable.format(Value.newBuilder().setStringValue("x".repeat(50)).build(), 10))
        .isEqualTo("xxxxxxxxx…");
    assertThat(
            FeatureTable.format(
                Value.newBuilder()
                    .setListValue(
                        ValueList.newBuilder()
                            .addValues(Value.newBuilder().setStringValue("y".repeat(30))))
                    .build(),
                12))
        .isEqualTo("[yyyyyyyyy…]");

    GetFeaturesResponse response =
        GetFeaturesResponse.newBuilder()
            .addFeatureNames("f")
            .setEvaluationTimeMillis(0)
            .addEntities(
                EntityFeatures.newBuilder()
                    .setEntityKey("e")
                    .addValues(list)
                    .addStatuses(FeatureStatus.PRESENT))
            .build();
    assertThat(FeatureTable.render("x", response, 20))
        .containsPattern("f +\\[alpha, beta, …\\+2]")
        .contains("…+n = n more");
    assertThat(FeatureTable.render("x", response)).doesNotContain("…+n").doesNotContain("a×3");
  }
}
