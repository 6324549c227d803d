package dev.slicestore.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deployment configuration, {@code conf/application.conf} (HOCON): Kafka, Redis, serving and
 * ingest settings, with {@code ${?ENV}} overrides written in the file itself. No secrets belong in
 * the file: the Redis password is read from {@code SLICESTORE_REDIS_PASSWORD} through such an
 * override.
 *
 * <p>Immutable, serializable and thread-safe.
 */
public final class AppConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Redis deployment mode. */
  public enum RedisMode {
    STANDALONE,
    CLUSTER
  }

  /** Structured Streaming trigger of online-ingest. */
  public enum IngestTrigger {
    MICRO_BATCH,
    REAL_TIME
  }

  private final String file;
  private final String stateDir;
  private final String kafkaBootstrapServers;
  private final Map<String, String> kafkaProperties;
  private final RedisMode redisMode;
  private final List<String> redisNodes;
  private final String redisUser;
  private final String redisPassword;
  private final int redisTimeoutMillis;
  private final int redisPoolSize;
  private final String featureSetsDir;
  private final int servingPort;
  private final IngestTrigger ingestTrigger;
  private final long ingestIntervalMillis;
  private final long ingestRealTimeBatchMillis;
  private final int ingestFlushRows;
  private final long ingestMaxOffsetsPerTrigger;
  private final String ingestStartingOffsets;
  private final int ingestRedisWriteAttempts;
  private final long ingestRetryBackoffMillis;
  private final long ingestMaxRetryBackoffMillis;
  private final int ingestMaxRestarts;
  private final long ingestRestartBackoffMillis;
  private final long ingestMaxRestartBackoffMillis;
  private final long ingestRestartResetAfterMillis;

  private AppConfig(Config c, String file) {
    List<String> problems = new ArrayList<>();
    this.file = file;
    Config s = c.getConfig("slicestore");
    this.stateDir = str(s, "state-dir", problems, file);
    this.kafkaBootstrapServers = str(s, "kafka.bootstrap-servers", problems, file);
    Map<String, String> props = new LinkedHashMap<>();
    if (s.hasPath("kafka.properties")) {
      s.getConfig("kafka.properties")
          .entrySet()
          .forEach(e -> props.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
    }
    this.kafkaProperties = Map.copyOf(props);
    this.redisMode = enumValue(s, "redis.mode", RedisMode.class, problems, file);
    List<String> nodes = List.of();
    try {
      nodes =
          s.getValue("redis.nodes").valueType() == com.typesafe.config.ConfigValueType.STRING
              ? List.of(s.getString("redis.nodes").split("\\s*,\\s*"))
              : s.getStringList("redis.nodes");
      for (String n : nodes) {
        int colon = n.lastIndexOf(':');
        if (colon <= 0 || !n.substring(colon + 1).matches("\\d+")) {
          problems.add(
              file + ": slicestore.redis.nodes: Invalid node '" + n + "' (must be host:port)");
        }
      }
      if (nodes.isEmpty()) {
        problems.add(file + ": slicestore.redis.nodes: must list at least one host:port");
      }
    } catch (ConfigException e) {
      problems.add(file + ": slicestore.redis.nodes: " + e.getMessage());
    }
    this.redisNodes = nodes;
    this.redisUser = s.hasPath("redis.user") ? s.getString("redis.user") : null;
    this.redisPassword = s.hasPath("redis.password") ? s.getString("redis.password") : null;
    this.redisTimeoutMillis = (int) millis(s, "redis.timeout", problems, file);
    this.redisPoolSize = s.hasPath("redis.pool-size") ? s.getInt("redis.pool-size") : 16;
    this.featureSetsDir = str(s, "feature-sets-dir", problems, file);
    this.servingPort = s.hasPath("serving.port") ? s.getInt("serving.port") : 50051;
    this.ingestTrigger = enumValue(s, "ingest.trigger", IngestTrigger.class, problems, file);
    this.ingestIntervalMillis = millis(s, "ingest.interval", problems, file);
    this.ingestRealTimeBatchMillis =
        millis(s, "ingest.real-time-checkpoint-interval", problems, file);
    this.ingestFlushRows = s.getInt("ingest.flush-rows");
    this.ingestMaxOffsetsPerTrigger =
        s.hasPath("ingest.max-offsets-per-trigger")
            ? s.getLong("ingest.max-offsets-per-trigger")
            : 0;
    this.ingestStartingOffsets = str(s, "ingest.starting-offsets", problems, file);
    this.ingestRedisWriteAttempts = s.getInt("ingest.redis-write-attempts");
    this.ingestRetryBackoffMillis = millis(s, "ingest.retry-backoff", problems, file);
    this.ingestMaxRetryBackoffMillis = millis(s, "ingest.max-retry-backoff", problems, file);
    this.ingestMaxRestarts = s.getInt("ingest.max-restarts");
    this.ingestRestartBackoffMillis = millis(s, "ingest.restart-backoff", problems, file);
    this.ingestMaxRestartBackoffMillis = millis(s, "ingest.max-restart-backoff", problems, file);
    this.ingestRestartResetAfterMillis = millis(s, "ingest.restart-reset-after", problems, file);
    if (ingestRedisWriteAttempts < 1) {
      problems.add(
          file
              + ": slicestore.ingest.redis-write-attempts: Invalid value "
              + ingestRedisWriteAttempts
              + " (must be >= 1)");
    }
    if (ingestMaxRestarts < 0) {
      problems.add(
          file
              + ": slicestore.ingest.max-restarts: Invalid value "
              + ingestMaxRestarts
              + " (must be >= 0)");
    }
    if (ingestFlushRows < 1) {
      problems.add(
          file
              + ": slicestore.ingest.flush-rows: Invalid value "
              + ingestFlushRows
              + " (must be >= 1)");
    }
    if (!problems.isEmpty()) {
      throw new ConfigProblemException(problems);
    }
  }

  private static String str(Config s, String path, List<String> problems, String file) {
    try {
      return s.getString(path);
    } catch (ConfigException e) {
      problems.add(file + ": slicestore." + path + ": " + e.getMessage());
      return null;
    }
  }

  private static long millis(Config s, String path, List<String> problems, String file) {
    try {
      return s.getDuration(path).toMillis();
    } catch (ConfigException e) {
      problems.add(file + ": slicestore." + path + ": Invalid duration (" + e.getMessage() + ")");
      return 0;
    }
  }

  private static <E extends Enum<E>> E enumValue(
      Config s, String path, Class<E> type, List<String> problems, String file) {
    String v = str(s, path, problems, file);
    if (v == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, v.trim().toUpperCase().replace('-', '_'));
    } catch (IllegalArgumentException e) {
      List<String> known = new ArrayList<>();
      for (E k : type.getEnumConstants()) {
        known.add(k.name().toLowerCase().replace('_', '-'));
      }
      problems.add(
          file
              + ": slicestore."
              + path
              + ": Unknown value '"
              + v
              + "' (known: "
              + String.join(", ", known)
              + ")");
      return null;
    }
  }

  /**
   * Loads a configuration file on top of the built-in defaults ({@code reference.conf} in core),
   * resolving {@code ${?ENV}} overrides.
   *
   * @param file the file, or null to use only defaults and environment overrides
   * @throws ConfigProblemException naming the file, the path and the problem
   */
  public static AppConfig load(Path file) {
    Config defaults = ConfigFactory.parseResources(AppConfig.class, "/slicestore-reference.conf");
    Config user = ConfigFactory.empty();
    String name = file == null ? "built-in defaults" : file.toString();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new ConfigProblemException(List.of(file + ": file not found"));
      }
      try {
        user =
            ConfigFactory.parseFile(
                file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new ConfigProblemException(List.of(file + ": cannot parse: " + e.getMessage()));
      }
    }
    try {
      Config merged = user.withFallback(defaults).resolve();
      return new AppConfig(merged, name);
    } catch (ConfigException e) {
      throw new ConfigProblemException(List.of(name + ": " + e.getMessage()));
    }
  }

  /**
   * Loads what a command line names: {@code config}, else {@code conf/application.conf} when it
   * exists in the working directory, else the built-in defaults; then the endpoint overrides.
   *
   * @param config the file given on the command line, or null
   * @param bootstrapServers Kafka override, or null
   * @param redisNodes Redis override ({@code host:port} each), or null
   * @throws ConfigProblemException naming the file, the path and the problem
   */
  public static AppConfig resolve(Path config, String bootstrapServers, List<String> redisNodes) {
    Path file = config;
    if (file == null && Files.isRegularFile(Path.of("conf", "application.conf"))) {
      file = Path.of("conf", "application.conf");
    }
    AppConfig app = load(file);
    if (bootstrapServers != null || redisNodes != null) {
      app =
          app.withEndpoints(
              bootstrapServers != null ? bootstrapServers : app.kafkaBootstrapServers(),
              redisNodes != null ? redisNodes : app.redisNodes());
    }
    return app;
  }

  /**
   * @return a copy with the Kafka bootstrap servers and Redis nodes replaced (local stack, tests)
   */
  public AppConfig withEndpoints(String bootstrapServers, List<String> nodes) {
    Config c =
        ConfigFactory.parseMap(
                Map.of(
                    "slicestore.kafka.bootstrap-servers", bootstrapServers,
                    "slicestore.redis.nodes", nodes))
            .withFallback(toConfig());
    return new AppConfig(c, file);
  }

  /**
   * @return a copy with one setting replaced, e.g. {@code ("slicestore.ingest.trigger",
   *     "real-time")}
   */
  public AppConfig with(String path, Object value) {
    return new AppConfig(
        ConfigFactory.parseMap(Map.of(path, value)).withFallback(toConfig()), file);
  }

  private Config toConfig() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("slicestore.state-dir", stateDir);
    m.put("slicestore.kafka.bootstrap-servers", kafkaBootstrapServers);
    Map<String, Object> props = new LinkedHashMap<>(kafkaProperties);
    m.put("slicestore.kafka.properties", props);
    m.put("slicestore.redis.mode", redisMode.name().toLowerCase());
    m.put("slicestore.redis.nodes", redisNodes);
    if (redisUser != null) {
      m.put("slicestore.redis.user", redisUser);
    }
    if (redisPassword != null) {
      m.put("slicestore.redis.password", redisPassword);
    }
    m.put("slicestore.redis.timeout", redisTimeoutMillis + "ms");
    m.put("slicestore.redis.pool-size", redisPoolSize);
    m.put("slicestore.feature-sets-dir", featureSetsDir);
    m.put("slicestore.serving.port", servingPort);
    m.put("slicestore.ingest.trigger", ingestTrigger.name().toLowerCase().replace('_', '-'));
    m.put("slicestore.ingest.interval", ingestIntervalMillis + "ms");
    m.put("slicestore.ingest.real-time-checkpoint-interval", ingestRealTimeBatchMillis + "ms");
    m.put("slicestore.ingest.flush-rows", ingestFlushRows);
    m.put("slicestore.ingest.max-offsets-per-trigger", ingestMaxOffsetsPerTrigger);
    m.put("slicestore.ingest.starting-offsets", ingestStartingOffsets);
    m.put("slicestore.ingest.redis-write-attempts", ingestRedisWriteAttempts);
    m.put("slicestore.ingest.retry-backoff", ingestRetryBackoffMillis + "ms");
    m.put("slicestore.ingest.max-retry-backoff", ingestMaxRetryBackoffMillis + "ms");
    m.put("slicestore.ingest.max-restarts", ingestMaxRestarts);
    m.put("slicestore.ingest.restart-backoff", ingestRestartBackoffMillis + "ms");
    m.put("slicestore.ingest.max-restart-backoff", ingestMaxRestartBackoffMillis + "ms");
    m.put("slicestore.ingest.restart-reset-after", ingestRestartResetAfterMillis + "ms");
    return ConfigFactory.parseMap(m);
  }

  /**
   * @return the file this was loaded from, for messages
   */
  public String file() {
    return file;
  }

  /**
   * @return the local state directory (stack data, checkpoints)
   */
  public String stateDir() {
    return stateDir;
  }

  /**
   * @return Kafka bootstrap servers, {@code host:port[,host:port...]}
   */
  public String kafkaBootstrapServers() {
    return kafkaBootstrapServers;
  }

  /**
   * @return extra Kafka client properties (security, etc.), possibly empty
   */
  public Map<String, String> kafkaProperties() {
    return kafkaProperties;
  }

  /**
   * @return standalone or cluster
   */
  public RedisMode redisMode() {
    return redisMode;
  }

  /**
   * @return Redis nodes as {@code host:port}; for a cluster, seed nodes
   */
  public List<String> redisNodes() {
    return redisNodes;
  }

  /**
   * @return the Redis ACL user, or null
   */
  public String redisUser() {
    return redisUser;
  }

  /**
   * @return the Redis password, or null (set it through SLICESTORE_REDIS_PASSWORD)
   */
  public String redisPassword() {
    return redisPassword;
  }

  /**
   * @return Redis connect and socket timeout, ms
   */
  public int redisTimeoutMillis() {
    return redisTimeoutMillis;
  }

  /**
   * @return the maximum number of pooled Redis connections per process
   */
  public int redisPoolSize() {
    return redisPoolSize;
  }

  /**
   * @return the directory of feature-set files
   */
  public String featureSetsDir() {
    return featureSetsDir;
  }

  /**
   * @return the gRPC port of serving
   */
  public int servingPort() {
    return servingPort;
  }

  /**
   * @return the online-ingest trigger
   */
  public IngestTrigger ingestTrigger() {
    return ingestTrigger;
  }

  /**
   * @return the micro-batch trigger interval, ms (0 = as fast as possible)
   */
  public long ingestIntervalMillis() {
    return ingestIntervalMillis;
  }

  /**
   * @return the real-time mode batch duration (a checkpoint interval, not a latency), ms
   */
  public long ingestRealTimeBatchMillis() {
    return ingestRealTimeBatchMillis;
  }

  /**
   * @return micro-batch mode: Redis pipeline flush size in commands per task
   */
  public int ingestFlushRows() {
    return ingestFlushRows;
  }

  /**
   * @return how many times in all online-ingest tries a Redis batch whose write failed for a
   *     passing reason ({@code >= 1})
   */
  public int ingestRedisWriteAttempts() {
    return ingestRedisWriteAttempts;
  }

  /**
   * @return the wait before the first retry of a Redis batch, ms (doubled at each retry)
   */
  public long ingestRetryBackoffMillis() {
    return ingestRetryBackoffMillis;
  }

  /**
   * @return the longest wait between retries of a Redis batch, ms
   */
  public long ingestMaxRetryBackoffMillis() {
    return ingestMaxRetryBackoffMillis;
  }

  /**
   * @return restarts of a failed continuous query in a row before online-ingest gives up ({@code >=
   *     0})
   */
  public int ingestMaxRestarts() {
    return ingestMaxRestarts;
  }

  /**
   * @return the wait before the first restart of a failed query, ms (doubled at each restart)
   */
  public long ingestRestartBackoffMillis() {
    return ingestRestartBackoffMillis;
  }

  /**
   * @return the longest wait before a restart, ms
   */
  public long ingestMaxRestartBackoffMillis() {
    return ingestMaxRestartBackoffMillis;
  }

  /**
   * @return how long a restarted query must run before the count of restarts in a row starts again,
   *     ms
   */
  public long ingestRestartResetAfterMillis() {
    return ingestRestartResetAfterMillis;
  }

  /**
   * @return Kafka records per micro-batch at most (0 = unlimited)
   */
  public long ingestMaxOffsetsPerTrigger() {
    return ingestMaxOffsetsPerTrigger;
  }

  /**
   * @return where a query without a checkpoint starts: {@code earliest} or {@code latest}
   */
  public String ingestStartingOffsets() {
    return ingestStartingOffsets;
  }
}
