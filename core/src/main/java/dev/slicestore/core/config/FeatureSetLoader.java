package dev.slicestore.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.AggregateFunctions;
import dev.slicestore.core.aggregate.ValueType;
import dev.slicestore.core.event.EventTimeParser;
import dev.slicestore.core.time.Durations;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Loads and validates feature-set definitions written in HOCON ({@code conf/feature-sets/*.conf},
 * one feature set per file). Every problem is reported with the file, the path inside it, the line,
 * and what is wrong; unknown keys are rejected, not ignored. See {@code
 * conf/feature-sets/retail.conf} for a complete example.
 *
 * <p>Stateless and thread-safe.
 */
public final class FeatureSetLoader {
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  /** Feature-name suffix of an aggregation's session feature: {@code <aggregation>_session}. */
  public static final String SESSION_SUFFIX = "session";

  private static final Set<String> TOP_KEYS =
      Set.of(
          "name",
          "version",
          "description",
          "source",
          "entity-key",
          "event-time",
          "transforms",
          "slice",
          "windows",
          "allowed-lateness",
          "max-future-skew",
          "expiry-grace",
          "aggregations",
          "compaction");

  private FeatureSetLoader() {}

  /**
   * Loads one feature set from a file.
   *
   * @param file a HOCON file
   * @return the validated feature set
   * @throws ConfigProblemException listing every problem (file, path, line, what is wrong)
   */
  public static FeatureSet load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigProblemException(List.of(file + ": file not found"));
    }
    Config config;
    try {
      config =
          ConfigFactory.parseFile(
                  file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
              .resolve();
    } catch (ConfigException e) {
      throw new ConfigProblemException(List.of(file + ": cannot parse: " + e.getMessage()));
    }
    return fromConfig(config, file.toString());
  }

  /**
   * Loads every {@code *.conf} file of a directory, sorted by file name.
   *
   * @return feature sets by name, in file-name order
   * @throws ConfigProblemException if any file is invalid or two files define the same name
   * @throws IOException if the directory cannot be listed
   */
  public static Map<String, FeatureSet> loadDirectory(Path dir) throws IOException {
    Map<String, FeatureSet> out = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".conf")).sorted().toList()) {
        try {
          FeatureSet fs = load(f);
          FeatureSet previous = out.putIfAbsent(fs.name(), fs);
          if (previous != null) {
            problems.add(
                f
                    + ": name: feature set '"
                    + fs.name()
                    + "' is also defined in "
                    + previous.sourceFile());
          }
        } catch (ConfigProblemException e) {
          problems.addAll(e.problems());
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigProblemException(problems);
    }
    return out;
  }

  /**
   * Parses a feature set from a HOCON string (for tests and tools).
   *
   * @param hocon the definition
   * @param origin a name for messages, e.g. a file name
   * @throws ConfigProblemException listing every problem
   */
  public static FeatureSet parse(String hocon, String origin) {
    Config config;
    try {
      config =
          ConfigFactory.parseString(
                  hocon, ConfigParseOptions.defaults().setOriginDescription(origin))
              .resolve();
    } catch (ConfigException e) {
      throw new ConfigProblemException(List.of(origin + ": cannot parse: " + e.getMessage()));
    }
    return fromConfig(config, origin);
  }

  /** Validation state: collects problems as {@code file: path (line N): problem}. */
  private static final class Checker {
    final String file;
    final Config root;
    final List<String> problems = new ArrayList<>();

    Checker(String file, Config root) {
      this.file = file;
      this.root = root;
    }

    void problem(String path, String message) {
      String line = "";
      if (path != null && !path.contains("[")) {
        try {
          if (root.hasPathOrNull(path)) {
            int n = root.getValue(path).origin().lineNumber();
            line = n > 0 ? " (line " + n + ")" : "";
          }
        } catch (ConfigException ignored) {
          // path is not addressable; no line number
        }
      }
      problems.add(file + ": " + (path == null ? "" : path + line + ": ") + message);
    }

    void problem(String path, ConfigValue at, String message) {
      int n = at == null ? -1 : at.origin().lineNumber();
      problems.add(file + ": " + path + (n > 0 ? " (line " + n + ")" : "") + ": " + message);
    }

    String requiredString(Config c, String path, String fullPath) {
      if (!c.hasPath(path)) {
        problem(null, fullPath + ": missing (required)");
        return null;
      }
      try {
        String s = c.getString(path);
        if (s.isBlank()) {
          problem(fullPath, "must not be empty");
          return null;
        }
        return s;
      } catch (ConfigException.WrongType e) {
        problem(fullPath, "must be a string");
        return null;
      }
    }

    String optionalString(Config c, String path, String fullPath, String dflt) {
      if (!c.hasPath(path)) {
        return dflt;
      }
      try {
        return c.getString(path);
      } catch (ConfigException.WrongType e) {
        problem(fullPath, "must be a string");
        return dflt;
      }
    }

    long duration(Config c, String path, String fullPath, Long dflt, boolean allowZero) {
      if (!c.hasPath(path)) {
        if (dflt == null) {
          problem(null, fullPath + ": missing (required)");
          return -1;
        }
        return dflt;
      }
      try {
        long ms = c.getDuration(path).toMillis();
        if (ms < 0 || (!allowZero && ms == 0)) {
          problem(
              fullPath,
              "Invalid duration "
                  + c.getValue(path).unwrapped()
                  + " (must be "
                  + (allowZero ? ">= 0" : "> 0")
                  + ")");
          return -1;
        }
        return ms;
      } catch (ConfigException.BadValue | ConfigException.WrongType e) {
        problem(
            fullPath, "Invalid duration " + c.getValue(path).unwrapped() + " (e.g. 1h, 30m, 7d)");
        return -1;
      }
    }

    void rejectUnknownKeys(Config c, Set<String> known, String prefix) {
      for (String key : c.root().keySet()) {
        if (!known.contains(key)) {
          problem(
              prefix + key,
              c.root().get(key),
              "unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
      }
    }
  }

  static FeatureSet fromConfig(Config c, String file) {
    try {
      return validate(c, file);
    } catch (ConfigException e) {
      // a section of the wrong shape (e.g. source = "x"): still a problem of this file, not a crash
      throw new ConfigProblemException(List.of(file + ": " + e.getMessage()));
    }
  }

  /**
   * Validates every section of the file, in file order, collecting the problems of all of them.
   *
   * @throws ConfigProblemException listing every problem
   * @throws ConfigException if a section has the wrong shape (reported by {@link #fromConfig})
   */
  private static FeatureSet validate(Config c, String file) {
    Checker k = new Checker(file, c);
    k.rejectUnknownKeys(c, TOP_KEYS, "");
    String name = name(k, c);
    int version = version(k, c);
    Source source = source(k, c);
    Transforms transforms = transforms(k, c, source.schema());
    String entityKey = entityKey(k, c, transforms.columns());
    EventTimeSpec eventTime = eventTime(k, c, transforms.columns());
    TimeSettings time = timeSettings(k, c);
    Aggregations aggregations = aggregations(k, c, transforms.columns(), time);
    Compaction compaction = compaction(k, c, time.sliceMillis());

    if (!k.problems.isEmpty()) {
      throw new ConfigProblemException(k.problems);
    }
    return new FeatureSet(
        name,
        version,
        file,
        source.topics(),
        source.deadLetterTopic(),
        source.schema(),
        entityKey,
        eventTime,
        transforms.transforms(),
        transforms.filter(),
        time.sliceMillis(),
        time.latenessMillis(),
        time.futureSkewMillis(),
        time.graceMillis(),
        aggregations.inputs,
        aggregations.aggregations,
        aggregations.features,
        transforms.columns(),
        compaction.intervalMillis(),
        compaction.startMillis());
  }

  /**
   * @return {@code name}, or null after reporting a problem
   */
  private static String name(Checker k, Config c) {
    String name = k.requiredString(c, "name", "name");
    if (name != null && !NAME.matcher(name).matches()) {
      k.problem(
          "name", "Invalid name '" + name + "' (letters, digits and _, starting with a letter)");
    }
    return name;
  }

  /**
   * @return {@code version} (1 when it is missing or not an integer, after reporting it)
   */
  private static int version(Checker k, Config c) {
    int version = 1;
    if (c.hasPath("version")) {
      try {
        version = c.getInt("version");
        if (version < 1) {
          k.problem("version", "Invalid version " + version + " (must be >= 1)");
        }
      } catch (ConfigException.WrongType e) {
        k.problem("version", "must be an integer");
      }
    } else {
      k.problem(null, "version: missing (required)");
    }
    return version;
  }

  /**
   * The {@code source} section.
   *
   * @param topics the topics, in order (empty when missing or invalid)
   * @param schema the payload fields sorted by name, with their types (fields of unknown types left
   *     out)
   * @param deadLetterTopic the dead-letter topic (by default the first topic's name + {@code
   *     -dlq}), or null
   */
  private record Source(
      List<String> topics, LinkedHashMap<String, ValueType> schema, String deadLetterTopic) {}

  private static Source source(Checker k, Config c) {
    List<String> topics = new ArrayList<>();
    LinkedHashMap<String, ValueType> schema = new LinkedHashMap<>();
    String deadLetterTopic = null;
    if (!c.hasPath("source")) {
      k.problem(null, "source: missing (required)");
    } else {
      Config src = c.getConfig("source");
      k.rejectUnknownKeys(
          src, Set.of("topics", "format", "schema", "dead-letter-topic"), "source.");
      if (!src.hasPath("topics")) {
        k.problem(null, "source.topics: missing (required)");
      } else {
        try {
          topics.addAll(src.getStringList("topics"));
          if (topics.isEmpty()) {
            k.problem("source.topics", "must name at least one topic");
          }
          if (new LinkedHashSet<>(topics).size() != topics.size()) {
            k.problem("source.topics", "names a topic twice: " + topics);
          }
        } catch (ConfigException.WrongType e) {
          k.problem("source.topics", "must be a list of topic names");
        }
      }
      String format = k.optionalString(src, "format", "source.format", "json");
      if (!"json".equals(format)) {
        k.problem("source.format", "Unsupported format '" + format + "' (supported: json)");
      }
      if (!src.hasPath("schema")) {
        k.problem(null, "source.schema: missing (required): the payload fields and their types");
      } else {
        try {
          ConfigObject obj = src.getObject("schema");
          for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            String field = e.getKey();
            Object raw = e.getValue().unwrapped();
            ValueType t = raw instanceof String s ? ValueType.fromConfigName(s) : null;
            if (t == null) {
              k.problem(
                  "source.schema." + field,
                  e.getValue(),
                  "Unknown type " + raw + " (known: long, double, string, boolean)");
            } else {
              schema.put(field, t);
            }
          }
          // HOCON objects are unordered; keep the order stable for codecs and messages
          LinkedHashMap<String, ValueType> sorted = new LinkedHashMap<>();
          schema.keySet().stream().sorted().forEach(f -> sorted.put(f, schema.get(f)));
          schema.clear();
          schema.putAll(sorted);
          if (schema.isEmpty() && k.problems.isEmpty()) {
            k.problem("source.schema", "must declare at least one field");
          }
        } catch (ConfigException.WrongType e) {
          k.problem("source.schema", "must be an object of field = type");
        }
      }
      deadLetterTopic =
          k.optionalString(
              src,
              "dead-letter-topic",
              "source.dead-letter-topic",
              topics.isEmpty() ? null : topics.get(0) + "-dlq");
      if (deadLetterTopic != null && topics.contains(deadLetterTopic)) {
        k.problem("source.dead-letter-topic", "must differ from the source topics");
      }
    }
    return new Source(topics, schema, deadLetterTopic);
  }

  /**
   * The {@code transforms} section.
   *
   * @param columns every column after transforms: the payload fields, then the valid transform
   *     columns
   * @param transforms the valid transform columns, in declaration order
   * @param filter the row filter, or null for none (or a blank one)
   */
  private record Transforms(
      LinkedHashMap<String, ValueType> columns, List<TransformColumn> transforms, String filter) {}

  private static Transforms transforms(
      Checker k, Config c, LinkedHashMap<String, ValueType> schema) {
    LinkedHashMap<String, ValueType> columns = new LinkedHashMap<>(schema);
    List<TransformColumn> transforms = new ArrayList<>();
    String filter = null;
    if (c.hasPath("transforms")) {
      Config tr = c.getConfig("transforms");
      k.rejectUnknownKeys(tr, Set.of("columns", "filter"), "transforms.");
      if (tr.hasPath("columns")) {
        try {
          List<? extends ConfigObject> list = tr.getObjectList("columns");
          Set<String> seen = new LinkedHashSet<>();
          for (int i = 0; i < list.size(); i++) {
            String p = "transforms.columns[" + i + "]";
            Config col = list.get(i).toConfig();
            k.rejectUnknownKeys(col, Set.of("name", "expression", "type"), p + ".");
            String cn = k.requiredString(col, "name", p + ".name");
            String expr = k.requiredString(col, "expression", p + ".expression");
            String tn = k.requiredString(col, "type", p + ".type");
            ValueType t = tn == null ? null : ValueType.fromConfigName(tn);
            if (tn != null && t == null) {
              k.problem(
                  p + ".type",
                  list.get(i).get("type"),
                  "Unknown type " + tn + " (known: long, double, string, boolean)");
            }
            if (cn != null && !seen.add(cn)) {
              k.problem(
                  p + ".name", list.get(i).get("name"), "column '" + cn + "' is defined twice");
            }
            if (cn != null && expr != null && t != null) {
              transforms.add(new TransformColumn(cn, expr, t));
              columns.put(cn, t);
            }
          }
        } catch (ConfigException.WrongType e) {
          k.problem("transforms.columns", "must be a list of { name, expression, type }");
        }
      }
      filter = k.optionalString(tr, "filter", "transforms.filter", null);
      if (filter != null && filter.isBlank()) {
        filter = null;
      }
    }
    return new Transforms(columns, transforms, filter);
  }

  /**
   * @return {@code entity-key}, or null after reporting it missing; an unknown column is reported,
   *     not dropped
   */
  private static String entityKey(Checker k, Config c, Map<String, ValueType> columns) {
    String entityKey = k.requiredString(c, "entity-key", "entity-key");
    if (entityKey != null && !columns.isEmpty() && !columns.containsKey(entityKey)) {
      k.problem(
          "entity-key",
          "column '"
              + entityKey
              + "' is neither in source.schema nor a transform column (columns: "
              + String.join(", ", columns.keySet())
              + ")");
    }
    return entityKey;
  }

  /**
   * @return the {@code event-time} section, or null when it is missing or names an unknown source
   */
  private static EventTimeSpec eventTime(Checker k, Config c, Map<String, ValueType> columns) {
    EventTimeSpec eventTime = null;
    if (!c.hasPath("event-time")) {
      k.problem(
          null,
          "event-time: missing (required): { column, format, zone } or { source = record-timestamp }");
    } else {
      Config et = c.getConfig("event-time");
      k.rejectUnknownKeys(et, Set.of("column", "format", "zone", "source"), "event-time.");
      String source = k.optionalString(et, "source", "event-time.source", "payload");
      String zone = k.optionalString(et, "zone", "event-time.zone", "UTC");
      if ("record-timestamp".equals(source)) {
        eventTime = new EventTimeSpec(null, null, zone);
      } else if (!"payload".equals(source)) {
        k.problem(
            "event-time.source", "Unknown source '" + source + "' (payload or record-timestamp)");
      } else {
        String col = k.requiredString(et, "column", "event-time.column");
        String format = k.optionalString(et, "format", "event-time.format", "iso-8601");
        if (col != null && !columns.isEmpty() && !columns.containsKey(col)) {
          k.problem(
              "event-time.column",
              "column '" + col + "' is neither in source.schema nor a transform column");
        }
        try {
          EventTimeParser.validateFormat(format, zone);
        } catch (IllegalArgumentException e) {
          k.problem("event-time", e.getMessage());
        }
        if (col != null && columns.containsKey(col)) {
          ValueType t = columns.get(col);
          boolean epoch = format.startsWith("epoch-");
          if (epoch && !t.isNumeric()) {
            k.problem(
                "event-time.column",
                "format "
                    + format
                    + " needs a long column, but '"
                    + col
                    + "' is "
                    + t.configName());
          } else if (!epoch && t != ValueType.STRING) {
            k.problem(
                "event-time.column",
                "format "
                    + format
                    + " needs a string column, but '"
                    + col
                    + "' is "
                    + t.configName());
          }
        }
        eventTime = new EventTimeSpec(col, format, zone);
      }
    }
    return eventTime;
  }

  /**
   * The time settings: slice, lateness, future skew, expiry grace (ms; -1 after a reported problem)
   * and the feature set's default windows (ms, ascending; empty when unset).
   */
  private record TimeSettings(
      long sliceMillis,
      long latenessMillis,
      long futureSkewMillis,
      long graceMillis,
      List<Long> defaultWindowsMillis) {}

  private static TimeSettings timeSettings(Checker k, Config c) {
    long slice = k.duration(c, "slice", "slice", null, false);
    long lateness = k.duration(c, "allowed-lateness", "allowed-lateness", 0L, true);
    long futureSkew =
        k.duration(c, "max-future-skew", "max-future-skew", Duration.ofMinutes(5).toMillis(), true);
    long grace =
        k.duration(c, "expiry-grace", "expiry-grace", Duration.ofHours(1).toMillis(), true);
    List<Long> defaultWindows = windows(k, c, "windows", "windows", slice);
    return new TimeSettings(slice, lateness, futureSkew, grace, defaultWindows);
  }

  /**
   * The aggregations validated so far, with their input columns and features, and the names and
   * context keys taken.
   */
  private static final class Aggregations {
    final List<InputColumn> inputs = new ArrayList<>();
    final List<Aggregation> aggregations = new ArrayList<>();
    final List<Feature> features = new ArrayList<>();
    final Set<String> names = new LinkedHashSet<>();
    final Set<String> featureNames = new LinkedHashSet<>();
    final Map<String, ValueType> contextTypes = new HashMap<>();
  }

  private static Aggregations aggregations(
      Checker k, Config c, Map<String, ValueType> columns, TimeSettings time) {
    Aggregations out = new Aggregations();
    if (!c.hasPath("aggregations")) {
      k.problem(null, "aggregations: missing (required)");
    } else {
      try {
        List<? extends ConfigObject> list = c.getObjectList("aggregations");
        if (list.isEmpty()) {
          k.problem("aggregations", "must declare at least one aggregation");
        }
        for (int i = 0; i < list.size(); i++) {
          aggregation(k, c, list.get(i), "aggregations[" + i + "]", columns, time, out);
        }
      } catch (ConfigException.WrongType e) {
        k.problem("aggregations", "must be a list of { name, function, input }");
      }
    }
    return out;
  }

  /**
   * Validates aggregation {@code p} and, if it is valid enough, adds it, its input columns and its
   * features to {@code out}.
   *
   * @param entry the aggregation's object in the {@code aggregations} list
   * @throws ConfigException.WrongType if {@code params} is not an object (reported for the whole
   *     list)
   */
  private static void aggregation(
      Checker k,
      Config c,
      ConfigObject entry,
      String p,
      Map<String, ValueType> columns,
      TimeSettings time,
      Aggregations out) {
    long slice = time.sliceMillis();
    Config a = entry.toConfig();
    k.rejectUnknownKeys(
        a, Set.of("name", "function", "input", "windows", "params", "context", "session"), p + ".");
    String fn = k.requiredString(a, "function", p + ".function");
    String input = k.optionalString(a, "input", p + ".input", null);
    String an =
        k.optionalString(
            a, "name", p + ".name", fn == null ? null : (input == null ? fn : input + "_" + fn));
    if (an != null && !NAME.matcher(an).matches()) {
      k.problem(
          p + ".name",
          entry.get("name"),
          "Invalid name '" + an + "' (letters, digits and _, starting with a letter)");
    }
    if (an != null && !out.names.add(an)) {
      k.problem(p + ".name", entry.get("name"), "aggregation '" + an + "' is defined twice");
    }
    ValueType inputType = null;
    if (input != null) {
      inputType = columns.get(input);
      if (inputType == null && !columns.isEmpty()) {
        k.problem(
            p + ".input",
            entry.get("input"),
            "column '"
                + input
                + "' is neither in source.schema nor a transform column (columns: "
                + String.join(", ", columns.keySet())
                + ")");
      }
    }
    Map<String, Object> params = a.hasPath("params") ? a.getObject("params").unwrapped() : Map.of();
    AggregateFunction<?> function = null;
    if (fn != null && (input == null || inputType != null)) {
      if (input == null
          && AggregateFunctions.requiresInput(fn)
          && AggregateFunctions.NAMES.contains(fn)) {
        k.problem(p, entry, "function " + fn + " needs an input column (input = ...)");
      } else {
        try {
          function = AggregateFunctions.create(fn, inputType, params, columns::get);
        } catch (IllegalArgumentException e) {
          k.problem(p + ".function", entry.get("function"), e.getMessage());
        }
      }
    }
    String contextKey = null;
    if (function != null && function.usesRequestContext()) {
      contextKey = k.optionalString(a, "context", p + ".context", input);
      if (contextKey != null && !NAME.matcher(contextKey).matches()) {
        k.problem(
            p + ".context",
            entry.get("context"),
            "Invalid context key '"
                + contextKey
                + "' (letters, digits and _, starting with a letter)");
      } else if (contextKey != null) {
        ValueType previous = out.contextTypes.putIfAbsent(contextKey, inputType);
        if (previous != null && previous != inputType) {
          k.problem(
              p + ".context",
              entry.get(a.hasPath("context") ? "context" : "input"),
              "context key '"
                  + contextKey
                  + "' is used by aggregations with inputs of types "
                  + previous.configName()
                  + " and "
                  + inputType.configName()
                  + ": one request value cannot be both; name another context key");
        }
      }
    } else if (a.hasPath("context") && function != null) {
      k.problem(
          p + ".context",
          entry.get("context"),
          "function " + fn + " takes no request context (only bloom_contains does)");
    }
    SessionSpec session = a.hasPath("session") ? session(k, a, p, slice) : null;
    // an aggregation with a session has sliding windows only when it lists its own
    List<Long> windows =
        a.hasPath("windows")
            ? windows(k, a, "windows", p + ".windows", slice)
            : a.hasPath("session") ? List.of() : time.defaultWindowsMillis();
    if (windows.isEmpty()
        && !a.hasPath("windows")
        && !c.hasPath("windows")
        && !a.hasPath("session")) {
      k.problem(p, entry, "no windows: set windows for the feature set or the aggregation");
    }
    if (function != null && an != null) {
      int slot = input == null ? -1 : inputSlot(out.inputs, new InputColumn(input, inputType));
      String valueColumn = AggregateFunctions.valueColumn(fn, params);
      int valueSlot =
          valueColumn == null
              ? -1
              : inputSlot(out.inputs, new InputColumn(valueColumn, columns.get(valueColumn)));
      int index = out.aggregations.size();
      out.aggregations.add(
          new Aggregation(
              an,
              function,
              input,
              inputType,
              slot,
              windows,
              valueColumn,
              valueSlot,
              contextKey,
              session));
      for (long w : windows) {
        String feature = an + "_" + Durations.format(w);
        if (!out.featureNames.add(feature)) {
          k.problem(
              p + ".name", entry.get("name"), "feature name '" + feature + "' is produced twice");
        }
        out.features.add(new Feature(feature, index, w, function.featureResult()));
      }
      if (session != null) {
        String feature = an + "_" + SESSION_SUFFIX;
        if (!out.featureNames.add(feature)) {
          k.problem(
              p + ".name", entry.get("name"), "feature name '" + feature + "' is produced twice");
        }
        out.features.add(
            new Feature(
                feature,
                index,
                session.maxLengthMillis(),
                function.featureResult(),
                session.gapMillis()));
      }
    }
  }

  /**
   * The compaction schedule (used by the Airflow DAGs): interval, ms, and first instant, epoch ms,
   * or null.
   */
  private record Compaction(long intervalMillis, Long startMillis) {}

  /**
   * @return {@code compaction}; the default interval is the slice rounded up to a whole hour
   */
  private static Compaction compaction(Checker k, Config c, long slice) {
    long hour = Duration.ofHours(1).toMillis();
    long compactionInterval = slice > 0 ? Math.max(hour, ((slice + hour - 1) / hour) * hour) : hour;
    Long compactionStart = null;
    if (c.hasPath("compaction")) {
      Config cc = c.getConfig("compaction");
      k.rejectUnknownKeys(cc, Set.of("interval", "start"), "compaction.");
      compactionInterval =
          k.duration(cc, "interval", "compaction.interval", compactionInterval, false);
      if (slice > 0 && compactionInterval > 0 && compactionInterval % slice != 0) {
        k.problem(
            "compaction.interval",
            "Invalid interval "
                + Durations.format(compactionInterval)
                + ": must be a whole multiple of the slice size "
                + Durations.format(slice));
      }
      String start = k.optionalString(cc, "start", "compaction.start", null);
      if (start != null) {
        try {
          compactionStart = java.time.Instant.parse(start).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
          k.problem(
              "compaction.start",
              "Invalid instant '" + start + "' (ISO-8601, e.g. 2026-01-01T00:00:00Z)");
        }
      }
    }
    return new Compaction(compactionInterval, compactionStart);
  }

  /**
   * Parses {@code session { gap, max-length }} of aggregation {@code p}.
   *
   * @return the spec, or null after reporting problems
   */
  private static SessionSpec session(Checker k, Config a, String p, long slice) {
    String full = p + ".session";
    ConfigValue v = a.getValue("session");
    if (v.valueType() != ConfigValueType.OBJECT) {
      k.problem(full, v, "must be an object { gap = 30m, max-length = 1d }");
      return null;
    }
    Config sc = a.getConfig("session");
    int before = k.problems.size();
    k.rejectUnknownKeys(sc, Set.of("gap", "max-length"), full + ".");
    long gap = sessionDuration(k, sc, "gap", full, slice);
    long maxLength = sessionDuration(k, sc, "max-length", full, slice);
    if (gap > 0 && maxLength > 0 && maxLength <= gap) {
      k.problem(
          full + ".max-length",
          sc.getValue("max-length"),
          "Invalid max-length "
              + Durations.format(maxLength)
              + ": must be longer than the gap "
              + Durations.format(gap)
              + " (it bounds how far back a session is followed)");
    }
    return k.problems.size() == before ? new SessionSpec(gap, maxLength) : null;
  }

  private static long sessionDuration(Checker k, Config sc, String key, String full, long slice) {
    if (!sc.hasPath(key)) {
      k.problem(
          full,
          sc.root(),
          key + ": missing (required), e.g. session { gap = 30m, max-length = 1d }");
      return -1;
    }
    ConfigValue item = sc.getValue(key);
    long ms;
    try {
      ms = sc.getDuration(key).toMillis();
    } catch (ConfigException e) {
      k.problem(
          full + "." + key,
          item,
          "Invalid " + key + " " + item.unwrapped() + " (a duration, e.g. 30m, 1d)");
      return -1;
    }
    if (ms <= 0) {
      k.problem(
          full + "." + key, item, "Invalid " + key + " " + item.unwrapped() + " (must be > 0)");
      return -1;
    }
    if (slice > 0 && ms % slice != 0) {
      k.problem(
          full + "." + key,
          item,
          "Invalid "
              + key
              + " "
              + item.unwrapped()
              + ": must be a whole multiple of the slice size "
              + Durations.format(slice)
              + (key.equals("gap")
                  ? " (sessions are found from each slice's first and last event times)"
                  : ""));
      return -1;
    }
    return ms;
  }

  private static List<Long> windows(Checker k, Config c, String path, String full, long slice) {
    if (!c.hasPath(path)) {
      return List.of();
    }
    ConfigValue v = c.getValue(path);
    if (v.valueType() != ConfigValueType.LIST) {
      k.problem(full, v, "must be a list of durations, e.g. [1h, 1d, 7d]");
      return List.of();
    }
    ConfigList list = (ConfigList) v;
    TreeSet<Long> out = new TreeSet<>();
    for (int i = 0; i < list.size(); i++) {
      ConfigValue item = list.get(i);
      long ms;
      try {
        ms = ConfigFactory.empty().withValue("w", item).getDuration("w").toMillis();
      } catch (ConfigException e) {
        k.problem(
            full + "[" + i + "]",
            item,
            "Invalid window " + item.unwrapped() + " (a duration, e.g. 1h, 7d)");
        continue;
      }
      if (ms <= 0) {
        k.problem(
            full + "[" + i + "]", item, "Invalid window " + item.unwrapped() + " (must be > 0)");
      } else if (slice > 0 && ms % slice != 0) {
        k.problem(
            full + "[" + i + "]",
            item,
            "Invalid window "
                + item.unwrapped()
                + ": must be a whole multiple of the slice size "
                + Durations.format(slice));
      } else if (!out.add(ms)) {
        k.problem(full + "[" + i + "]", item, "window " + item.unwrapped() + " is listed twice");
      }
    }
    if (list.isEmpty()) {
      k.problem(full, v, "must list at least one window");
    }
    return List.copyOf(out);
  }

  /** Used by {@link #load(Path)} callers that hold a {@link File}. */
  static FeatureSet load(File file) {
    return load(file.toPath());
  }

  /**
   * @return the slot of {@code column} in {@code inputs}, appending it if absent
   */
  private static int inputSlot(List<InputColumn> inputs, InputColumn column) {
    int slot = inputs.indexOf(column);
    if (slot < 0) {
      inputs.add(column);
      slot = inputs.size() - 1;
    }
    return slot;
  }
}
