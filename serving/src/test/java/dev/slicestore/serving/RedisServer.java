package dev.slicestore.serving;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * A real {@code redis-server} child process on a free loopback port, without persistence
 * ({@code --save "" --appendonly no}), for tests. {@link #close()} kills it and removes its
 * directory. Not thread-safe.
 */
final class RedisServer implements AutoCloseable {
  static final String BINARY = System.getProperty("slicestore.redisServer", "/usr/bin/redis-server");

  private final Process process;
  private final int port;
  private final Path dir;
  private boolean paused;

  private RedisServer(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** Starts a server and waits until it answers PING (retries on a port race). */
  static RedisServer start() throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      Path dir = Files.createTempDirectory("slicestore-redis-");
      Process p = new ProcessBuilder(List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no"))
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile())
          .start();
      RedisServer server = new RedisServer(p, port, dir);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < until && p.isAlive()) {
        try (UnifiedJedis j = server.client(200)) {
          if ("PONG".equals(j.ping())) {
            return server;
          }
        } catch (RuntimeException e) {
          Thread.sleep(20);
        }
      }
      last = new IOException("redis-server did not start on port " + port + ": "
          + Files.readString(dir.resolve("redis.log")));
      server.close();
    }
    throw last;
  }

  /** @return a port nobody listens on right now */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  /** @return {@code 127.0.0.1:<port>} */
  String node() {
    return "127.0.0.1:" + port;
  }

  /** @return a new pooled client with this connect and socket timeout; the caller closes it */
  UnifiedJedis client(int timeoutMillis) {
    return client(port, timeoutMillis);
  }

  /** @return a pooled client for a loopback port (which may have no server) */
  static UnifiedJedis client(int port, int timeoutMillis) {
    return new JedisPooled(new HostAndPort("127.0.0.1", port), DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(timeoutMillis).socketTimeoutMillis(timeoutMillis).build());
  }

  /** Freezes the server with SIGSTOP: connections stay open, nothing is answered. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
    paused = true;
  }

  /** Thaws a paused server with SIGCONT. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) throws IOException, InterruptedException {
    int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (rc != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed with " + rc);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    if (paused) {
      resume();
    }
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
