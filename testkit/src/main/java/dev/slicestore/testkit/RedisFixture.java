package dev.slicestore.testkit;

import dev.slicestore.localstack.LocalRedis;
import dev.slicestore.localstack.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/**
 * A real {@code redis-server} for tests: {@link LocalRedis}, the one launcher, configured like
 * production (the listpack settings of the online store), on a free loopback port, in its own
 * temporary directory, which {@link #close()} removes. It can be frozen with SIGSTOP to test what
 * clients do when Redis stops answering while its connections stay open.
 *
 * <p>Not thread-safe: one test class (or one test) owns a fixture.
 */
public final class RedisFixture implements AutoCloseable {
  private static final int START_ATTEMPTS = 3;

  private final LocalRedis redis;
  private final Path dir;
  private final boolean ownsDir;
  private boolean paused;

  private RedisFixture(LocalRedis redis, Path dir, boolean ownsDir) {
    this.redis = redis;
    this.dir = dir;
    this.ownsDir = ownsDir;
  }

  /**
   * Starts a server in a new temporary directory and waits until it answers {@code PING} (retrying
   * on another port if a free port was taken meanwhile).
   *
   * @return the running server
   * @throws IOException if redis-server is missing or does not start, with the end of its log
   */
  public static RedisFixture start() throws IOException {
    return start(Files.createTempDirectory("slicestore-redis-"), true);
  }

  /**
   * Starts a server whose working directory (log, pid file) is {@code dir}; the directory is kept.
   *
   * @param dir the working directory, created if missing
   * @return the running server
   * @throws IOException if redis-server is missing or does not start
   */
  public static RedisFixture start(Path dir) throws IOException {
    return start(dir, false);
  }

  private static RedisFixture start(Path dir, boolean ownsDir) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      LocalRedis redis = new LocalRedis(dir, 0);
      try {
        redis.start();
        return new RedisFixture(redis, dir, ownsDir);
      } catch (IOException e) {
        last = e;
      }
    }
    throw last;
  }

  /**
   * @return a loopback port nobody listens on right now (to test refused connections)
   */
  public static int freePort() {
    return Ports.freePort();
  }

  /**
   * @return the host clients connect to
   */
  public String host() {
    return redis.host();
  }

  /**
   * @return the port the server listens on
   */
  public int port() {
    return redis.port();
  }

  /**
   * @return {@code host:port}, as the configuration's Redis nodes take it
   */
  public String node() {
    return redis.host() + ":" + redis.port();
  }

  /**
   * @return the launcher (pid, data directory)
   */
  public LocalRedis localRedis() {
    return redis;
  }

  /**
   * @param timeoutMillis connect and socket timeout, ms
   * @return a new pooled client; the caller closes it
   */
  public UnifiedJedis client(int timeoutMillis) {
    return client(port(), timeoutMillis);
  }

  /**
   * @param port a loopback port, which may have no server (to test refused connections)
   * @param timeoutMillis connect and socket timeout, ms
   * @return a new pooled client; the caller closes it
   */
  public static UnifiedJedis client(int port, int timeoutMillis) {
    return new JedisPooled(
        new HostAndPort(LocalRedis.HOST, port),
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(timeoutMillis)
            .socketTimeoutMillis(timeoutMillis)
            .build());
  }

  /**
   * Freezes the server with SIGSTOP: connections stay open, nothing is answered.
   *
   * @throws IOException if the signal cannot be sent
   * @throws InterruptedException if interrupted while sending it
   */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
    paused = true;
  }

  /**
   * Thaws a paused server with SIGCONT.
   *
   * @throws IOException if the signal cannot be sent
   * @throws InterruptedException if interrupted while sending it
   */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
    paused = false;
  }

  private void signal(String name) throws IOException, InterruptedException {
    long pid = redis.pid();
    int rc =
        new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
    if (rc != 0) {
      throw new IOException("kill -" + name + " " + pid + " failed with " + rc);
    }
  }

  /** Resumes a paused server, stops it, and removes its temporary directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (paused) {
      resume();
    }
    redis.close();
    if (ownsDir && Files.exists(dir)) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
