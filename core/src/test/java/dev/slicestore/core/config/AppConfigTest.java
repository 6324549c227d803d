package dev.slicestore.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.slicestore.core.testing.FeatureSetFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppConfigTest {

  /**
   * The default of a setting the environment may override ({@code ${?ENV}} in the reference file).
   */
  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null ? dflt : v;
  }

  @Test
  void builtInDefaults() {
    AppConfig c = AppConfig.load(null);
    assertThat(c.file()).isEqualTo("built-in defaults");
    assertThat(c.stateDir()).isEqualTo(env("SLICESTORE_STATE_DIR", ".state"));
    assertThat(c.featureSetsDir())
        .isEqualTo(env("SLICESTORE_FEATURE_SETS_DIR", "conf/feature-sets"));
    assertThat(c.kafkaBootstrapServers())
        .isEqualTo(env("SLICESTORE_KAFKA_BOOTSTRAP_SERVERS", "localhost:19092"));
    assertThat(c.kafkaProperties()).isEmpty();
    if (System.getenv("SLICESTORE_REDIS_MODE") == null) {
      assertThat(c.redisMode()).isEqualTo(AppConfig.RedisMode.STANDALONE);
    }
    if (System.getenv("SLICESTORE_REDIS_NODES") == null) {
      assertThat(c.redisNodes()).containsExactly("localhost:16379");
    }
    if (System.getenv("SLICESTORE_REDIS_USER") == null) {
      assertThat(c.redisUser()).isNull();
    }
    if (System.getenv("SLICESTORE_REDIS_PASSWORD") == null) {
      assertThat(c.redisPassword()).isNull();
    }
    assertThat(c.redisTimeoutMillis()).isEqualTo(2_000);
    assertThat(c.redisPoolSize()).isEqualTo(16);
    assertThat(c.servingPort())
        .isEqualTo(Integer.parseInt(env("SLICESTORE_SERVING_PORT", "50051")));
    if (System.getenv("SLICESTORE_INGEST_TRIGGER") == null) {
      assertThat(c.ingestTrigger())
          .as("measured default, see docs/configuration.md")
          .isEqualTo(AppConfig.IngestTrigger.REAL_TIME);
    }
    assertThat(c.ingestIntervalMillis()).isZero();
    assertThat(c.ingestRealTimeBatchMillis()).isEqualTo(300_000L);
    assertThat(c.ingestFlushRows()).isEqualTo(1_000);
    assertThat(c.ingestMaxOffsetsPerTrigger()).isEqualTo(200_000L);
    assertThat(c.ingestStartingOffsets()).isEqualTo("earliest");
  }

  @Test
  void repositoryApplicationConfLoads() {
    AppConfig c = AppConfig.load(FeatureSetFixtures.repoRoot().resolve("conf/application.conf"));
    assertThat(c.file()).endsWith("application.conf");
    assertThat(c.redisNodes()).isNotEmpty();
  }

  @Test
  void fileOverridesDefaultsAndCopiesReplaceSettings(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("app.conf");
    Files.writeString(
        f,
        String.join(
            "\n",
            "slicestore.redis { mode = cluster, nodes = \"a:1, b:2\", pool-size = 4, timeout = 250ms }",
            "slicestore.ingest { trigger = real-time, flush-rows = 10 }",
            "slicestore.kafka.properties { security.protocol = SSL }"));
    AppConfig c = AppConfig.load(f);
    assertThat(c.redisMode()).isEqualTo(AppConfig.RedisMode.CLUSTER);
    assertThat(c.redisNodes()).containsExactly("a:1", "b:2");
    assertThat(c.redisPoolSize()).isEqualTo(4);
    assertThat(c.redisTimeoutMillis()).isEqualTo(250);
    assertThat(c.ingestTrigger()).isEqualTo(AppConfig.IngestTrigger.REAL_TIME);
    assertThat(c.ingestFlushRows()).isEqualTo(10);
    assertThat(c.kafkaProperties()).containsEntry("security.protocol", "SSL");

    AppConfig moved = c.withEndpoints("k:9092", List.of("r:6379"));
    assertThat(moved.kafkaBootstrapServers()).isEqualTo("k:9092");
    assertThat(moved.redisNodes()).containsExactly("r:6379");
    assertThat(moved.redisMode()).isEqualTo(AppConfig.RedisMode.CLUSTER);
    assertThat(moved.kafkaProperties()).containsEntry("security.protocol", "SSL");
    assertThat(moved.with("slicestore.ingest.trigger", "micro-batch").ingestTrigger())
        .isEqualTo(AppConfig.IngestTrigger.MICRO_BATCH);
    assertThatThrownBy(() -> c.with("slicestore.ingest.trigger", "sometimes"))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining("slicestore.ingest.trigger");
  }

  @Test
  void unknownEnumValueNamesFileAndPath(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("app.conf");
    Files.writeString(f, "slicestore.ingest.trigger = sometimes\n");
    ConfigProblemException e =
        catchThrowableOfType(ConfigProblemException.class, () -> AppConfig.load(f));
    assertThat(e).isNotNull();
    assertThat(e.problems())
        .containsExactly(
            f
                + ": slicestore.ingest.trigger: Unknown value 'sometimes' (known: micro-batch, real-time)");
    assertThat(e.getMessage()).isEqualTo("Invalid configuration: " + e.problems().get(0));
  }

  @Test
  void otherProblemsNameFileAndPath(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("app.conf");
    Files.writeString(
        f,
        String.join(
            "\n",
            "slicestore.redis { mode = sharded, nodes = [\"localhost\"], timeout = soon }",
            "slicestore.ingest.flush-rows = 0"));
    ConfigProblemException e =
        catchThrowableOfType(ConfigProblemException.class, () -> AppConfig.load(f));
    assertThat(e.problems())
        .hasSize(4)
        .allSatisfy(p -> assertThat(p).startsWith(f + ": slicestore."));
    assertThat(e.problems())
        .anySatisfy(p -> assertThat(p).contains("slicestore.redis.mode: Unknown value 'sharded'"));
    assertThat(e.problems())
        .anySatisfy(
            p -> assertThat(p).contains("slicestore.redis.nodes: Invalid node 'localhost'"));
    assertThat(e.problems())
        .anySatisfy(p -> assertThat(p).contains("slicestore.redis.timeout: Invalid duration"));
    assertThat(e.problems())
        .anySatisfy(p -> assertThat(p).contains("slicestore.ingest.flush-rows: Invalid value 0"));

    Path wrongType = dir.resolve("port.conf");
    Files.writeString(wrongType, "slicestore.serving.port = fifty\n");
    assertThatThrownBy(() -> AppConfig.load(wrongType))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining(wrongType.toString())
        .hasMessageContaining("serving.port");

    Path missing = dir.resolve("missing.conf");
    assertThatThrownBy(() -> AppConfig.load(missing))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessage("Invalid configuration: " + missing + ": file not found");
    Path broken = dir.resolve("broken.conf");
    Files.writeString(broken, "slicestore { redis = \n");
    assertThatThrownBy(() -> AppConfig.load(broken))
        .isInstanceOf(ConfigProblemException.class)
        .hasMessageContaining(broken + ": cannot parse");
  }
}
