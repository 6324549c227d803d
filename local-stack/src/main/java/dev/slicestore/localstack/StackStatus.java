package dev.slicestore.localstack;

/**
 * What {@code slicestore stack status} found.
 *
 * <p>Immutable and thread-safe.
 *
 * @param info the running stack as recorded in its state directory, or null if none is running
 * @param kafkaReachable true if Kafka answered an Admin {@code describeCluster} request
 * @param redisReachable true if Redis answered {@code PING}
 */
public record StackStatus(StackInfo info, boolean kafkaReachable, boolean redisReachable) {

  /**
   * Tells whether the stack is running and both of its servers answer.
   *
   * @return true if {@link #info()} is not null and Kafka and Redis are reachable
   */
  public boolean healthy() {
    return info != null && kafkaReachable && redisReachable;
  }
}
