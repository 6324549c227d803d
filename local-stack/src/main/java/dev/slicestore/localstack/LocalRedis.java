package dev.slicestore.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real {@code redis-server} started as a child process of this JVM, listening on {@code
 * 127.0.0.1:<port>} without persistence ({@code --save "" --appendonly no}) and with {@code
 * hash-max-listpack-value 128}, so that slice hashes with a compacted entry stay compact.
 *
 * <p>The binary is looked up on {@code PATH}, then at {@code /usr/bin/redis-server} and {@code
 * /usr/local/bin/redis-server}. Its output goes to {@code <dataDir>/redis-server.log}, and its pid
 * to {@code <dataDir>/redis-server.pid}; a redis-server left over from a JVM that was killed (pid
 * file still there, process still a redis-server) is stopped before a new one starts. A JVM
 * shutdown hook kills the child if the JVM exits without calling {@link #close()}.
 *
 * <p>Thread-safe: the lifecycle methods are synchronized.
 */
public final class LocalRedis implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalRedis.class);

  /** The address redis-server binds to and clients connect to. */
  public static final String HOST = "127.0.0.1";

  private static final long START_TIMEOUT_MILLIS = 15_000;
  private static final long STOP_TIMEOUT_MILLIS = 10_000;
  private static final String LOG_FILE = "redis-server.log";
  private static final String PID_FILE = "redis-server.pid";

  private final Path dataDir;
  private final int requestedPort;
  private Process process;
  private Thread shutdownHook;
  private int port;

  /**
   * Creates a stopped server; call {@link #start()}.
   *
   * @param dataDir working directory of redis-server (its log and pid file go there), created if
   *     missing; not null
   * @param port port to listen on, 0 = pick a free port at each start
   * @throws IllegalArgumentException if the port is outside 0..65535
   */
  public LocalRedis(Path dataDir, int port) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "Invalid port: " + port + " (must be 0..65535, 0 = any free port)");
    }
    this.requestedPort = port;
  }

  /**
   * Finds the redis-server binary.
   *
   * @return the path of an executable redis-server
   * @throws IOException if none is installed, with a message that says how to install it
   */
  public static Path findRedisServer() throws IOException {
    List<Path> candidates = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          candidates.add(Paths.get(dir, "redis-server"));
        }
      }
    }
    candidates.add(Paths.get("/usr/bin/redis-server"));
    candidates.add(Paths.get("/usr/local/bin/redis-server"));
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IOException(
        "Cannot start Redis: no redis-server binary on PATH or in /usr/bin. "
            + "Install it, e.g. with: sudo apt-get install redis-server");
  }

  /**
   * Starts redis-server and blocks until it answers {@code PING}.
   *
   * @throws IllegalStateException if this server is already running
   * @throws IOException if redis-server is not installed, the port is taken, or it does not answer
   *     within 15 seconds; the message includes the end of its log
   */
  public synchronized void start() throws IOException {
    if (process != null) {
      throw new IllegalStateException("Cannot start Redis: it is already running on port " + port);
    }
    Path binary = findRedisServer();
    Files.createDirectories(dataDir);
    stopLeftOver(dataDir);
    port = Ports.resolve(requestedPort);
    if (Ports.isOpen(HOST, port, 500)) {
      throw new IOException(
          "Cannot start Redis: port " + port + " is already in use by another process");
    }
    Path logFile = dataDir.resolve(LOG_FILE);
    ProcessBuilder builder =
        new ProcessBuilder(
                binary.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                HOST,
                "--dir",
                dataDir.toString(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
                // a compacted entry (64-70 bytes for the retail feature set) must not push its hash
                // out of
                // the compact listpack encoding, whose default value limit is 64 bytes
                // (docs/online-store.md)
                "--hash-max-listpack-value",
                "128",
                "--daemonize",
                "no")
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    long startNanos = System.nanoTime();
    Process child = builder.start();
    Thread hook = new Thread(child::destroy, "stop-redis-server-" + child.pid());
    Runtime.getRuntime().addShutdownHook(hook);
    Files.writeString(dataDir.resolve(PID_FILE), Long.toString(child.pid()));
    try {
      awaitPing(child, logFile, startNanos);
    } catch (IOException | RuntimeException e) {
      stopProcess(child);
      removeHook(hook);
      Files.deleteIfExists(dataDir.resolve(PID_FILE));
      throw e;
    }
    process = child;
    shutdownHook = hook;
    LOG.info(
        "Redis is up on {}:{} (pid {}, log {}) after {} ms",
        HOST,
        port,
        child.pid(),
        logFile,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  /**
   * Stops a redis-server left running in a data directory by a JVM that was killed before it could
   * stop it: the pid in {@code <dataDir>/redis-server.pid} is stopped (SIGTERM, then SIGKILL after
   * 10 seconds) if that process is still a redis-server. The pid file is removed.
   *
   * @param dataDir the data directory of a {@link LocalRedis}; not null
   * @return the pid of the process that was stopped, or -1 if there was none
   * @throws IOException if the pid file cannot be read or deleted
   */
  public static long stopLeftOver(Path dataDir) throws IOException {
    Path pidFile = dataDir.toAbsolutePath().normalize().resolve(PID_FILE);
    if (!Files.isRegularFile(pidFile)) {
      return -1;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (NumberFormatException e) {
      Files.deleteIfExists(pidFile);
      return -1;
    }
    Optional<ProcessHandle> left =
        ProcessHandle.of(pid)
            .filter(ProcessHandle::isAlive)
            // Debian's redis-server is a symlink to redis-check-rdb, which is what /proc/<pid>/exe
            // shows
            .filter(h -> h.info().command().map(c -> c.contains("redis")).orElse(false));
    if (left.isPresent()) {
      LOG.warn(
          "Stopping a redis-server (pid {}) left running by an earlier run in {}", pid, dataDir);
      ProcessHandle handle = left.get();
      handle.destroy();
      try {
        handle.onExit().get(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        handle.destroyForcibly();
        try {
          handle.onExit().get(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e2) {
          throw new IOException("Cannot stop the left-over redis-server with pid " + pid, e2);
        }
      }
    }
    Files.deleteIfExists(pidFile);
    return left.isPresent() ? pid : -1;
  }

  private void awaitPing(Process child, Path logFile, long startNanos) throws IOException {
    long deadline = startNanos + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    while (System.nanoTime() < deadline) {
      if (!child.isAlive()) {
        throw new IOException(
            "redis-server exited with code "
                + child.exitValue()
                + " before answering on port "
                + port
                + ". End of its log "
                + logFile
                + ":\n"
                + tail(logFile, 20));
      }
      if (ping(HOST, port, 500)) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while waiting for redis-server to start", e);
      }
    }
    throw new IOException(
        "redis-server did not answer PING on port "
            + port
            + " within "
            + START_TIMEOUT_MILLIS / 1000
            + " s. End of its log "
            + logFile
            + ":\n"
            + tail(logFile, 20));
  }

  /**
   * Sends {@code PING} to a Redis server.
   *
   * @param host host name or address; not null
   * @param port port
   * @param timeoutMillis connect and read timeout in milliseconds
   * @return true if the server answered {@code +PONG}
   */
  public static boolean ping(String host, int port, int timeoutMillis) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      return "+PONG".equals(in.readLine());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Returns the last lines of a text file, for error messages.
   *
   * @param file the file; not null
   * @param lines how many lines at most
   * @return the lines joined with newlines, or a note if the file cannot be read
   */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  /**
   * Returns the host clients connect to, {@value #HOST}.
   *
   * @return the host
   */
  public String host() {
    return HOST;
  }

  /**
   * Returns the port redis-server listens on.
   *
   * @return the port in use (or last used); the requested port if never started
   * @throws IllegalStateException if never started and the requested port is 0
   */
  public synchronized int port() {
    int p = port != 0 ? port : requestedPort;
    if (p == 0) {
      throw new IllegalStateException(
          "Redis has not been started yet, so its free port is not chosen yet");
    }
    return p;
  }

  /**
   * Returns the process id of the running redis-server.
   *
   * @return the pid, or -1 if not running
   */
  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /**
   * Tells whether the child process is running.
   *
   * @return true between a successful {@link #start()} and {@link #close()}, while the child lives
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Returns the data (working) directory.
   *
   * @return the absolute data directory
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Stops redis-server (SIGTERM, then SIGKILL after 10 seconds) and waits until it has exited. Does
   * nothing if it is not running.
   */
  @Override
  public synchronized void close() {
    if (process == null) {
      return;
    }
    LOG.info("Stopping Redis on {}:{} (pid {})", HOST, port, process.pid());
    stopProcess(process);
    removeHook(shutdownHook);
    try {
      Files.deleteIfExists(dataDir.resolve(PID_FILE));
    } catch (IOException e) {
      LOG.warn("Cannot delete {}: {}", dataDir.resolve(PID_FILE), e.toString());
    }
    process = null;
    shutdownHook = null;
  }

  private static void stopProcess(Process child) {
    child.destroy();
    try {
      if (!child.waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "redis-server (pid {}) did not stop within {} s; killing it",
            child.pid(),
            STOP_TIMEOUT_MILLIS / 1000);
        child.destroyForcibly().waitFor(STOP_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      child.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    if (hook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs or has run, which is harmless
    }
  }

  @Override
  public String toString() {
    return "LocalRedis["
        + dataDir
        + ", port "
        + (port != 0 ? port : requestedPort)
        + (process != null ? ", pid " + process.pid() : ", stopped")
        + "]";
  }
}
