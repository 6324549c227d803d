package dev.slicestore.localstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka 4.2 cluster (one KRaft process that is both broker and
 * controller) running inside the current JVM.
 *
 * <p>The node uses a static controller quorum of itself ({@code controller.quorum.voters}), the
 * {@code PLAINTEXT} listener on {@code localhost:<brokerPort>} and the {@code CONTROLLER} listener
 * on {@code localhost:<controllerPort>}. Its settings suit one node: replication factor 1 and min
 * ISR 1 for the internal topics, no initial rebalance delay, no automatic topic creation, and by
 * default unlimited retention ({@code log.retention.ms=-1}) and no limit on how far a record
 * timestamp may lie in the past or future, so that replayed events with old (or future) timestamps
 * are kept. Any of these can be overridden with the {@code overrides} constructor argument.
 *
 * <p>The data directory is formatted with Kafka's own storage tool ({@link StorageTool}, what
 * {@code kafka-storage.sh format} runs) the first time only; a later start on the same directory
 * keeps the cluster id and every topic. The object can be started again after {@link #close()}.
 *
 * <p>Thread-safe: the lifecycle methods are synchronized.
 */
public final class LocalKafka implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);

  /** Node id of the single broker-and-controller node. */
  public static final int NODE_ID = 1;

  /** How long {@link #start()} waits for the broker to answer an Admin request. */
  private static final long START_TIMEOUT_MILLIS = 90_000;

  private final Path dataDir;
  private final int requestedBrokerPort;
  private final int requestedControllerPort;
  private final Map<String, String> overrides;

  private KafkaRaftServer server;
  private int brokerPort;
  private int controllerPort;

  /**
   * Creates a stopped node; call {@link #start()}.
   *
   * @param dataDir directory for the Kafka log and metadata log, created if missing; not null
   * @param brokerPort port of the client (PLAINTEXT) listener, 0 = pick a free port at each start
   * @param controllerPort port of the KRaft controller listener, 0 = pick a free port at each start
   * @throws IllegalArgumentException if a port is outside 0..65535
   */
  public LocalKafka(Path dataDir, int brokerPort, int controllerPort) {
    this(dataDir, brokerPort, controllerPort, Map.of());
  }

  /**
   * Creates a stopped node with extra broker settings; call {@link #start()}.
   *
   * @param dataDir directory for the Kafka log and metadata log, created if missing; not null
   * @param brokerPort port of the client (PLAINTEXT) listener, 0 = pick a free port at each start
   * @param controllerPort port of the KRaft controller listener, 0 = pick a free port at each start
   * @param overrides broker properties that replace the defaults (for example {@code
   *     log.retention.ms}); not null; listener and quorum settings should not be overridden
   * @throws IllegalArgumentException if a port is outside 0..65535
   */
  public LocalKafka(
      Path dataDir, int brokerPort, int controllerPort, Map<String, String> overrides) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir").toAbsolutePath().normalize();
    checkPort(brokerPort, "brokerPort");
    checkPort(controllerPort, "controllerPort");
    this.requestedBrokerPort = brokerPort;
    this.requestedControllerPort = controllerPort;
    this.overrides = Map.copyOf(Objects.requireNonNull(overrides, "overrides"));
  }

  private static void checkPort(int port, String name) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "Invalid " + name + ": " + port + " (must be 0..65535, 0 = any free port)");
    }
  }

  /**
   * Formats the data directory if it is not yet formatted, starts the broker and controller, and
   * blocks until the broker answers an Admin {@code describeCluster} request.
   *
   * @throws IllegalStateException if this node is already running
   * @throws IOException if the data directory cannot be created or formatted, or the broker does
   *     not answer within 90 seconds (for example because a port is taken)
   */
  public synchronized void start() throws IOException {
    if (server != null) {
      throw new IllegalStateException(
          "Cannot start Kafka: it is already running on " + bootstrapServers());
    }
    Files.createDirectories(dataDir);
    brokerPort = Ports.resolve(requestedBrokerPort);
    controllerPort = Ports.resolve(requestedControllerPort);
    if (brokerPort == controllerPort) {
      throw new IllegalArgumentException(
          "Cannot start Kafka: broker and controller port are both " + brokerPort);
    }
    for (int port : new int[] {brokerPort, controllerPort}) {
      if (Ports.isOpen("localhost", port, 500)) {
        throw new IOException(
            "Cannot start Kafka: port " + port + " is already in use by another process");
      }
    }
    Properties properties = brokerProperties();
    KafkaConfig config = new KafkaConfig(properties, false);
    formatIfNeeded(properties);

    long startNanos = System.nanoTime();
    KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
    try {
      raftServer.startup();
      awaitBroker(startNanos);
    } catch (IOException | RuntimeException e) {
      shutdownQuietly(raftServer);
      throw e;
    }
    server = raftServer;
    LOG.info(
        "Kafka is up on {} (controller port {}, data in {}) after {} ms",
        bootstrapServers(),
        controllerPort,
        dataDir,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
  }

  private Properties brokerProperties() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
    p.put(
        "listeners",
        "PLAINTEXT://localhost:" + brokerPort + ",CONTROLLER://localhost:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://localhost:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dataDir.toString());
    // one node: every replication factor and min ISR is 1
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "5");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("auto.create.topics.enable", "false");
    // keep replayed history: no time-based deletion, and accept any record timestamp
    p.put("log.retention.ms", "-1");
    p.put("log.retention.bytes", "-1");
    p.put("log.message.timestamp.before.max.ms", Long.toString(Long.MAX_VALUE));
    p.put("log.message.timestamp.after.max.ms", Long.toString(Long.MAX_VALUE));
    p.put("num.partitions", "1");
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.putAll(overrides);
    Properties props = new Properties();
    props.putAll(p);
    return props;
  }

  private void formatIfNeeded(Properties brokerProperties) throws IOException {
    if (isFormatted(dataDir)) {
      LOG.info("Kafka data directory {} is already formatted; keeping its data", dataDir);
      return;
    }
    // kafka-storage.sh format --cluster-id ID --config FILE --ignore-formatted, through its Java
    // entry point
    Path configFile = Files.createTempFile("slicestore-kafka-format-", ".properties");
    ByteArrayOutputStream formatterOutput = new ByteArrayOutputStream();
    int exitCode;
    try {
      try (OutputStream out = Files.newOutputStream(configFile)) {
        brokerProperties.store(out, "slicestore local Kafka: input of the storage formatter");
      }
      try (PrintStream printStream =
          new PrintStream(formatterOutput, true, StandardCharsets.UTF_8)) {
        exitCode =
            StorageTool.execute(
                new String[] {
                  "format",
                  "--cluster-id",
                  Uuid.randomUuid().toString(),
                  "--config",
                  configFile.toString(),
                  "--ignore-formatted"
                },
                printStream);
      }
    } catch (RuntimeException e) {
      throw new IOException(
          "Cannot format the Kafka data directory "
              + dataDir
              + ": "
              + e.getMessage()
              + " "
              + formatterOutput.toString(StandardCharsets.UTF_8).trim(),
          e);
    } finally {
      Files.deleteIfExists(configFile);
    }
    if (exitCode != 0 || !isFormatted(dataDir)) {
      throw new IOException(
          "Cannot format the Kafka data directory "
              + dataDir
              + " (storage tool exit code "
              + exitCode
              + "): "
              + formatterOutput.toString(StandardCharsets.UTF_8).trim());
    }
    LOG.info("Formatted a new Kafka data directory {}", dataDir);
  }

  /**
   * Tells whether a directory has already been formatted as a Kafka log directory.
   *
   * @param dataDir the directory; not null
   * @return true if it holds Kafka's {@code meta.properties}
   */
  public static boolean isFormatted(Path dataDir) {
    return Files.isRegularFile(dataDir.resolve("meta.properties"));
  }

  private void awaitBroker(long startNanos) throws IOException {
    long deadlineNanos = startNanos + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    Exception last = null;
    try (Admin admin = newAdmin()) {
      while (System.nanoTime() < deadlineNanos) {
        try {
          int nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
          if (nodes > 0) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("Interrupted while waiting for Kafka to start", e);
        }
        sleep(200);
      }
    }
    throw new IOException(
        "Kafka did not answer on "
            + bootstrapServers()
            + " within "
            + START_TIMEOUT_MILLIS / 1000
            + " s"
            + (last == null ? "" : ": " + last.getMessage()),
        last);
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted", e);
    }
  }

  private Admin newAdmin() {
    return Admin.create(
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
  }

  /**
   * Returns the address clients use, {@code "localhost:<brokerPort>"}.
   *
   * @return the bootstrap servers string
   * @throws IllegalStateException if the node has never been started and its broker port is 0
   */
  public synchronized String bootstrapServers() {
    return "localhost:" + brokerPort();
  }

  /**
   * Returns the port of the client listener.
   *
   * @return the port in use (or last used); the requested port if never started
   * @throws IllegalStateException if the node has never been started and the requested port is 0
   */
  public synchronized int brokerPort() {
    int port = brokerPort != 0 ? brokerPort : requestedBrokerPort;
    if (port == 0) {
      throw new IllegalStateException(
          "Kafka has not been started yet, so its free broker port is not chosen yet");
    }
    return port;
  }

  /**
   * Returns the port of the KRaft controller listener.
   *
   * @return the port in use (or last used); the requested port (maybe 0) if never started
   */
  public synchronized int controllerPort() {
    return controllerPort != 0 ? controllerPort : requestedControllerPort;
  }

  /**
   * Returns the data directory.
   *
   * @return the absolute data directory
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Tells whether the node is running.
   *
   * @return true between a successful {@link #start()} and {@link #close()}
   */
  public synchronized boolean isRunning() {
    return server != null;
  }

  /**
   * Creates a topic with replication factor 1 unless it exists, and waits until its metadata can be
   * read. Idempotent: an existing topic is left as it is, whatever its partition count.
   *
   * @param name topic name; not null
   * @param partitions number of partitions, at least 1
   * @return true if the topic was created, false if it already existed
   * @throws IllegalStateException if the node is not running
   * @throws IOException if Kafka refuses or does not answer within 30 seconds
   */
  public boolean createTopic(String name, int partitions) throws IOException {
    Objects.requireNonNull(name, "name");
    if (partitions < 1) {
      throw new IllegalArgumentException("Invalid partitions: " + partitions + " (must be > 0)");
    }
    if (!isRunning()) {
      throw new IllegalStateException("Cannot create topic " + name + ": Kafka is not running");
    }
    try (Admin admin = newAdmin()) {
      return createTopic(admin, name, partitions, Optional.of((short) 1));
    }
  }

  /**
   * Creates a topic through an existing Admin client unless it exists, and waits until its metadata
   * can be read.
   *
   * @param admin an Admin client; not null, not closed by this method
   * @param name topic name; not null
   * @param partitions number of partitions, at least 1
   * @param replicationFactor replication factor, or empty for the broker's default
   * @return true if the topic was created, false if it already existed
   * @throws IOException if Kafka refuses or does not answer within 30 seconds
   */
  public static boolean createTopic(
      Admin admin, String name, int partitions, Optional<Short> replicationFactor)
      throws IOException {
    boolean created;
    try {
      admin
          .createTopics(List.of(new NewTopic(name, Optional.of(partitions), replicationFactor)))
          .all()
          .get(30, TimeUnit.SECONDS);
      created = true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        created = false;
      } else {
        throw new IOException(
            "Cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
      }
    } catch (TimeoutException e) {
      throw new IOException(
          "Cannot create topic " + name + ": Kafka did not answer within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while creating topic " + name, e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        admin.describeTopics(List.of(name)).allTopicNames().get(5, TimeUnit.SECONDS);
        return created;
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "Topic " + name + " was created but its metadata is not readable: " + e.getMessage(),
              e);
        }
        sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while waiting for topic " + name, e);
      }
    }
  }

  /**
   * Stops the broker and controller and waits until they have stopped. Data stays in the data
   * directory. Does nothing if the node is not running.
   */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    LOG.info("Stopping Kafka on {}", bootstrapServers());
    shutdownQuietly(server);
    server = null;
  }

  private static void shutdownQuietly(KafkaRaftServer raftServer) {
    try {
      raftServer.shutdown();
      raftServer.awaitShutdown();
    } catch (RuntimeException e) {
      LOG.warn("Kafka did not shut down cleanly: {}", e.toString());
    }
  }

  @Override
  public String toString() {
    return "LocalKafka["
        + dataDir
        + ", broker port "
        + (brokerPort != 0 ? brokerPort : requestedBrokerPort)
        + ", controller port "
        + controllerPort()
        + (server != null ? ", running" : ", stopped")
        + "]";
  }
}
