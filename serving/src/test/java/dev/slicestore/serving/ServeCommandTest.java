package dev.slicestore.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code serve} refuses to start, with a plain message and exit code 1, when there is nothing to
 * serve.
 */
class ServeCommandTest {
  private static String[] run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ServeCommand());
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new String[] {Integer.toString(code), err.toString()};
  }

  @Test
  void aMissingFeatureSetDirectoryIsNamed(@TempDir Path dir) {
    String[] r = run("--feature-sets", dir.resolve("nope").toString(), "--port", "0");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1])
        .isEqualTo("error: feature-set directory not found: " + dir.resolve("nope") + "\n");
  }

  @Test
  void anEmptyFeatureSetDirectoryIsRefused(@TempDir Path dir) {
    String[] r = run("--feature-sets", dir.toString(), "--port", "0");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1])
        .contains("no feature sets in " + dir.toAbsolutePath())
        .contains("nothing to serve");
  }

  @Test
  void anInvalidFeatureSetIsReportedWithItsFile(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("bad.conf"), TestFeatureSets.shopText().replace("slice = 1h", "slice = 7m"));
    String[] r = run("--feature-sets", dir.toString(), "--port", "0");
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).startsWith("error: Invalid configuration").contains("bad.conf");
  }

  @Test
  void aMissingConfigFileIsNamed(@TempDir Path dir) {
    String[] r = run("--config", dir.resolve("application.conf").toString());
    assertThat(r[0]).isEqualTo("1");
    assertThat(r[1]).contains("application.conf: file not found");
  }
}
