package dev.slicestore.localstack;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The local development stack behind {@code bin/slicestore stack up|down|status}: one real Kafka
 * node ({@link LocalKafka}) and one real redis-server ({@link LocalRedis}), run by a detached
 * background JVM until it is told to stop.
 *
 * <p>Everything lives in a <em>state directory</em> (default {@code .state} under the current
 * working directory, or the environment variable {@value #STATE_DIR_ENV}):
 *
 * <ul>
 *   <li>{@code kafka/} Kafka's data, {@code redis/} Redis's working directory and log;
 *   <li>{@code stack.log} the output of the background JVM;
 *   <li>{@code stack.properties} written by the background JVM once Kafka and Redis answer, with
 *       the keys {@code kafka.bootstrap.servers}, {@code redis.host}, {@code redis.port} and {@code
 *       pid}; deleted when it stops. Other programs find the stack through {@link #read(Path)}.
 * </ul>
 *
 * <p>The background JVM is started as {@code java <this JVM's flags> -cp <this classpath>
 * dev.slicestore.localstack.LocalStack daemon --state-dir DIR ...} in a new session ({@code
 * setsid}), so closing the terminal does not stop it; SIGTERM stops Kafka and Redis cleanly.
 *
 * <p>The static methods are thread-safe, but two {@code up} calls on the same state directory at
 * the same moment are not coordinated.
 */
public final class LocalStack {

  /** Environment variable that overrides the default state directory. */
  public static final String STATE_DIR_ENV = "SLICESTORE_STATE_DIR";

  /** Name of the file that tells where a running stack can be reached. */
  public static final String STACK_PROPERTIES = "stack.properties";

  /** Name of the background JVM's log file inside the state directory. */
  public static final String STACK_LOG = "stack.log";

  /** Default time {@code up} waits for the stack to answer. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(120);

  /** Default time {@code down} waits for the stack to stop before killing it. */
  public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);

  private static final String KEY_BOOTSTRAP = "kafka.bootstrap.servers";
  private static final String KEY_CONTROLLER_PORT = "kafka.controller.port";
  private static final String KEY_REDIS_HOST = "redis.host";
  private static final String KEY_REDIS_PORT = "redis.port";
  private static final String KEY_PID = "pid";
  private static final String KEY_STARTED = "started.at";

  private LocalStack() {}

  /**
   * Returns the state directory to use: the given one, else the environment variable {@value
   * #STATE_DIR_ENV}, else {@code .state} under the current working directory.
   *
   * @param option the {@code --state-dir} option, or null if not given
   * @return an absolute, normalized path (the directory need not exist)
   */
  public static Path resolveStateDir(Path option) {
    if (option != null) {
      return option.toAbsolutePath().normalize();
    }
    String env = System.getenv(STATE_DIR_ENV);
    if (env != null && !env.isBlank()) {
      return Paths.get(env).toAbsolutePath().normalize();
    }
    return Paths.get(".state").toAbsolutePath().normalize();
  }

  /**
   * Returns the running stack recorded in a state directory.
   *
   * @param stateDir the state directory; not null
   * @return where the stack can be reached, or null if no stack is running there (no {@code
   *     stack.properties}, or its process is gone)
   */
  public static StackInfo read(Path stateDir) {
    StackInfo info = readRecorded(stateDir);
    if (info == null || !isStackProcess(info.pid())) {
      return null;
    }
    return info;
  }

  /** Reads stack.properties whether or not its process still lives; null if absent or broken. */
  private static StackInfo readRecorded(Path stateDir) {
    Path dir = stateDir.toAbsolutePath().normalize();
    Path file = dir.resolve(STACK_PROPERTIES);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(reader);
      return new StackInfo(
          props.getProperty(KEY_BOOTSTRAP),
          props.getProperty(KEY_REDIS_HOST),
          Integer.parseInt(props.getProperty(KEY_REDIS_PORT)),
          Long.parseLong(props.getProperty(KEY_PID)),
          dir);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static boolean isStackProcess(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      return false;
    }
    // guards against a pid recycled after a reboot. ProcessHandle.Info.commandLine() is cut at
    // 4096 characters on Linux (our class path is longer), so read /proc directly where it exists.
    Path cmdline = Paths.get("/proc", Long.toString(pid), "cmdline");
    if (Files.isReadable(cmdline)) {
      try {
        return new String(Files.readAllBytes(cmdline), StandardCharsets.ISO_8859_1)
            .contains(LocalStack.class.getName());
      } catch (IOException e) {
        // the process ended meanwhile, or /proc is not readable: fall back below
      }
    }
    return handle.get().info().command().map(c -> c.contains("java")).orElse(true);
  }

  /**
   * Starts the stack in a detached background JVM, unless one is already running in this state
   * directory, and waits until Kafka and Redis answer.
   *
   * @param stateDir the state directory; not null, created if missing
   * @param ports the ports to use (0 = any free port); not null; ignored if already running
   * @param timeout how long to wait for the stack to answer; not null
   * @param out where progress and the final summary are printed; not null
   * @return where the (new or already running) stack can be reached
   * @throws IOException if a port is taken, the background JVM cannot be started, it exits early,
   *     or it does not answer in time (it is then stopped); the message includes the end of {@code
   *     stack.log}
   */
  public static StackInfo up(Path stateDir, StackPorts ports, Duration timeout, PrintWriter out)
      throws IOException {
    Path dir = stateDir.toAbsolutePath().normalize();
    StackInfo running = read(dir);
    if (running != null) {
      out.println("The local stack is already running (pid " + running.pid() + ").");
      printWhere(running, out);
      out.flush();
      return running;
    }
    StackInfo stale = readRecorded(dir);
    if (stale != null) {
      out.println(
          "Removing the state file of a stack that is no longer running (pid "
              + stale.pid()
              + ").");
      Files.deleteIfExists(dir.resolve(STACK_PROPERTIES));
    }
    long leftOver = LocalRedis.stopLeftOver(dir.resolve("redis"));
    if (leftOver > 0) {
      out.println(
          "Stopped a redis-server (pid " + leftOver + ") left running by a stack that was killed.");
    }
    checkPortFree(ports.kafkaPort(), "Kafka", "--kafka-port");
    checkPortFree(ports.controllerPort(), "the Kafka controller", "--controller-port");
    checkPortFree(ports.redisPort(), "Redis", "--redis-port");
    LocalRedis.findRedisServer(); // fail fast, with the install hint, before forking

    Files.createDirectories(dir);
    Path log = dir.resolve(STACK_LOG);
    List<String> command = daemonCommand(dir, ports);
    Process daemon =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    out.println(
        "Starting the local stack in the background (pid "
            + daemon.pid()
            + "): Kafka "
            + describePort(ports.kafkaPort())
            + ", Redis "
            + describePort(ports.redisPort())
            + ".");
    out.println("Its log is " + log);
    out.flush();

    long startNanos = System.nanoTime();
    long deadline = startNanos + timeout.toNanos();
    long nextProgress = startNanos + TimeUnit.SECONDS.toNanos(5);
    while (true) {
      if (!daemon.isAlive()) {
        throw new IOException(
            "The local stack did not start: its background process exited with code "
                + daemon.exitValue()
                + ". End of "
                + log
                + ":\n"
                + LocalRedis.tail(log, 40));
      }
      StackInfo info = read(dir);
      if (info != null
          && Ports.isOpen(info.kafkaHost(), info.kafkaPort(), 1000)
          && LocalRedis.ping(info.redisHost(), info.redisPort(), 1000)) {
        out.printf("The local stack is up after %.1f s.%n", (System.nanoTime() - startNanos) / 1e9);
        printWhere(info, out);
        out.println("Stop it with: bin/slicestore stack down");
        out.flush();
        return info;
      }
      long now = System.nanoTime();
      if (now > deadline) {
        daemon.destroy();
        try {
          daemon.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new IOException(
            "The local stack did not answer within "
                + timeout.toSeconds()
                + " s, so it was stopped. End of "
                + log
                + ":\n"
                + LocalRedis.tail(log, 40));
      }
      if (now > nextProgress) {
        out.printf(
            "  still starting Kafka and Redis (%d s so far)...%n",
            TimeUnit.NANOSECONDS.toSeconds(now - startNanos));
        out.flush();
        nextProgress = now + TimeUnit.SECONDS.toNanos(5);
      }
      sleep(250);
    }
  }

  private static String describePort(int port) {
    return port == 0 ? "on a free port" : "on port " + port;
  }

  private static void checkPortFree(int port, String what, String option) throws IOException {
    if (port != 0 && Ports.isOpen("127.0.0.1", port, 500)) {
      throw new IOException(
          "Cannot start the local stack: port "
              + port
              + " (for "
              + what
              + ") is already in use by another program. Stop that program or choose another port with "
              + option
              + ".");
    }
  }

  private static void printWhere(StackInfo info, PrintWriter out) {
    out.println(
        "  Kafka  " + info.bootstrapServers() + "   data " + info.stateDir().resolve("kafka"));
    out.println(
        "  Redis  "
            + info.redisHost()
            + ":"
            + info.redisPort()
            + "   data "
            + info.stateDir().resolve("redis"));
    out.println("  Log    " + info.stateDir().resolve(STACK_LOG));
  }

  /**
   * Stops the stack running in a state directory: sends SIGTERM to its background JVM and waits for
   * it to exit, killing it if it does not exit within {@code timeout}.
   *
   * @param stateDir the state directory; not null
   * @param timeout how long to wait before killing the process; not null
   * @param out where the outcome is printed; not null
   * @return true if no stack is running any more (including when none was running), false if the
   *     process could not be stopped
   */
  public static boolean down(Path stateDir, Duration timeout, PrintWriter out) {
    Path dir = stateDir.toAbsolutePath().normalize();
    StackInfo recorded = readRecorded(dir);
    if (recorded == null) {
      out.println("The local stack is not running (no " + dir.resolve(STACK_PROPERTIES) + ").");
      out.flush();
      return true;
    }
    if (!isStackProcess(recorded.pid())) {
      out.println(
          "The local stack was not running (its process "
              + recorded.pid()
              + " is gone); removed its stale state file.");
      deleteQuietly(dir.resolve(STACK_PROPERTIES));
      out.flush();
      return true;
    }
    ProcessHandle handle = ProcessHandle.of(recorded.pid()).orElseThrow();
    out.println("Stopping the local stack (pid " + recorded.pid() + ")...");
    out.flush();
    long startNanos = System.nanoTime();
    handle.destroy();
    boolean stopped = waitForExit(handle, timeout);
    if (!stopped) {
      out.println(
          "The local stack did not stop within "
              + timeout.toSeconds()
              + " s; killing it (Redis may be left"
              + " running and is stopped at the next 'stack up').");
      handle.destroyForcibly();
      stopped = waitForExit(handle, Duration.ofSeconds(10));
    }
    if (stopped) {
      deleteQuietly(dir.resolve(STACK_PROPERTIES));
      out.printf(
          "The local stack is stopped (after %.1f s). Its data stays in %s.%n",
          (System.nanoTime() - startNanos) / 1e9, dir);
    } else {
      out.println("Cannot stop the local stack: process " + recorded.pid() + " is still alive.");
    }
    out.flush();
    return stopped;
  }

  private static boolean waitForExit(ProcessHandle handle, Duration timeout) {
    try {
      handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !handle.isAlive();
    } catch (Exception e) {
      return !handle.isAlive();
    }
  }

  /**
   * Checks whether the stack recorded in a state directory runs and answers.
   *
   * @param stateDir the state directory; not null
   * @return the status; {@link StackStatus#info()} is null if no stack is running
   */
  public static StackStatus status(Path stateDir) {
    StackInfo info = read(stateDir);
    if (info == null) {
      return new StackStatus(null, false, false);
    }
    return new StackStatus(
        info,
        kafkaAnswers(info.bootstrapServers(), 5000),
        LocalRedis.ping(info.redisHost(), info.redisPort(), 2000));
  }

  /**
   * Prints a status in plain words.
   *
   * @param stateDir the state directory the status was read from; not null
   * @param status the status; not null
   * @param out where to print; not null
   */
  public static void printStatus(Path stateDir, StackStatus status, PrintWriter out) {
    StackInfo info = status.info();
    if (info == null) {
      out.println(
          "The local stack is not running (state directory "
              + stateDir.toAbsolutePath().normalize()
              + ").");
      out.println("Start it with: bin/slicestore stack up");
    } else {
      out.println(
          "The local stack is running (pid "
              + info.pid()
              + ", state directory "
              + info.stateDir()
              + "):");
      out.println(
          "  Kafka  "
              + info.bootstrapServers()
              + "   "
              + (status.kafkaReachable() ? "reachable" : "NOT reachable"));
      out.println(
          "  Redis  "
              + info.redisHost()
              + ":"
              + info.redisPort()
              + "   "
              + (status.redisReachable() ? "reachable" : "NOT reachable"));
      if (!status.healthy()) {
        out.println("Something does not answer; see " + info.stateDir().resolve(STACK_LOG));
      }
    }
    out.flush();
  }

  private static boolean kafkaAnswers(String bootstrapServers, int timeoutMillis) {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMillis,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMillis))) {
      return !admin.describeCluster().nodes().get(timeoutMillis, TimeUnit.MILLISECONDS).isEmpty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // the background JVM

  private static List<String> daemonCommand(Path stateDir, StackPorts ports) throws IOException {
    List<String> command = new ArrayList<>();
    for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Paths.get(setsid))) {
        command.add(setsid);
        break;
      }
    }
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      // a debugger agent would fight the parent for its port
      if (!flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp")) {
        command.add(flag);
      }
    }
    command.add("-cp");
    command.add(childClassPath());
    command.add(LocalStack.class.getName());
    command.add("daemon");
    command.add("--state-dir");
    command.add(stateDir.toString());
    command.add("--kafka-port");
    command.add(Integer.toString(ports.kafkaPort()));
    command.add("--controller-port");
    command.add(Integer.toString(ports.controllerPort()));
    command.add("--redis-port");
    command.add(Integer.toString(ports.redisPort()));
    return command;
  }

  /**
   * This JVM's class path, with the {@code Class-Path} entries of manifest-only jars (as used by
   * Maven Surefire) spelled out, so the child does not depend on a temporary jar.
   */
  static String childClassPath() throws IOException {
    Set<String> entries = new LinkedHashSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      entries.add(entry);
      if (entry.endsWith(".jar") && Files.isRegularFile(Paths.get(entry))) {
        try (JarFile jar = new JarFile(entry)) {
          Manifest manifest = jar.getManifest();
          String classPath =
              manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
          if (classPath != null && !classPath.isBlank()) {
            URI base = Paths.get(entry).toAbsolutePath().getParent().toUri();
            for (String ref : classPath.trim().split("\\s+")) {
              try {
                entries.add(Paths.get(base.resolve(ref)).toString());
              } catch (RuntimeException e) {
                // not a file reference; the JVM would ignore it too
              }
            }
          }
        }
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /**
   * Entry point of the background JVM: {@code daemon --state-dir DIR [--kafka-port N]
   * [--controller-port N] [--redis-port N]}. Starts Kafka (data in {@code DIR/kafka}) and Redis
   * ({@code DIR/redis}), writes {@code DIR/stack.properties}, and runs until SIGTERM, when a
   * shutdown hook stops both and deletes the file. Exits with code 1 if the stack cannot start, 2
   * on bad arguments.
   *
   * @param args the arguments above
   */
  public static void main(String[] args) {
    int code = runDaemon(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  private static int runDaemon(String[] args) {
    Path stateDir = null;
    int kafkaPort = StackPorts.DEFAULT_KAFKA_PORT;
    int controllerPort = StackPorts.DEFAULT_CONTROLLER_PORT;
    int redisPort = StackPorts.DEFAULT_REDIS_PORT;
    try {
      if (args.length == 0 || !args[0].equals("daemon")) {
        throw new IllegalArgumentException("the first argument must be 'daemon'");
      }
      for (int i = 1; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + args[i] + " needs a value");
        }
        String value = args[i + 1];
        switch (args[i]) {
          case "--state-dir" -> stateDir = Paths.get(value);
          case "--kafka-port" -> kafkaPort = Integer.parseInt(value);
          case "--controller-port" -> controllerPort = Integer.parseInt(value);
          case "--redis-port" -> redisPort = Integer.parseInt(value);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("Invalid arguments: " + e.getMessage());
      System.err.println(
          "Usage: LocalStack daemon [--state-dir DIR] [--kafka-port N] [--controller-port N] [--redis-port N]");
      System.err.println(
          "This is the background process of 'bin/slicestore stack up'; run that instead.");
      return 2;
    }
    Path dir = resolveStateDir(stateDir);
    long pid = ProcessHandle.current().pid();
    say("Local stack daemon starting (pid " + pid + ", state directory " + dir + ")");
    LocalKafka kafka = new LocalKafka(dir.resolve("kafka"), kafkaPort, controllerPort);
    LocalRedis redis = new LocalRedis(dir.resolve("redis"), redisPort);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              say("Stopping the local stack");
              deleteQuietly(dir.resolve(STACK_PROPERTIES));
              kafka.close();
              redis.close();
              say("Local stack stopped");
              stopped.countDown();
            },
            "stop-local-stack");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      Files.createDirectories(dir);
      say("Starting Kafka (data in " + kafka.dataDir() + ")");
      kafka.start();
      say(
          "Kafka is up on "
              + kafka.bootstrapServers()
              + " (controller port "
              + kafka.controllerPort()
              + ")");
      say("Starting Redis (working directory " + redis.dataDir() + ")");
      redis.start();
      say("Redis is up on " + redis.host() + ":" + redis.port() + " (pid " + redis.pid() + ")");
      Properties props = new Properties();
      props.setProperty(KEY_BOOTSTRAP, kafka.bootstrapServers());
      props.setProperty(KEY_CONTROLLER_PORT, Integer.toString(kafka.controllerPort()));
      props.setProperty(KEY_REDIS_HOST, redis.host());
      props.setProperty(KEY_REDIS_PORT, Integer.toString(redis.port()));
      props.setProperty(KEY_PID, Long.toString(pid));
      props.setProperty(KEY_STARTED, Instant.now().toString());
      writeAtomically(dir.resolve(STACK_PROPERTIES), props);
      say(
          "The local stack is ready; wrote "
              + dir.resolve(STACK_PROPERTIES)
              + ". Stop it with: bin/slicestore stack down");
    } catch (Exception e) {
      say("Cannot start the local stack: " + e.getMessage());
      e.printStackTrace(System.out);
      return 1; // System.exit runs the hook, which stops whatever did start
    }
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static void say(String message) {
    System.out.println(Instant.now() + " " + message);
    System.out.flush();
  }

  private static void writeAtomically(Path file, Properties props) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      props.store(out, "written by the slicestore local stack daemon; deleted when it stops");
    }
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // nothing more to do
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for the local stack", e);
    }
  }
}
