package dev.slicestore.serving;

import dev.slicestore.core.config.AppConfig;
import dev.slicestore.core.config.ConfigProblemException;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.RedisClients;
import dev.slicestore.core.time.Durations;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@code serve}: runs the gRPC {@link FeatureServer} on a Netty port until the JVM is stopped.
 *
 * <p>Options: {@code --config FILE} (default {@code conf/application.conf} when it exists, else
 * built-in defaults plus environment overrides), {@code --port N} and {@code --feature-sets DIR}
 * (both override the configuration). Exit codes: 0 after a clean shutdown, 1 for a configuration or
 * startup problem (printed as {@code error: ...}), 2 for a usage error.
 *
 * <p>Public so that the {@code slicestore} launcher can register it as a subcommand. Not
 * thread-safe (a picocli command object is used once).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Serve online features over gRPC (slicestore.v1.FeatureService, health, reflection).")
public final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  /** The configuration file used when {@code --config} is not given and the file exists. */
  public static final Path DEFAULT_CONFIG = Path.of("conf", "application.conf");

  @Spec private CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Deployment configuration (HOCON). Default: conf/application.conf if it exists.")
  private Path config;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "gRPC port; overrides slicestore.serving.port.")
  private Integer port;

  @Option(
      names = "--feature-sets",
      paramLabel = "DIR",
      description = "Directory of feature-set *.conf files; overrides slicestore.feature-sets-dir.")
  private Path featureSetsDir;

  /**
   * Loads the configuration and feature sets, starts the server and blocks until shutdown.
   *
   * @return the exit code (0 after shutdown, 1 on a configuration or startup problem)
   * @throws InterruptedException if interrupted while serving
   */
  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    AppConfig app;
    Map<String, FeatureSet> featureSets;
    Path dir;
    try {
      Path file =
          config != null ? config : (Files.isRegularFile(DEFAULT_CONFIG) ? DEFAULT_CONFIG : null);
      app = AppConfig.load(file);
      dir = featureSetsDir != null ? featureSetsDir : Path.of(app.featureSetsDir());
      featureSets = FeatureSetLoader.loadDirectory(dir);
      LOG.info("Configuration: {}", file == null ? "built-in defaults and environment" : file);
    } catch (ConfigProblemException e) {
      err.println("error: " + e.getMessage());
      return 1;
    } catch (NoSuchFileException e) {
      err.println("error: feature-set directory not found: " + e.getFile());
      return 1;
    } catch (IOException e) {
      err.println("error: cannot read the feature-set directory: " + e);
      return 1;
    }
    if (featureSets.isEmpty()) {
      err.println(
          "error: no feature sets in "
              + dir.toAbsolutePath()
              + " (expected *.conf files); nothing to serve");
      return 1;
    }
    int listenPort = port != null ? port : app.servingPort();
    for (FeatureSet fs : featureSets.values()) {
      LOG.info(
          "Serving feature set {} version {} from {}: entity key {}, slices of {}, {} features: {}",
          fs.name(),
          fs.version(),
          fs.sourceFile(),
          fs.entityKeyColumn(),
          Durations.format(fs.sliceMillis()),
          fs.features().size(),
          fs.features().stream().map(Feature::name).collect(Collectors.joining(", ")));
    }
    LOG.info(
        "Reading Redis ({} mode) at {}, timeout {} ms",
        app.redisMode().name().toLowerCase(),
        String.join(", ", app.redisNodes()),
        app.redisTimeoutMillis());
    UnifiedJedis redis = RedisClients.create(app);
    FeatureServer server =
        new FeatureServer(
            Grpc.newServerBuilderForPort(listenPort, InsecureServerCredentials.create()),
            featureSets,
            redis,
            app.redisNodes(),
            Clock.systemUTC());
    try {
      server.start();
    } catch (IOException e) {
      err.println("error: cannot listen on port " + listenPort + ": " + e.getMessage());
      redis.close();
      return 1;
    }
    LOG.info(
        "Listening on port {} (gRPC services: slicestore.v1.FeatureService, grpc.health.v1.Health, "
            + "server reflection)",
        server.port());
    try {
      server.blockUntilShutdown();
    } finally {
      redis.close();
    }
    return 0;
  }
}
