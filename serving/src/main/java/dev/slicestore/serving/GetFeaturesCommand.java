package dev.slicestore.serving;

import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.RequestContext;
import dev.slicestore.serving.v1.Value;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code get}: fetches features of one or more entities and prints them as a table (one row per
 * feature, one column per entity; {@link FeatureTable#render}) or, with {@code --json}, as JSON
 * with natural values ({@link FeatureTable#json}: exact numbers, lists as arrays, item counts as
 * arrays of objects).
 *
 * <p>Request context for features that test a request-time value ({@code bloom_contains}): {@code
 * --context merchant=m42} sends {@code merchant} = {@code m42} for every entity; {@code --context
 * card-7:merchant=m42} for the entity {@code card-7} only (its every occurrence), overriding a
 * shared value. Values are sent as text; the server parses them as the context key's type ({@code
 * feature-sets} shows each feature's key and type).
 *
 * <p>Exit codes: 0 on success, 1 on a gRPC error (printed as {@code error: NOT_FOUND: Unknown
 * feature set ...}), 2 on a usage error.
 *
 * <p>Public so that the {@code slicestore} launcher can register it as a subcommand. Not
 * thread-safe (a picocli command object is used once).
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = "Get online features of entities from a slicestore server.")
public final class GetFeaturesCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Mixin private ClientOptions connection;

  @Option(
      names = "--feature-set",
      required = true,
      paramLabel = "NAME",
      description = "Feature set name.")
  private String featureSet;

  @Option(
      names = "--entity",
      required = true,
      paramLabel = "KEY",
      description = "Entity key; repeat for several entities.")
  private List<String> entities = new ArrayList<>();

  @Option(
      names = "--features",
      split = ",",
      paramLabel = "NAME",
      description = "Comma-separated feature names. Default: every feature of the feature set.")
  private List<String> features = new ArrayList<>();

  @Option(
      names = "--json",
      description =
          "Print the response as JSON (exact values; lists as arrays, item counts as"
              + " arrays of {item, count, error_bound}).")
  private boolean json;

  @Option(
      names = "--context",
      paramLabel = "[ENTITY:]KEY=VALUE",
      description =
          "Request context for features that test a value (bloom_contains): KEY=VALUE for every entity, "
              + "ENTITY:KEY=VALUE for one entity (overrides). Repeatable.")
  private List<String> context = new ArrayList<>();

  @Option(names = "--wide", description = "Do not shorten long lists and item counts in the table.")
  private boolean wide;

  /** A parsed {@code --context}: entity (null for every entity), key, value. */
  record ContextArg(String entity, String key, String value) {
    /**
     * Parses {@code KEY=VALUE} or {@code ENTITY:KEY=VALUE}: the text up to the first {@code =} is
     * the key, or the entity and the key split at its last {@code :} (context keys are letters,
     * digits and {@code _}); the value is the rest, which may hold {@code =} and {@code :}.
     *
     * @throws IllegalArgumentException if there is no {@code =} or the key is empty
     */
    static ContextArg parse(String arg) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "Invalid --context '" + arg + "': use KEY=VALUE or ENTITY:KEY=VALUE");
      }
      String left = arg.substring(0, eq);
      String value = arg.substring(eq + 1);
      int colon = left.lastIndexOf(':');
      String entity = colon < 0 ? null : left.substring(0, colon);
      String key = left.substring(colon + 1);
      if (key.isEmpty() || (entity != null && entity.isEmpty())) {
        throw new IllegalArgumentException(
            "Invalid --context '" + arg + "': use KEY=VALUE or ENTITY:KEY=VALUE");
      }
      return new ContextArg(entity, key, value);
    }
  }

  /**
   * Fetches and prints.
   *
   * @return the exit code: 0 on success, 1 on a gRPC or connection error
   */
  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GetFeaturesRequest request = request();
    return connection.call(
        out,
        err,
        false,
        (channel, deadline) -> FeatureClient.fetch(channel, request, deadline),
        response ->
            json
                ? FeatureTable.json(featureSet, response) + "\n"
                : FeatureTable.render(
                    featureSet,
                    response,
                    wide ? Integer.MAX_VALUE : FeatureTable.DEFAULT_MAX_CELL));
  }

  /**
   * @return the request of the options
   * @throws ParameterException (exit code 2) for a malformed {@code --context} or one naming an
   *     entity not given with {@code --entity}
   */
  GetFeaturesRequest request() {
    GetFeaturesRequest.Builder b =
        GetFeaturesRequest.newBuilder()
            .setFeatureSet(featureSet)
            .addAllEntityKeys(entities)
            .addAllFeatures(features);
    Map<String, Map<String, Value>> perEntity = new LinkedHashMap<>();
    for (String arg : context) {
      ContextArg c;
      try {
        c = ContextArg.parse(arg);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      Value v = Value.newBuilder().setStringValue(c.value()).build();
      if (c.entity() == null) {
        b.putContext(c.key(), v);
      } else if (!entities.contains(c.entity())) {
        throw new ParameterException(
            spec.commandLine(),
            "Invalid --context '"
                + arg
                + "': entity '"
                + c.entity()
                + "' is not one of the --entity keys ("
                + String.join(", ", entities)
                + ")");
      } else {
        perEntity.computeIfAbsent(c.entity(), e -> new LinkedHashMap<>()).put(c.key(), v);
      }
    }
    if (!perEntity.isEmpty()) {
      for (String entity : entities) {
        b.addEntityContexts(
            RequestContext.newBuilder().putAllValues(perEntity.getOrDefault(entity, Map.of())));
      }
    }
    return b.build();
  }
}
