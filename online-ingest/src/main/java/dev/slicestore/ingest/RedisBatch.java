package dev.slicestore.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.PipeliningBase;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The Redis commands of online-ingest's writer between two flushes, queued on one pipeline as they
 * come (kept open across flushes, like the connection of the writer's task), sent and checked reply
 * by reply at each flush, so that no event counts as written unless Redis accepted every command
 * that carries it.
 *
 * <p>Jedis does not throw for an error reply in a pipeline: {@code sync()} stores it in the
 * command's {@link Response}, and a cluster pipeline only logs a connection it lost. {@link #flush}
 * therefore reads every response. A failure for a passing reason (the connection lost or timed out,
 * or an error reply {@code LOADING}, {@code BUSY}, {@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code
 * MASTERDOWN}, {@code READONLY}) is retried by writing the whole batch again, which is idempotent:
 * every command sets a value or an expiry that does not depend on how often it runs. Any other
 * error reply ({@code OOM}, {@code NOPERM}, {@code WRONGTYPE}, {@code MOVED} from a standalone
 * client, ...) and a passing failure that outlasts the attempts throw {@link RedisWriteException},
 * which fails the Spark task before its Kafka offsets are committed.
 *
 * <p>Not thread-safe: one per writer.
 */
final class RedisBatch {
  /** Error-reply prefixes of failures that pass: the same batch may succeed later. */
  private static final List<String> PASSING =
      List.of("LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY");

  private final Supplier<UnifiedJedis> redis;

  /** Every command since the last successful flush, kept to write the batch again. */
  private final List<Function<PipeliningBase, List<Response<?>>>> commands = new ArrayList<>();

  /** The responses of the commands queued on {@link #pipeline}, in order. */
  private final List<Response<?>> responses = new ArrayList<>();

  /** The pipeline commands are queued on as they come, open across flushes; null until needed. */
  private AbstractPipeline pipeline;

  /** Why queuing on {@link #pipeline} failed (the connection broke), or null. */
  private RuntimeException broken;

  private int size;
  private int events;

  /**
   * @param redis the client (its pipelines route each command to its key's node), asked for a
   *     pipeline when the batch needs one
   */
  RedisBatch(Supplier<UnifiedJedis> redis) {
    this.redis = redis;
  }

  /**
   * Queues commands on the open pipeline; they are sent at the latest at the next {@link #flush}.
   *
   * @param commandCount how many commands {@code queue} queues
   * @param isEvent whether they carry one event (counted as written once flushed)
   * @param queue queues the commands on a pipeline and returns their responses; called again with a
   *     new pipeline if the batch is written again
   */
  void add(int commandCount, boolean isEvent, Function<PipeliningBase, List<Response<?>>> queue) {
    commands.add(queue);
    size += commandCount;
    if (isEvent) {
      events++;
    }
    if (broken == null) {
      try {
        if (pipeline == null) {
          pipeline = redis.get().pipelined();
        }
        responses.addAll(queue.apply(pipeline));
      } catch (RuntimeException e) {
        broken = e; // flush writes the batch again on a new pipeline
      }
    }
  }

  /**
   * @return the commands queued since the last flush
   */
  int size() {
    return size;
  }

  /**
   * Sends the queued commands and checks every reply, writing the whole batch again on a new
   * pipeline after a passing failure; empties the batch when it succeeds.
   *
   * @param attempts how many times in all to write the batch ({@code >= 1})
   * @param backoffMillis the wait before the first retry, ms, doubled at each retry
   * @param maxBackoffMillis the longest wait, ms
   * @param onRetry told of each retry, with its number (1 for the first) and the failure
   * @return the events of the batch, now written
   * @throws RedisWriteException if Redis refused a command, or the batch failed {@code attempts}
   *     times; the message names the reply and what happens next
   */
  int flush(int attempts, long backoffMillis, long maxBackoffMillis, RetryListener onRetry) {
    if (commands.isEmpty()) {
      return 0;
    }
    Failure failure = broken != null ? connectionFailure(broken) : syncAndCheck();
    long wait = backoffMillis;
    for (int attempt = 1; failure != null; attempt++) {
      if (!failure.passing || attempt >= attempts) {
        throw new RedisWriteException(describe(failure, attempt), failure.cause);
      }
      onRetry.retrying(attempt, failure.cause);
      sleep(wait);
      wait = Math.min(maxBackoffMillis, wait * 2);
      failure = rewrite();
    }
    int written = events;
    commands.clear();
    responses.clear();
    size = 0;
    events = 0;
    return written;
  }

  /** Closes the pipeline (its connection goes back to the pool). */
  void close() {
    discardPipeline();
  }

  /** Told of a retry. */
  interface RetryListener {
    /**
     * @param retry the retry's number, 1 for the first
     * @param cause why the write before it failed
     */
    void retrying(int retry, RuntimeException cause);
  }

  /** Why one write of the batch failed, or null for success. */
  private record Failure(RuntimeException cause, boolean passing, int failed, int total) {}

  /** Queues every command of the batch on a new pipeline, then syncs and checks. */
  private Failure rewrite() {
    discardPipeline();
    try {
      pipeline = redis.get().pipelined();
      for (Function<PipeliningBase, List<Response<?>>> c : commands) {
        responses.addAll(c.apply(pipeline));
      }
    } catch (RuntimeException e) {
      broken = e;
      return connectionFailure(e);
    }
    return syncAndCheck();
  }

  private Failure syncAndCheck() {
    try {
      pipeline.sync();
    } catch (RuntimeException e) {
      broken = e; // the connection: the next write needs a new pipeline
      return connectionFailure(e);
    }
    RuntimeException first = null;
    boolean passing = true;
    int failed = 0;
    for (Response<?> r : responses) {
      try {
        r.get();
      } catch (JedisDataException e) {
        failed++;
        boolean p = isPassing(e);
        if (first == null || (passing && !p)) {
          first = e; // report a refusal before a passing failure
        }
        passing &= p;
      } catch (RuntimeException e) {
        // a response a cluster pipeline never set: it lost the node's connection
        failed++;
        if (first == null) {
          first = e;
        }
      }
    }
    return first == null ? null : new Failure(first, passing, failed, responses.size());
  }

  /**
   * @return the failure of a connection refused, lost or timed out while writing or reading
   */
  private Failure connectionFailure(RuntimeException e) {
    boolean passing = !(e instanceof JedisDataException d) || isPassing(d);
    return new Failure(e, passing, size, size);
  }

  private void discardPipeline() {
    responses.clear();
    broken = null;
    if (pipeline != null) {
      try {
        pipeline.close();
      } catch (RuntimeException e) {
        // a broken connection: the pool drops it
      }
      pipeline = null;
    }
  }

  private static boolean isPassing(JedisDataException e) {
    String m = e.getMessage() == null ? "" : e.getMessage().toUpperCase(Locale.ROOT);
    return PASSING.stream().anyMatch(m::startsWith);
  }

  private String describe(Failure f, int attempt) {
    String reply = String.valueOf(f.cause.getMessage());
    String what =
        f.cause instanceof JedisDataException
            ? "Redis refused "
                + f.failed
                + " of the "
                + f.total
                + " commands of a batch of "
                + events
                + " events: "
                + reply
            : "Cannot write a batch of " + events + " events to Redis: " + reply;
    String hint = "";
    if (reply.startsWith("MOVED") || reply.startsWith("ASK")) {
      hint = " (this Redis is a cluster: set slicestore.redis.mode = cluster)";
    } else if (reply.startsWith("OOM")) {
      hint = " (Redis is at its maxmemory: raise maxmemory, or free memory by compacting)";
    } else if (reply.startsWith("NOPERM") || reply.startsWith("NOAUTH")) {
      hint = " (the Redis user lacks a permission or the credentials are wrong)";
    }
    return what
        + hint
        + (f.passing ? " (still failing after " + attempt + " attempts)" : "")
        + ". Nothing of this task counts as written; it fails before its Kafka offsets are"
        + " committed, so its events are read again when online-ingest runs again.";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisWriteException("Interrupted while waiting to retry a Redis write", e);
    }
  }

  /** A Redis write that failed for good: the task must fail before its offsets commit. */
  static final class RedisWriteException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    RedisWriteException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
