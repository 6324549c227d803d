package dev.slicestore.compaction;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * A real {@code redis-server} child process on a free loopback port, without persistence, for
 * this module's tests ({@code /usr/bin/redis-server}, Debian package {@code redis-server}).
 * {@link #close()} stops it. Not thread-safe.
 */
final class RedisProcess implements AutoCloseable {
  private final Process process;
  private final Path dir;
  final int port;

  private RedisProcess(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server and waits until it answers PING. */
  static RedisProcess start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dir = Files.createTempDirectory("slicestore-compaction-redis-");
    Process p = new ProcessBuilder(List.of(System.getProperty("slicestore.redisServer", "/usr/bin/redis-server"),
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", dir.toString(), "--protected-mode", "no"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    RedisProcess server = new RedisProcess(p, dir, port);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < until && p.isAlive()) {
      try (JedisPooled j = new JedisPooled(new HostAndPort("127.0.0.1", port))) {
        if ("PONG".equals(j.ping())) {
          return server;
        }
      } catch (RuntimeException e) {
        Thread.sleep(20);
      }
    }
    String log = Files.readString(dir.resolve("redis.log"));
    server.close();
    throw new IOException("redis-server did not start on port " + port + ": " + log);
  }

  /** @return {@code 127.0.0.1:<port>} */
  String node() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() throws InterruptedException, IOException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
