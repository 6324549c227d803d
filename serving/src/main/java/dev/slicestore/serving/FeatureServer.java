package dev.slicestore.serving;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import redis.clients.jedis.UnifiedJedis;

/**
 * The slicestore gRPC server, in the shape of grpc-java's {@code RouteGuideServer}: it is built
 * from a {@link ServerBuilder} (tests pass an {@code InProcessServerBuilder}, {@link #main} a Netty
 * one) and registers
 *
 * <ul>
 *   <li>{@code slicestore.v1.FeatureService} ({@link FeatureServiceImpl});
 *   <li>the standard health service {@code grpc.health.v1.Health}: {@code SERVING} while Redis
 *       answers {@code PING}, {@code NOT_SERVING} otherwise, for the server ({@code ""}) and for
 *       {@code slicestore.v1.FeatureService}; a daemon thread checks once a second;
 *   <li>server reflection ({@code grpc.reflection.v1}), so {@code grpcurl} works without the proto.
 * </ul>
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #stop()} (or the JVM shutdown hook {@code
 * start()} registers) and {@link #blockUntilShutdown()}. The Redis client is not owned: its creator
 * closes it after {@code stop()}. Thread-safe.
 */
public final class FeatureServer {
  /**
   * The logging configuration {@link #main} selects unless {@code log4j2.configurationFile} is set.
   */
  static final String LOG_CONFIG = "classpath:dev/slicestore/serving/serving-log4j2.xml";

  /** How often the health checker sends Redis a PING, ms. */
  public static final long HEALTH_CHECK_INTERVAL_MILLIS = 1000;

  /** How long {@link #stop()} lets calls in flight finish before cancelling them, seconds. */
  public static final long SHUTDOWN_GRACE_SECONDS = 5;

  /** Threads running pipelined Redis reads (each holds one pooled connection while reading). */
  static final int REDIS_READ_THREADS = 64;

  /** Redis reads that may wait for a thread before requests are refused with RESOURCE_EXHAUSTED. */
  static final int REDIS_READ_QUEUE = 10_000;

  private final Server server;
  private final UnifiedJedis redis;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ExecutorService redisExecutor;
  private final ScheduledExecutorService healthChecker;
  private final List<String> redisNodes;
  private volatile ServingStatus lastStatus;
  private boolean started;
  private Thread shutdownHook;

  /**
   * Same as {@link #FeatureServer(ServerBuilder, Map, UnifiedJedis, List, Clock)} without Redis
   * node names (error messages then do not name the nodes).
   *
   * @param serverBuilder the builder to register the services on and build the server with (not
   *     null)
   * @param featureSets the feature sets to serve, by name (not null)
   * @param redis the online store client (thread-safe; not closed by the server)
   * @param clock the clock the evaluation time {@code t} is read from (not null)
   */
  public FeatureServer(
      ServerBuilder<?> serverBuilder,
      Map<String, FeatureSet> featureSets,
      UnifiedJedis redis,
      Clock clock) {
    this(serverBuilder, featureSets, redis, List.of(), clock);
  }

  /**
   * @param serverBuilder the builder to register the services on and build the server with (not
   *     null); e.g. {@code Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())}
   * @param featureSets the feature sets to serve, by name (not null)
   * @param redis the online store client (thread-safe; not closed by the server)
   * @param redisNodes the Redis nodes as {@code host:port}, named in UNAVAILABLE messages and logs
   *     (not null)
   * @param clock the clock the evaluation time {@code t} is read from (not null)
   */
  public FeatureServer(
      ServerBuilder<?> serverBuilder,
      Map<String, FeatureSet> featureSets,
      UnifiedJedis redis,
      List<String> redisNodes,
      Clock clock) {
    this.redis = redis;
    this.redisNodes = List.copyOf(redisNodes);
    ThreadPoolExecutor reads =
        new ThreadPoolExecutor(
            REDIS_READ_THREADS,
            REDIS_READ_THREADS,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(REDIS_READ_QUEUE),
            daemonThreads("slicestore-redis-read-"));
    reads.allowCoreThreadTimeOut(true);
    this.redisExecutor = reads;
    ScheduledThreadPoolExecutor checker =
        new ScheduledThreadPoolExecutor(1, daemonThreads("slicestore-redis-health-"));
    checker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.healthChecker = checker;
    FeatureServiceImpl service =
        new FeatureServiceImpl(featureSets, redis, this.redisNodes, clock, redisExecutor);
    this.server =
        serverBuilder
            .addService(service)
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
  }

  /**
   * Checks Redis once, starts the server and the health checker, and registers a JVM shutdown hook
   * that calls {@link #stop()}.
   *
   * @return this
   * @throws IOException if the server cannot bind its port
   * @throws IllegalStateException if already started
   */
  public synchronized FeatureServer start() throws IOException {
    if (started) {
      throw new IllegalStateException("Cannot start the feature server: already started");
    }
    started = true;
    checkRedis();
    server.start();
    healthChecker.scheduleWithFixedDelay(
        this::checkRedis,
        HEALTH_CHECK_INTERVAL_MILLIS,
        HEALTH_CHECK_INTERVAL_MILLIS,
        TimeUnit.MILLISECONDS);
    shutdownHook =
        new Thread(
            () -> {
              // log4j may already be shut down: write to stderr, as RouteGuideServer does
              System.err.println(
                  "slicestore serving: shutting down the gRPC server since the JVM is shutting down");
              try {
                FeatureServer.this.stop();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              System.err.println("slicestore serving: server shut down");
            },
            "slicestore-serving-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    return this;
  }

  /**
   * Stops accepting calls, waits up to {@value #SHUTDOWN_GRACE_SECONDS} s for calls in flight
   * (health watches included), then cancels the rest; stops the health checker (reporting
   * NOT_SERVING to watchers) and the Redis-read threads. Idempotent.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void stop() throws InterruptedException {
    Thread hook;
    synchronized (this) {
      hook = shutdownHook;
      shutdownHook = null;
    }
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down; the hook runs stop() too, which is idempotent
      }
    }
    health.enterTerminalState();
    healthChecker.shutdownNow();
    server.shutdown();
    try {
      if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      server.shutdownNow();
      redisExecutor.shutdownNow();
    }
  }

  /**
   * Waits until the server has terminated (after {@link #stop()} or the shutdown hook).
   *
   * @throws InterruptedException if interrupted while waiting
   */
  public void blockUntilShutdown() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * @return the bound port, or -1 if the transport has none (in-process) or it is not started
   */
  public int port() {
    return server.getPort();
  }

  /**
   * @return the last health status set from the Redis check, or null before the first check
   */
  public ServingStatus servingStatus() {
    return lastStatus;
  }

  private void checkRedis() {
    ServingStatus status;
    String problem = null;
    try {
      redis.ping();
      status = ServingStatus.SERVING;
    } catch (RuntimeException e) {
      status = ServingStatus.NOT_SERVING;
      problem = e.getMessage();
    }
    if (status != lastStatus) {
      if (status == ServingStatus.SERVING) {
        log().info("Redis{} answers PING: health status SERVING", nodes());
      } else {
        log()
            .warn("Redis{} does not answer PING ({}): health status NOT_SERVING", nodes(), problem);
      }
    }
    lastStatus = status;
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
    health.setStatus(FeatureServiceGrpc.SERVICE_NAME, status);
  }

  /** Not a static field, so that {@link #main} can choose the logging configuration first. */
  private static Logger log() {
    return LoggerFactory.getLogger(FeatureServer.class);
  }

  private String nodes() {
    return redisNodes.isEmpty() ? "" : " at " + String.join(", ", redisNodes);
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Runs the server: see {@link ServeCommand} for the options. Exits with 0 after a clean shutdown,
   * 1 on a configuration or startup error, 2 on a usage error.
   *
   * @param args the command-line arguments
   */
  public static void main(String[] args) {
    if (System.getProperty("log4j2.configurationFile") == null
        && System.getProperty("log4j.configurationFile") == null) {
      System.setProperty("log4j2.configurationFile", LOG_CONFIG);
    }
    System.exit(new CommandLine(new ServeCommand()).execute(args));
  }
}
