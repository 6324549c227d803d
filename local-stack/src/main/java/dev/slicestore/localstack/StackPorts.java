package dev.slicestore.localstack;

/**
 * The ports the local stack listens on. A port of 0 means "any free port", chosen when the stack
 * starts.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kafkaPort Kafka client (broker) port
 * @param controllerPort Kafka KRaft controller port
 * @param redisPort Redis port
 */
public record StackPorts(int kafkaPort, int controllerPort, int redisPort) {

  /** Default Kafka broker port of the local stack. */
  public static final int DEFAULT_KAFKA_PORT = 19092;

  /** Default Kafka controller port of the local stack. */
  public static final int DEFAULT_CONTROLLER_PORT = 19093;

  /** Default Redis port of the local stack. */
  public static final int DEFAULT_REDIS_PORT = 16379;

  /** The default ports: Kafka 19092, controller 19093, Redis 16379. */
  public static final StackPorts DEFAULTS =
      new StackPorts(DEFAULT_KAFKA_PORT, DEFAULT_CONTROLLER_PORT, DEFAULT_REDIS_PORT);

  /**
   * Validates the ports.
   *
   * @param kafkaPort Kafka client (broker) port, 0 = any free port
   * @param controllerPort Kafka KRaft controller port, 0 = any free port
   * @param redisPort Redis port, 0 = any free port
   * @throws IllegalArgumentException if a port is outside 0..65535, or two non-zero ports are equal
   */
  public StackPorts {
    check(kafkaPort, "Kafka port");
    check(controllerPort, "controller port");
    check(redisPort, "Redis port");
    if ((kafkaPort != 0 && (kafkaPort == controllerPort || kafkaPort == redisPort))
        || (controllerPort != 0 && controllerPort == redisPort)) {
      throw new IllegalArgumentException(
          "Invalid ports: Kafka "
              + kafkaPort
              + ", controller "
              + controllerPort
              + ", Redis "
              + redisPort
              + " (must all differ)");
    }
  }

  private static void check(int port, String name) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "Invalid " + name + ": " + port + " (must be 0..65535, 0 = any free port)");
    }
  }
}
