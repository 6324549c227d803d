package dev.slicestore.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of the Feast benchmark that need no Feast: the missing-venv message, the parsing of
 * {@code /get-online-features} answers (as Feast 0.67 writes them: column-major, feature names in
 * its own order, the join key first) and the request bodies. The whole path (apply, materialize,
 * serve, compare) runs in {@link BenchSmokeTest}.
 */
class FeastPeerTest {
  @TempDir Path tmp;

  @Test
  void aMissingVenvSaysToRunSetupFeast() {
    assertThatThrownBy(() -> FeastPeer.requireInstalled(tmp))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(".venv-feast/bin/feast is missing")
        .hasMessageContaining("Run bin/setup-feast");
  }

  @Test
  void parsesAnswersByFeatureNameWithLongsDoublesAndNulls() throws IOException {
    FeastPeer peer = peer();
    String answer =
        """
        {"results":[{"values":["1","2"],"statuses":["PRESENT","PRESENT"],"event_timestamps":["1970-01-01T00:00:00Z","1970-01-01T00:00:00Z"]},
        {"values":[1.5,0.30000000000000004],"statuses":["PRESENT","PRESENT"],"event_timestamps":["2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"]},
        {"values":[3,0],"statuses":["PRESENT","PRESENT"],"event_timestamps":["2026-01-01T00:00:00Z","2026-01-01T00:00:00Z"]},
        {"values":[-0.0,null],"statuses":["PRESENT","PRESENT"],"event_timestamps":["2026-01-01T00:00:00Z","1970-01-01T00:00:00Z"]}],
        "metadata":{"feature_names":["customer_id","amount_sum_1h","lines_1h","amount_min_1h"]}}""";

    Map<String, List<Object>> values =
        peer.parse(answer.getBytes(StandardCharsets.UTF_8), List.of("1", "2"));

    assertThat(values.keySet()).containsExactly("1", "2");
    assertThat(values.get("1")).containsExactly(3L, 1.5, -0.0);
    assertThat(values.get("2")).containsExactly(0L, 0.1 + 0.2, null);
    assertThat((Double) values.get("1").get(2))
        .as("-0.0 stays negative zero (compared bit for bit)")
        .isEqualTo(-0.0);
    assertThat(Double.doubleToRawLongBits((Double) values.get("1").get(2)))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
  }

  @Test
  void aMissingFeatureInTheAnswerIsAnError() throws IOException {
    String answer =
        """
        {"results":[{"values":["1"]},{"values":[3]}],"metadata":{"feature_names":["customer_id","lines_1h"]}}""";
    assertThatThrownBy(() -> peer().parse(answer.getBytes(StandardCharsets.UTF_8), List.of("1")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("no feature amount_sum_1h");
  }

  @Test
  void requestBodiesNameTheViewsFeaturesAndTheEntities() throws IOException {
    String body = new String(peer().requestBody(List.of("17850", "12583")), StandardCharsets.UTF_8);
    assertThat(body)
        .isEqualTo(
            "{\"features\":[\"retail:lines_1h\",\"retail:amount_sum_1h\",\"retail:amount_min_1h\"],"
                + "\"entities\":{\"customer_id\":[\"17850\",\"12583\"]}}");
  }

  @Test
  void drawsAreSeededAndOfTheBatchSize() {
    List<String> entities = Arrays.asList("a", "b", "c", "d", "e");
    List<List<String>> first = FeastBenchmark.draws(entities, 10);
    assertThat(first).hasSize(1024).allSatisfy(d -> assertThat(d).hasSize(10).isSubsetOf(entities));
    assertThat(FeastBenchmark.draws(entities, 10)).isEqualTo(first);
  }

  /**
   * A peer over a fake venv (two empty executables): enough for everything that starts no process.
   */
  private FeastPeer peer() throws IOException {
    Path bin = Files.createDirectories(tmp.resolve(".venv-feast/bin"));
    for (String exe : List.of("feast", "python")) {
      Path p = bin.resolve(exe);
      if (!Files.exists(p)) {
        Files.writeString(p, "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    return new FeastPeer(
        tmp,
        tmp.resolve("repo"),
        "retail",
        List.of("lines_1h", "amount_sum_1h", "amount_min_1h"),
        Map.of("lines_1h", "long", "amount_sum_1h", "double", "amount_min_1h", "double"));
  }
}
