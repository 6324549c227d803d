package dev.slicestore.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.text.StringSubstitutor;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Feast (from PyPI, installed in {@code .venv-feast} by {@code bin/setup-feast}) as the peer of
 * slicestore's serving path in the {@code feast} benchmark: a generated feature repository under a
 * directory of the bench state (one entity {@code customer_id}, one feature view holding the
 * precomputed feature values, a Parquet file as its {@code file} offline source, a registry file,
 * the Redis online store in a logical database of its own of the bench's {@code redis-server}),
 * {@code feast apply}, {@code feast materialize}, and Feast's own HTTP feature server ({@code feast
 * serve}) as a child process, driven with {@link HttpClient} ({@code POST /get-online-features},
 * JSON).
 *
 * <p>The repository's files come from templates in {@code bench/feast} of the repository root
 * ({@code repo/feature_store.yaml.tmpl}, {@code repo/features.py.tmpl}, with {@code ${name}}
 * placeholders filled by {@link StringSubstitutor}; an unknown placeholder is an error) and the
 * Parquet source is written by the script {@code bench/feast/write_source.py}, run in place. They
 * are read from the repository root rather than the classpath because the peer needs that root
 * anyway ({@code .venv-feast}, installed by {@code bin/setup-feast} from {@code
 * bench/feast/requirements.txt}, lives there), because a Python script on the classpath would have
 * to be extracted or passed to {@code python -c}, and because the templates then sit beside the
 * Feast pins they are written for and can be edited without a rebuild.
 *
 * <p>Feature values are {@code Long} (Feast {@code Int64}) or {@code Double} (Feast {@code
 * Float64}), null for a missing value. Every Feast command logs into {@code <dir>/feast.log}, the
 * server into {@code <dir>/serve.log}. {@link #close()} (and a JVM shutdown hook, should the
 * benchmark not get that far) stops the server and its workers.
 *
 * <p>Set-up methods are not thread-safe and are called in order: {@link #writeRepository}, {@link
 * #applyAndMaterialize}, {@link #serve}. {@link #requests} and {@link #getOnlineFeatures} may then
 * be used from any thread.
 */
final class FeastPeer implements AutoCloseable {
  /** The Feast project name (registry and Redis keys). */
  static final String PROJECT = "slicestore_bench";

  /** The entity and its join key. */
  static final String ENTITY = "customer_id";

  /** The logical Redis database of Feast's online store (slicestore's keys are in database 0). */
  static final int REDIS_DB = 1;

  /**
   * How long one Feast request may take before it counts as failed (the gRPC deadline of serving).
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** Types of the feature values Feast is given, by slicestore's value type name. */
  private static final Map<String, String> FEAST_TYPES =
      Map.of("long", "Int64", "double", "Float64");

  /**
   * What {@link #applyAndMaterialize} did.
   *
   * @param rows rows of the offline source (one per customer)
   * @param parquetBytes size of the offline source, bytes
   * @param applySeconds wall-clock seconds of {@code feast apply} (Python start-up included)
   * @param materializeSeconds wall-clock seconds of {@code feast materialize} (Python start-up
   *     included)
   * @param redisKeys keys in Feast's Redis database afterwards
   * @param redisBytes their {@code MEMORY USAGE} sum, bytes
   */
  record Materialization(
      long rows,
      long parquetBytes,
      double applySeconds,
      double materializeSeconds,
      long redisKeys,
      long redisBytes) {}

  private final Path feast;
  private final Path python;
  private final Path templates;
  private final Path dir;
  private final String view;
  private final List<String> features;
  private final Map<String, String> types;
  private final ObjectMapper json = new ObjectMapper();
  private String redisHost;
  private int redisPort;
  private Process server;
  private Thread shutdownHook;
  private int port;
  private int workers;
  private HttpClient http;

  /**
   * @param repoRoot the repository root holding {@code .venv-feast} and the templates in {@code
   *     bench/feast} (read by {@link #writeRepository})
   * @param dir the directory of the generated feature repository and the logs (emptied first)
   * @param view the feature view's name (the feature set's name, e.g. {@code retail})
   * @param features the feature names, in the order values are given and returned
   * @param types per feature, slicestore's value type name: {@code long} or {@code double}
   * @throws IllegalStateException if {@code .venv-feast} is missing (the message says to run {@code
   *     bin/setup-feast})
   * @throws IllegalArgumentException if a feature has another value type
   * @throws IOException if {@code dir} cannot be emptied
   */
  FeastPeer(Path repoRoot, Path dir, String view, List<String> features, Map<String, String> types)
      throws IOException {
    this.feast = requireInstalled(repoRoot);
    this.python = feast.resolveSibling("python");
    this.templates = repoRoot.resolve("bench/feast");
    for (String f : features) {
      if (!FEAST_TYPES.containsKey(types.get(f))) {
        throw new IllegalArgumentException(
            "Feature "
                + f
                + " has value type "
                + types.get(f)
                + "; the Feast benchmark handles "
                + FEAST_TYPES.keySet());
      }
    }
    this.dir = dir;
    this.view = view;
    this.features = List.copyOf(features);
    this.types = Map.copyOf(types);
    BenchContext.deleteRecursively(dir);
    Files.createDirectories(dir);
  }

  /**
   * Checks that {@code bin/setup-feast} has created {@code .venv-feast}.
   *
   * @param repoRoot the repository root
   * @return its {@code feast} executable
   * @throws IllegalStateException if it is missing, saying to run {@code bin/setup-feast}
   */
  static Path requireInstalled(Path repoRoot) {
    Path bin = repoRoot.resolve(".venv-feast/bin");
    if (!Files.isExecutable(bin.resolve("feast")) || !Files.isExecutable(bin.resolve("python"))) {
      throw new IllegalStateException(
          "Feast is not installed: "
              + bin.resolve("feast")
              + " is missing. Run bin/setup-feast (it creates"
              + " .venv-feast with feast[redis] as pinned in bench/feast/requirements.txt; bin/setup runs it too)");
    }
    return bin.resolve("feast");
  }

  /**
   * @return the feature names, in the order values are given and returned (unmodifiable)
   */
  List<String> features() {
    return features;
  }

  /**
   * @return the feature repository's directory
   */
  Path dir() {
    return dir;
  }

  /**
   * @return the feature server's worker processes (after {@link #serve})
   */
  int workers() {
    return workers;
  }

  /**
   * @return the Feast version installed in {@code .venv-feast}, e.g. {@code 0.67.0}
   */
  String version() throws IOException, InterruptedException {
    Path out = dir.resolve("version.txt");
    run(
        List.of(
            python.toString(),
            "-c",
            "from importlib.metadata import version; print(version('feast'))"),
        out,
        Duration.ofMinutes(1));
    return Files.readString(out, StandardCharsets.UTF_8).trim();
  }

  /**
   * Writes the feature repository: the offline source (Parquet, one row per entity, every value at
   * {@code eventTime}), {@code feature_store.yaml} and the definitions.
   *
   * @param values per entity key, one value per feature in the constructor's order (Long, Double or
   *     null)
   * @param eventTime the event timestamp of every row (the evaluation time the values are of)
   * @param redisHost the Redis host of the online store
   * @param redisPort its port
   * @throws IOException if a template cannot be read, a file cannot be written or pyarrow fails
   */
  void writeRepository(
      Map<String, List<Object>> values, Instant eventTime, String redisHost, int redisPort)
      throws IOException, InterruptedException {
    this.redisHost = redisHost;
    this.redisPort = redisPort;
    // The offline source: columns as JSON (doubles as their IEEE 754 bits: exact whatever the
    // formatting), turned into Parquet by pyarrow with explicit types.
    ObjectNode source = json.createObjectNode();
    ArrayNode keys = source.putArray("keys");
    source.put("event_time_ms", eventTime.toEpochMilli());
    ObjectNode columns = source.putObject("columns");
    List<ArrayNode> cols = new ArrayList<>();
    for (String f : features) {
      ObjectNode c = columns.putObject(f);
      c.put("type", types.get(f));
      cols.add(c.putArray("values"));
    }
    for (Map.Entry<String, List<Object>> e : values.entrySet()) {
      keys.add(e.getKey());
      for (int i = 0; i < features.size(); i++) {
        Object v = e.getValue().get(i);
        if (v == null) {
          cols.get(i).addNull();
        } else if (v instanceof Long l) {
          cols.get(i).add(l);
        } else if (v instanceof Double d) {
          cols.get(i).add(Double.doubleToRawLongBits(d));
        } else {
          throw new IllegalArgumentException(
              "Unsupported value " + v + " (" + v.getClass() + ") of " + features.get(i));
        }
      }
    }
    Path sourceJson = dir.resolve("source.json");
    json.writeValue(sourceJson.toFile(), source);
    run(
        List.of(
            python.toString(),
            templates.resolve("write_source.py").toString(),
            sourceJson.toString(),
            parquet().toString(),
            ENTITY),
        dir.resolve("feast.log"),
        Duration.ofMinutes(2));

    Files.writeString(
        dir.resolve("feature_store.yaml"),
        fill(
            "repo/feature_store.yaml.tmpl",
            Map.of(
                "project", PROJECT,
                "registry", quoted(dir.resolve("registry.db").toString()),
                "redis_host", redisHost,
                "redis_port", String.valueOf(redisPort),
                "redis_db", String.valueOf(REDIS_DB))),
        StandardCharsets.UTF_8);

    StringBuilder fields = new StringBuilder();
    for (String f : features) {
      fields
          .append("        Field(name=")
          .append(quoted(f))
          .append(", dtype=")
          .append(FEAST_TYPES.get(types.get(f)))
          .append("),\n");
    }
    Files.writeString(
        dir.resolve("features.py"),
        fill(
            "repo/features.py.tmpl",
            Map.of(
                "entity", quoted(ENTITY),
                "source_name", quoted(view + "_source"),
                "source_path", quoted(parquet().toString()),
                "view", quoted(view),
                "fields", fields.toString())),
        StandardCharsets.UTF_8);
  }

  /**
   * Reads a template of {@code bench/feast} and fills in its {@code ${name}} placeholders.
   *
   * @param template the template's path under {@code bench/feast}
   * @param values per placeholder name, the text put in verbatim (already quoted where the file's
   *     syntax needs it)
   * @return the filled-in text
   * @throws IOException if the template cannot be read
   * @throws IllegalArgumentException if the template names a placeholder {@code values} lacks
   */
  private String fill(String template, Map<String, String> values) throws IOException {
    Path file = templates.resolve(template);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException(
          "Cannot read the Feast repository template "
              + file
              + " (bench/feast of the repository root,"
              + " given by the system property slicestore.repoRoot)",
          e);
    }
    return new StringSubstitutor(values)
        .setEnableUndefinedVariableException(true)
        .setDisableSubstitutionInValues(true)
        .replace(text);
  }

  /**
   * Empties Feast's Redis database, runs {@code feast apply}, then {@code feast materialize} over a
   * range containing {@code eventTime}, and checks that every row arrived.
   *
   * @param eventTime the rows' event time
   * @return rows, times and Feast's Redis footprint
   * @throws IOException if a command fails (its log is quoted) or rows are missing from Redis
   */
  Materialization applyAndMaterialize(Instant eventTime) throws IOException, InterruptedException {
    long rows;
    try (Jedis redis = redis()) {
      redis.flushDB();
    }
    Path log = dir.resolve("feast.log");
    long t0 = System.nanoTime();
    run(List.of(feast.toString(), "-c", dir.toString(), "apply"), log, Duration.ofMinutes(5));
    double apply = (System.nanoTime() - t0) / 1e9;
    t0 = System.nanoTime();
    run(
        List.of(
            feast.toString(),
            "-c",
            dir.toString(),
            "materialize",
            eventTime.minus(Duration.ofDays(1)).toString(),
            eventTime.plus(Duration.ofMinutes(1)).toString()),
        log,
        Duration.ofMinutes(30));
    double materialize = (System.nanoTime() - t0) / 1e9;
    JsonNode source = json.readTree(dir.resolve("source.json").toFile());
    rows = source.get("keys").size();
    long keys = 0;
    long bytes = 0;
    try (Jedis redis = redis()) {
      for (String key : scanAll(redis)) {
        Long m = redis.memoryUsage(key, 0);
        if (m != null) {
          keys++;
          bytes += m;
        }
      }
    }
    if (keys != rows) {
      throw new IOException(
          "feast materialize wrote "
              + keys
              + " keys to Redis database "
              + REDIS_DB
              + " for "
              + rows
              + " rows (see "
              + log
              + ")");
    }
    return new Materialization(rows, Files.size(parquet()), apply, materialize, keys, bytes);
  }

  /**
   * Starts {@code feast serve} on a free loopback port and waits until {@code GET /health} answers
   * 200.
   *
   * @param workerProcesses the feature server's worker processes ({@code --workers})
   * @param timeout how long to wait for readiness
   * @throws IOException if the server exits or is not ready in time (its log is quoted)
   */
  void serve(int workerProcesses, Duration timeout) throws IOException, InterruptedException {
    this.workers = workerProcesses;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("serve.log");
    // --no-access-log: a log line per request is not part of serving; --max-requests 0: gunicorn
    // would otherwise restart each worker after ~1,000 requests (a memory-leak guard), putting
    // worker start-ups into the percentiles.
    ProcessBuilder pb =
        new ProcessBuilder(
                feast.toString(),
                "-c",
                dir.toString(),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(port),
                "--workers",
                String.valueOf(workerProcesses),
                "--no-access-log",
                "--max-requests",
                "0")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    environment(pb);
    server = pb.start();
    shutdownHook = new Thread(this::stopServer, "feast-serve-stopper");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpRequest health =
        HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!server.isAlive()) {
        throw new IOException(
            "feast serve exited with code " + server.exitValue() + ": " + tail(log));
      }
      try {
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "feast serve did not answer /health within "
                + timeout.toSeconds()
                + " s: "
                + tail(log));
      }
      Thread.sleep(200);
    }
  }

  /**
   * @return the feature server's base address, e.g. {@code http://127.0.0.1:41234}
   */
  String address() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * @param entityKeys the entities of one request, in order
   * @return the JSON body of a {@code /get-online-features} request for every feature
   */
  byte[] requestBody(List<String> entityKeys) {
    ObjectNode body = json.createObjectNode();
    ArrayNode fs = body.putArray("features");
    for (String f : features) {
      fs.add(view + ":" + f);
    }
    ArrayNode keys = body.putObject("entities").putArray(ENTITY);
    entityKeys.forEach(keys::add);
    try {
      return json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("Cannot write a JSON request", e);
    }
  }

  /**
   * @param draws the entities of each request (e.g. {@link FeastBenchmark#draws})
   * @return request number i → a {@code /get-online-features} call for {@code draws.get(i %
   *     draws.size())}; it completes exceptionally on a non-200 status or after {@link
   *     #REQUEST_TIMEOUT}. Thread-safe.
   */
  java.util.function.IntFunction<CompletableFuture<?>> requests(List<List<String>> draws) {
    List<HttpRequest> pool = new ArrayList<>();
    for (List<String> d : draws) {
      pool.add(post(requestBody(d)));
    }
    return i -> send(pool.get(Math.floorMod(i, pool.size())));
  }

  /**
   * Fetches every feature of {@code entityKeys} through the feature server.
   *
   * @return per entity key, in request order, one value per feature in the constructor's order
   *     (Long, Double or null)
   * @throws IOException on a non-200 answer or an answer without some feature
   */
  Map<String, List<Object>> getOnlineFeatures(List<String> entityKeys)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> r =
        http.send(post(requestBody(entityKeys)), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IOException(
          "Feast answered HTTP "
              + r.statusCode()
              + ": "
              + new String(r.body(), StandardCharsets.UTF_8));
    }
    return parse(r.body(), entityKeys);
  }

  /**
   * @return the size of the JSON answer for {@code entityKeys}, bytes
   */
  int responseBytes(List<String> entityKeys) throws IOException, InterruptedException {
    return http.send(post(requestBody(entityKeys)), HttpResponse.BodyHandlers.ofByteArray())
        .body()
        .length;
  }

  /**
   * Parses a {@code /get-online-features} answer: {@code {"metadata": {"feature_names": [...]},
   * "results": [{"values": [...], ...}, ...]}}, one result per name (the join key first), values in
   * entity order.
   */
  Map<String, List<Object>> parse(byte[] body, List<String> entityKeys) throws IOException {
    JsonNode root = json.readTree(body);
    List<String> names = new ArrayList<>();
    root.path("metadata").path("feature_names").forEach(n -> names.add(n.asText()));
    JsonNode results = root.path("results");
    Map<String, List<Object>> out = new LinkedHashMap<>();
    for (int e = 0; e < entityKeys.size(); e++) {
      List<Object> row = new ArrayList<>();
      for (String f : features) {
        int col = names.indexOf(f);
        if (col < 0) {
          throw new IOException("Feast's answer has no feature " + f + " (names: " + names + ")");
        }
        JsonNode v = results.get(col).path("values").get(e);
        if (v == null || v.isNull()) {
          row.add(null);
        } else if (types.get(f).equals("long")) {
          if (!v.isIntegralNumber()) {
            throw new IOException("Feast returned " + v + " for the Int64 feature " + f);
          }
          row.add(v.longValue());
        } else {
          row.add(v.doubleValue());
        }
      }
      out.put(entityKeys.get(e), row);
    }
    return out;
  }

  private HttpRequest post(byte[] body) {
    return HttpRequest.newBuilder(uri("/get-online-features"))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  private CompletableFuture<?> send(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                throw new CompletionException(
                    new IOException("Feast answered HTTP " + r.statusCode()));
              }
              return r;
            });
  }

  private URI uri(String path) {
    return URI.create(address() + path);
  }

  private Path parquet() {
    return dir.resolve("data/" + view + ".parquet");
  }

  private Jedis redis() {
    Jedis j = new Jedis(redisHost, redisPort);
    j.select(REDIS_DB);
    return j;
  }

  private static List<String> scanAll(Jedis redis) {
    List<String> keys = new ArrayList<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> page = redis.scan(cursor, new ScanParams().count(1000));
      keys.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    return keys;
  }

  /** Runs a command of the venv to completion, output appended to {@code log}. */
  private void run(List<String> command, Path log, Duration timeout)
      throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("data"));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    environment(pb);
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new IOException(
          String.join(" ", command.subList(0, Math.min(3, command.size())))
              + " … did not finish in "
              + timeout.toSeconds()
              + " s: "
              + tail(log));
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command.subList(0, Math.min(4, command.size())))
              + " … failed with exit code "
              + p.exitValue()
              + ": "
              + tail(log));
    }
  }

  private void environment(ProcessBuilder pb) {
    Map<String, String> env = pb.environment();
    env.put("FEAST_USAGE", "False"); // no usage telemetry from a benchmark
    env.put("PYTHONUNBUFFERED", "1");
    env.put(
        "XDG_RUNTIME_DIR",
        dir.toString()); // gunicorn's control socket: per run, not ~/.gunicorn shared by every run
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return "\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 25), lines.size()))
          + "\n(log: "
          + log
          + ")";
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** A Python string literal (JSON's escaping is valid Python for these strings). */
  private String quoted(String s) {
    try {
      return json.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private synchronized void stopServer() {
    if (server == null) {
      return;
    }
    List<ProcessHandle> children = server.descendants().toList();
    server.destroy(); // SIGTERM: gunicorn stops its workers
    try {
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
        server.waitFor(5, TimeUnit.SECONDS);
      }
      for (ProcessHandle c : children) {
        if (c.isAlive()) {
          c.onExit().get(5, TimeUnit.SECONDS);
        }
      }
    } catch (Exception e) {
      // fall through: whatever is left is killed below
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    server = null;
  }

  /** Stops the feature server and its workers (if started). Idempotent. */
  @Override
  public void close() {
    stopServer();
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      shutdownHook = null;
    }
  }
}
