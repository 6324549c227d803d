package dev.slicestore.core.testing;

import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Feature sets for tests: the ones the repository ships ({@code conf/feature-sets/<name>.conf},
 * e.g. {@code shipped("cards")}, {@code shipped("retail")}, {@code shipped("retail_catalogue")})
 * and test-specific ones written inline ({@link #parse}).
 *
 * <p>The repository root is the system property {@value #REPO_ROOT_PROPERTY} (the parent pom's
 * surefire configuration sets it to the build's root directory) when it holds {@code
 * conf/feature-sets}; otherwise the nearest directory, from the working directory upwards, that
 * holds {@code conf/feature-sets} (a test run from an IDE, or from a module directory).
 *
 * <p>Stateless and thread-safe; every call loads anew (feature sets are immutable, so callers may
 * keep them in static fields).
 */
public final class FeatureSetFixtures {
  /** The system property naming the repository root. */
  public static final String REPO_ROOT_PROPERTY = "slicestore.repoRoot";

  /** The directory of the shipped feature sets, relative to the repository root. */
  public static final String FEATURE_SETS_DIR = "conf/feature-sets";

  private FeatureSetFixtures() {}

  /**
   * @return the repository root: {@value #REPO_ROOT_PROPERTY} if it holds {@code
   *     conf/feature-sets}, else the nearest directory from the working directory upwards that does
   *     (absolute, normalized)
   * @throws IllegalStateException if neither holds {@code conf/feature-sets}
   */
  public static Path repoRoot() {
    String property = System.getProperty(REPO_ROOT_PROPERTY);
    if (property != null && !property.isBlank()) {
      Path root = Path.of(property).toAbsolutePath().normalize();
      if (Files.isDirectory(root.resolve(FEATURE_SETS_DIR))) {
        return root;
      }
    }
    Path start = Path.of("").toAbsolutePath().normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(FEATURE_SETS_DIR))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "Cannot find the repository root: neither -D"
            + REPO_ROOT_PROPERTY
            + "="
            + property
            + " nor "
            + start
            + " or a parent of it holds "
            + FEATURE_SETS_DIR);
  }

  /**
   * @return the directory of the shipped feature sets, {@code <repoRoot>/conf/feature-sets}
   * @throws IllegalStateException if the repository root cannot be found ({@link #repoRoot()})
   */
  public static Path featureSetsDir() {
    return repoRoot().resolve(FEATURE_SETS_DIR);
  }

  /**
   * @param name a feature set's name, which is its file's name without {@code .conf}
   * @return the file {@code <repoRoot>/conf/feature-sets/<name>.conf} (it may not exist)
   * @throws IllegalStateException if the repository root cannot be found
   */
  public static Path shippedFile(String name) {
    return featureSetsDir().resolve(name + ".conf");
  }

  /**
   * Loads a shipped feature set with {@link FeatureSetLoader#load}, as the jobs do; its {@link
   * FeatureSet#sourceFile()} is the file's path.
   *
   * @param name e.g. {@code "cards"}, {@code "retail"}, {@code "retail_catalogue"}
   * @return the validated feature set
   * @throws ConfigProblemException if the file is missing ("file not found") or invalid
   * @throws IllegalStateException if the repository root cannot be found
   */
  public static FeatureSet shipped(String name) {
    return FeatureSetLoader.load(shippedFile(name));
  }

  /**
   * Parses a test-specific feature set ({@link FeatureSetLoader#parse}).
   *
   * @param hocon the definition, in the format of {@code conf/feature-sets/*.conf}
   * @param origin a name for messages and {@link FeatureSet#sourceFile()}, e.g. {@code
   *     "orders.conf"}
   * @return the validated feature set
   * @throws ConfigProblemException listing every problem
   */
  public static FeatureSet parse(String hocon, String origin) {
    return FeatureSetLoader.parse(hocon, origin);
  }

  /**
   * Loads a test-specific feature set from the test classpath: the resource {@code
   * feature-sets/<name>.conf} of the calling module's {@code src/test/resources}.
   *
   * @param name the file's name without {@code .conf}, e.g. {@code "cardtx"}
   * @return the validated feature set, with {@code <name>.conf} as its source in messages
   * @throws IllegalArgumentException if there is no such resource
   * @throws ConfigProblemException listing every problem
   */
  public static FeatureSet resource(String name) {
    String path = "feature-sets/" + name + ".conf";
    try (java.io.InputStream in =
        Thread.currentThread().getContextClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("No test resource " + path + " on the classpath");
      }
      return FeatureSetLoader.parse(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), name + ".conf");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot read the test resource " + path, e);
    }
  }
}
