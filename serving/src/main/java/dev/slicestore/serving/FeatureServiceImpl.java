package dev.slicestore.serving;

import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RequestContext;
import dev.slicestore.core.online.SliceIndex;
import dev.slicestore.core.online.WindowEvaluator;
import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureServiceGrpc;
import dev.slicestore.serving.v1.FeatureSetInfo;
import dev.slicestore.serving.v1.GetFeaturesRequest;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ListFeatureSetsRequest;
import dev.slicestore.serving.v1.ListFeatureSetsResponse;
import dev.slicestore.serving.v1.Value;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The {@code slicestore.v1.FeatureService} implementation.
 *
 * <p>{@link #getFeatures} validates the request, takes the evaluation time {@code t} from the clock
 * once, reads the non-empty slices of the longest window of every requested entity with two
 * pipelined round trips (each entity's {@link SliceIndex}, then the slice hashes it lists: about 2
 * hashes instead of 720 for a retail customer's 30-day window of hourly slices), and merges each
 * entity's windows with core's {@link WindowEvaluator} (docs/design.md, "Window semantics").
 * Features with request context ({@code bloom_contains}) get their values from the request's {@code
 * context} / {@code entity_contexts}, resolved and converted per entity before Redis is read (a
 * missing or ill-typed value is {@code INVALID_ARGUMENT}); an entity requested twice is then
 * evaluated once per occurrence with its own values. The Redis read runs on the given executor
 * while the gRPC thread waits for it until a little before the call's deadline, so a client with a
 * deadline gets {@code UNAVAILABLE} (retry elsewhere or later) rather than {@code
 * DEADLINE_EXCEEDED} when Redis hangs.
 *
 * <p>Status codes: {@code INVALID_ARGUMENT} for a malformed request, {@code NOT_FOUND} for an
 * unknown feature set or feature, {@code UNAVAILABLE} when Redis does not answer, {@code
 * RESOURCE_EXHAUSTED} when the Redis-read executor rejects the read, {@code INTERNAL} for anything
 * unexpected (never {@code UNKNOWN}). Nothing is logged per request at INFO.
 *
 * <p>Thread-safe: one instance serves all calls concurrently.
 */
public final class FeatureServiceImpl extends FeatureServiceGrpc.FeatureServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureServiceImpl.class);

  /** The largest number of entity keys one {@code GetFeatures} request may carry. */
  public static final int MAX_ENTITIES = 1000;

  /** Upper bound of the time reserved before the deadline to send UNAVAILABLE, ms. */
  static final long MAX_DEADLINE_MARGIN_MILLIS = 100;

  private final Map<String, Served> featureSets;
  private final String knownNames;
  private final SliceReader sliceReader;
  private final String redisDescription;
  private final Clock clock;
  private final Executor redisExecutor;

  /** A feature set with its precomputed full-feature evaluator. */
  private record Served(
      FeatureSet featureSet,
      WindowEvaluator allFeatures,
      List<String> allNames,
      FeatureSetInfo info) {}

  /**
   * @param featureSets the feature sets to serve, by name (not null; copied)
   * @param redis the online store client (thread-safe; not closed by this class)
   * @param redisNodes the Redis nodes as {@code host:port}, only for error messages (not null)
   * @param clock the clock {@code t} is read from, once per request (not null)
   * @param redisExecutor runs the pipelined Redis reads (not null; not shut down by this class); it
   *     may reject work with {@link RejectedExecutionException} when saturated
   */
  public FeatureServiceImpl(
      Map<String, FeatureSet> featureSets,
      UnifiedJedis redis,
      List<String> redisNodes,
      Clock clock,
      Executor redisExecutor) {
    Map<String, Served> served = new TreeMap<>();
    for (FeatureSet fs : featureSets.values()) {
      List<String> names = fs.features().stream().map(Feature::name).toList();
      served.put(
          fs.name(),
          new Served(
              fs, new WindowEvaluator(fs, fs.features()), names, FeatureProtos.featureSetInfo(fs)));
    }
    this.featureSets = Collections.unmodifiableMap(served);
    this.knownNames = served.isEmpty() ? "none" : String.join(", ", served.keySet());
    this.sliceReader = new SliceReader(redis);
    this.redisDescription =
        redisNodes.isEmpty() ? "" : " (nodes " + String.join(", ", redisNodes) + ")";
    this.clock = clock;
    this.redisExecutor = redisExecutor;
  }

  /**
   * Evaluates the requested features; see the class comment for the status codes. Responds exactly
   * once on {@code responseObserver}.
   */
  @Override
  public void getFeatures(
      GetFeaturesRequest request, StreamObserver<GetFeaturesResponse> responseObserver) {
    GetFeaturesResponse response;
    try {
      response = evaluate(request);
    } catch (StatusException e) {
      responseObserver.onError(e);
      return;
    } catch (RuntimeException e) {
      LOG.error("GetFeatures failed unexpectedly for feature set '{}'", request.getFeatureSet(), e);
      responseObserver.onError(
          Status.INTERNAL
              .withDescription(
                  "Internal error while evaluating features of '"
                      + request.getFeatureSet()
                      + "': "
                      + e)
              .withCause(e)
              .asException());
      return;
    }
    responseObserver.onNext(response);
    responseObserver.onCompleted();
  }

  /** Lists every served feature set, sorted by name. Never fails. */
  @Override
  public void listFeatureSets(
      ListFeatureSetsRequest request, StreamObserver<ListFeatureSetsResponse> responseObserver) {
    ListFeatureSetsResponse.Builder b = ListFeatureSetsResponse.newBuilder();
    for (Served s : featureSets.values()) {
      b.addFeatureSets(s.info());
    }
    responseObserver.onNext(b.build());
    responseObserver.onCompleted();
  }

  private GetFeaturesResponse evaluate(GetFeaturesRequest request) throws StatusException {
    Served served = validate(request);
    WindowEvaluator evaluator;
    List<String> names;
    if (request.getFeaturesCount() == 0) {
      evaluator = served.allFeatures();
      names = served.allNames();
    } else {
      List<Feature> features = new ArrayList<>(request.getFeaturesCount());
      for (String name : request.getFeaturesList()) {
        Feature f = served.featureSet().feature(name);
        if (f == null) {
          throw Status.NOT_FOUND
              .withDescription(
                  "Unknown feature '"
                      + name
                      + "' in feature set '"
                      + served.featureSet().name()
                      + "' (known: "
                      + String.join(", ", served.allNames())
                      + ")")
              .asException();
        }
        features.add(f);
      }
      evaluator = new WindowEvaluator(served.featureSet(), features);
      names = request.getFeaturesList();
    }

    List<Map<String, Object>> contexts = contexts(request, served.featureSet(), evaluator);

    long t = clock.millis();
    long newest = evaluator.newestSliceIndex(t);
    // distinct entities, each read once even if requested several times
    Map<String, SliceReader.EntitySlices> reads =
        readSlices(
            evaluator.layout(),
            new LinkedHashSet<>(request.getEntityKeysList()),
            newest - evaluator.sliceCount() + 1,
            newest);
    List<Feature> features = evaluator.features();
    GetFeaturesResponse.Builder b =
        GetFeaturesResponse.newBuilder().addAllFeatureNames(names).setEvaluationTimeMillis(t);
    // without request context an entity's features are the same at every occurrence: evaluate once
    Map<String, EntityFeatures> byEntity = new LinkedHashMap<>();
    for (int i = 0; i < request.getEntityKeysCount(); i++) {
      String entity = request.getEntityKeys(i);
      Map<String, Object> context = contexts == null ? Map.of() : contexts.get(i);
      EntityFeatures cached = contexts == null ? byEntity.get(entity) : null;
      if (cached == null) {
        SliceReader.EntitySlices read = reads.get(entity);
        FeatureVector vector;
        if (read.error() != null) {
          dev.slicestore.core.online.FeatureStatus[] statuses =
              new dev.slicestore.core.online.FeatureStatus[features.size()];
          Arrays.fill(statuses, dev.slicestore.core.online.FeatureStatus.ERROR);
          vector = new FeatureVector(new Object[features.size()], statuses, read.error());
        } else {
          vector = evaluator.evaluate(t, read.hashesNewestFirst(), context);
        }
        cached = FeatureProtos.entityFeatures(entity, t, features, vector);
        byEntity.put(entity, cached);
      }
      b.addEntities(cached);
    }
    return b.build();
  }

  /**
   * Resolves and converts the request-context values of every entity occurrence, before any Redis
   * read.
   *
   * @return per entity_keys entry its typed values by context key; null when no requested feature
   *     uses request context
   * @throws StatusException INVALID_ARGUMENT naming the feature, the key and the entity when a
   *     value is missing or does not fit the key's type
   */
  private static List<Map<String, Object>> contexts(
      GetFeaturesRequest request, FeatureSet fs, WindowEvaluator evaluator) throws StatusException {
    Map<String, ValueType> keys = evaluator.contextKeys();
    if (keys.isEmpty()) {
      return null;
    }
    Map<String, String> featureOfKey = new LinkedHashMap<>();
    for (Feature f : evaluator.features()) {
      String key = fs.aggregations().get(f.aggregationIndex()).contextKey();
      if (key != null) {
        featureOfKey.putIfAbsent(key, f.name());
      }
    }
    List<Map<String, Object>> out = new ArrayList<>(request.getEntityKeysCount());
    for (int i = 0; i < request.getEntityKeysCount(); i++) {
      Map<String, Value> own =
          request.getEntityContextsCount() == 0
              ? Map.of()
              : request.getEntityContexts(i).getValuesMap();
      Map<String, Object> typed = new LinkedHashMap<>();
      for (Map.Entry<String, ValueType> k : keys.entrySet()) {
        String key = k.getKey();
        String entity = "entity_keys[" + i + "] ('" + request.getEntityKeys(i) + "')";
        Value v = own.containsKey(key) ? own.get(key) : request.getContextMap().get(key);
        if (v == null) {
          throw invalid(
              "Feature '"
                  + featureOfKey.get(key)
                  + "' of feature set '"
                  + fs.name()
                  + "' needs the request"
                  + " context value '"
                  + key
                  + "' (a "
                  + k.getValue().configName()
                  + ") for "
                  + entity
                  + ", which is missing:"
                  + " set context[\""
                  + key
                  + "\"] for every entity or entity_contexts["
                  + i
                  + "].values[\""
                  + key
                  + "\"]");
        }
        try {
          typed.put(key, RequestContext.convert(k.getValue(), FeatureProtos.javaValue(v)));
        } catch (IllegalArgumentException e) {
          throw invalid(
              "Invalid request context value '"
                  + key
                  + "' for "
                  + entity
                  + " (feature '"
                  + featureOfKey.get(key)
                  + "' needs a "
                  + k.getValue().configName()
                  + "): "
                  + e.getMessage());
        }
      }
      out.add(typed);
    }
    return out;
  }

  private Served validate(GetFeaturesRequest request) throws StatusException {
    if (request.getFeatureSet().isEmpty()) {
      throw invalid("feature_set is empty: name the feature set to read (e.g. 'retail')");
    }
    int n = request.getEntityKeysCount();
    if (n == 0) {
      throw invalid("entity_keys is empty: request at least one entity key");
    }
    if (n > MAX_ENTITIES) {
      throw invalid(
          "entity_keys has "
              + n
              + " keys, more than the maximum of "
              + MAX_ENTITIES
              + " per request: split the request");
    }
    for (int i = 0; i < n; i++) {
      if (request.getEntityKeys(i).isEmpty()) {
        throw invalid("entity_keys[" + i + "] is empty");
      }
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < request.getFeaturesCount(); i++) {
      String f = request.getFeatures(i);
      if (f.isEmpty()) {
        throw invalid("features[" + i + "] is empty");
      }
      if (!seen.add(f)) {
        throw invalid(
            "features["
                + i
                + "] names feature '"
                + f
                + "' a second time: name each feature at most once");
      }
    }
    if (request.getEntityContextsCount() != 0 && request.getEntityContextsCount() != n) {
      throw invalid(
          "entity_contexts has "
              + request.getEntityContextsCount()
              + " entries for "
              + n
              + " entity_keys: give none, or exactly one per entity key, in the same order");
    }
    Served served = featureSets.get(request.getFeatureSet());
    if (served == null) {
      throw Status.NOT_FOUND
          .withDescription(
              "Unknown feature set '" + request.getFeatureSet() + "' (known: " + knownNames + ")")
          .asException();
    }
    return served;
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }

  /**
   * Reads the non-empty slice hashes in {@code [oldest, newest]} of every entity, on the Redis
   * executor, waiting until a little before the call's deadline.
   */
  private Map<String, SliceReader.EntitySlices> readSlices(
      OnlineLayout layout, Set<String> entities, long oldest, long newest) throws StatusException {
    FutureTask<Map<String, SliceReader.EntitySlices>> task =
        new FutureTask<>(() -> sliceReader.read(layout, entities, oldest, newest));
    try {
      redisExecutor.execute(task);
    } catch (RejectedExecutionException e) {
      throw Status.RESOURCE_EXHAUSTED
          .withDescription("Server overloaded: too many Redis reads in flight; retry with backoff")
          .asException();
    }
    Deadline deadline = Context.current().getDeadline();
    try {
      if (deadline == null) {
        return task.get();
      }
      long remainingNanos = deadline.timeRemaining(TimeUnit.NANOSECONDS);
      long marginNanos =
          Math.min(
              TimeUnit.MILLISECONDS.toNanos(MAX_DEADLINE_MARGIN_MILLIS),
              Math.max(0, remainingNanos / 5));
      long waitNanos = Math.max(0, remainingNanos - marginNanos);
      try {
        return task.get(waitNanos, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        task.cancel(true);
        throw Status.UNAVAILABLE
            .withDescription(
                "Redis is unreachable"
                    + redisDescription
                    + ": no answer within "
                    + TimeUnit.NANOSECONDS.toMillis(waitNanos)
                    + " ms, before the request's deadline")
            .asException();
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof JedisException je) {
        throw Status.UNAVAILABLE
            .withDescription("Redis is unreachable" + redisDescription + ": " + describe(je))
            .withCause(je)
            .asException();
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("Redis read failed: " + cause, cause);
    } catch (InterruptedException e) {
      task.cancel(true);
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("Server is shutting down").asException();
    } catch (CancellationException e) {
      throw Status.CANCELLED.withDescription("Redis read was cancelled").asException();
    }
  }

  private static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder(String.valueOf(e.getMessage()));
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e && root.getMessage() != null && !sb.toString().contains(root.getMessage())) {
      sb.append(" (")
          .append(root.getClass().getSimpleName())
          .append(": ")
          .append(root.getMessage())
          .append(')');
    }
    return sb.toString();
  }
}
