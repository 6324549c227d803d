package dev.slicestore.localstack;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a running local stack can be reached, as written by its background process to {@code
 * <stateDir>/stack.properties}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param bootstrapServers Kafka bootstrap servers, e.g. {@code "localhost:19092"}; not null
 * @param redisHost Redis host, e.g. {@code "127.0.0.1"}; not null
 * @param redisPort Redis port
 * @param pid process id of the background JVM that runs the stack
 * @param stateDir the absolute state directory the stack keeps its data and log in; not null
 */
public record StackInfo(
    String bootstrapServers, String redisHost, int redisPort, long pid, Path stateDir) {

  /**
   * Validates the components.
   *
   * @param bootstrapServers Kafka bootstrap servers; not null
   * @param redisHost Redis host; not null
   * @param redisPort Redis port
   * @param pid process id of the background JVM
   * @param stateDir the absolute state directory; not null
   * @throws NullPointerException if a string or the state directory is null
   */
  public StackInfo {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(redisHost, "redisHost");
    Objects.requireNonNull(stateDir, "stateDir");
  }

  /**
   * Returns the Redis address as a URI, e.g. {@code "redis://127.0.0.1:16379"}.
   *
   * @return the Redis URI
   */
  public String redisUri() {
    return "redis://" + redisHost + ":" + redisPort;
  }

  /**
   * Returns the port of the first Kafka bootstrap server.
   *
   * @return the Kafka broker port
   * @throws IllegalStateException if the bootstrap servers string has no port
   */
  public int kafkaPort() {
    String first = bootstrapServers.split(",")[0].trim();
    int colon = first.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalStateException(
          "Invalid Kafka bootstrap servers: " + bootstrapServers + " (no port)");
    }
    return Integer.parseInt(first.substring(colon + 1));
  }

  /**
   * Returns the host of the first Kafka bootstrap server.
   *
   * @return the Kafka broker host
   */
  public String kafkaHost() {
    String first = bootstrapServers.split(",")[0].trim();
    int colon = first.lastIndexOf(':');
    return colon < 0 ? first : first.substring(0, colon);
  }
}
