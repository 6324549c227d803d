package dev.slicestore.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real serving process, {@code slicestore serve}, in its own JVM: the same main class and
 * classpath as this benchmark JVM, its own heap and garbage collector, so its pauses are not those
 * of the benchmark's JVM (which also holds Kafka, Spark and the load generator). Redis endpoint and
 * port come from the environment overrides of {@code slicestore-reference.conf} ({@code
 * SLICESTORE_REDIS_NODES}, {@code SLICESTORE_SERVING_PORT}); feature sets from {@code
 * --feature-sets}. The log goes to {@code serve.log} in the given directory.
 *
 * <p>Not thread-safe; {@link #close} kills the process (also from a shutdown hook).
 */
final class ServerProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;
  private final Thread shutdownHook;

  private ServerProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.shutdownHook = new Thread(process::destroyForcibly, "slicestore-serve-stopper");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the server and waits until its gRPC health service answers SERVING.
   *
   * @param redisNode the Redis node, {@code host:port}
   * @param featureSetsDir the directory of feature-set files to serve
   * @param jvmOptions the child JVM's options (heap, collector), split on spaces
   * @param dir where {@code serve.log} goes (created)
   * @param timeout how long to wait for readiness
   * @return the running server
   * @throws IOException if it exits or is not ready in time (the log's tail is quoted)
   */
  static ServerProcess start(
      String redisNode, Path featureSetsDir, String jvmOptions, Path dir, Duration timeout)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("serve.log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String o : jvmOptions.trim().split("\\s+")) {
      if (!o.isEmpty()) {
        command.add(o);
      }
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.slicestore.quickstart.SlicestoreCli",
            "serve",
            "--feature-sets",
            featureSetsDir.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("SLICESTORE_REDIS_NODES", redisNode);
    pb.environment().put("SLICESTORE_REDIS_MODE", "standalone");
    pb.environment().put("SLICESTORE_SERVING_PORT", String.valueOf(port));
    ServerProcess server = new ServerProcess(pb.start(), port, log);
    try {
      server.awaitServing(timeout);
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void awaitServing(Duration timeout) throws IOException, InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
            .build();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        if (!process.isAlive()) {
          throw new IOException(
              "slicestore serve exited with code " + process.exitValue() + ": " + tail());
        }
        try {
          HealthCheckResponse r =
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance());
          if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
        } catch (io.grpc.StatusRuntimeException notYet) {
          // not listening yet
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "slicestore serve was not SERVING within " + timeout.toSeconds() + " s: " + tail());
        }
        Thread.sleep(200);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * @return the gRPC port on 127.0.0.1
   */
  int port() {
    return port;
  }

  /**
   * @return the process id
   */
  long pid() {
    return process.pid();
  }

  private String tail() throws IOException {
    if (!Files.exists(log)) {
      return "(no log)";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
