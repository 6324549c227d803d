package dev.slicestore.training;

import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.spark.IcebergCatalog;
import dev.slicestore.spark.OfflineLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a training-set run reads and writes, decided on the driver before any data moves: the
 * requested features per feature set with their output column names and order, the offline-store
 * tables pinned to their current snapshots with the ranges they cover, and the spine; every request
 * problem (unknown or ambiguous feature, missing offline store or spine column, output column
 * clash) is found here.
 *
 * @param selections the feature sets with their features and pinned tables, request order
 * @param spine the spine (read, or built in snapshot mode), not yet normalized
 * @param snapshots the snapshot id read per table (offline-store tables, and an Iceberg spine)
 * @param coverage per feature set name, the slice ranges its slices table covers, in words
 * @param featureColumns the feature columns in output order (the order of {@code --features}, else
 *     feature set by feature set in definition order)
 */
record TrainingSetPlan(
    List<FeatureSelection> selections,
    Dataset<Row> spine,
    Map<String, Long> snapshots,
    Map<String, String> coverage,
    List<String> featureColumns) {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingSetPlan.class);

  /**
   * Plans a run (the offline-store catalog must be configured).
   *
   * @throws IllegalArgumentException for an invalid request (see {@link TrainingSets#build})
   */
  static TrainingSetPlan of(SparkSession spark, TrainingSetRequest request) {
    List<FeatureSelection> selections = select(spark, request);
    Map<String, Long> snapshots = new LinkedHashMap<>();
    Map<String, String> coverage = new LinkedHashMap<>();
    for (FeatureSelection s : selections) {
      snapshots.put(s.eventsTable(), s.eventsSnapshot());
      snapshots.put(s.slicesTable(), s.slicesSnapshot());
      coverage.put(s.fs().name(), s.slicesCoverage().describe());
      LOG.info(
          "Feature set {}: {} features from {} (snapshot {}) and {} (snapshot {}), covering {}",
          s.fs().name(),
          s.features().size(),
          s.eventsTable(),
          s.eventsSnapshot(),
          s.slicesTable(),
          s.slicesSnapshot(),
          s.slicesCoverage().describe());
    }
    boolean snapshotMode = request.snapshotTimeMillis() != null;
    Dataset<Row> spine =
        snapshotMode
            ? Spines.snapshot(spark, request, selections)
            : Spines.read(spark, request, snapshots);
    checkContextColumns(selections, spine, snapshotMode);
    checkOutputColumns(selections, spine, request);
    // feature columns in the order of --features (else feature set by feature set, in definition
    // order)
    TreeMap<Integer, String> ordered = new TreeMap<>();
    for (FeatureSelection s : selections) {
      for (int i = 0; i < s.columns().size(); i++) {
        ordered.put(s.order().get(i), s.columns().get(i));
      }
    }
    return new TrainingSetPlan(
        selections, spine, snapshots, coverage, new ArrayList<>(ordered.values()));
  }

  /**
   * Resolves the requested features per feature set, their output names, and pins each set's
   * tables.
   */
  private static List<FeatureSelection> select(SparkSession spark, TrainingSetRequest request) {
    Map<FeatureSet, List<Feature>> chosen = new LinkedHashMap<>();
    Map<String, Integer> requestOrder =
        new HashMap<>(); // <feature set>.<feature>: Feature records of two sets may be equal
    request.featureSets().forEach(fs -> chosen.put(fs, new ArrayList<>()));
    if (request.features().isEmpty()) {
      request.featureSets().forEach(fs -> chosen.get(fs).addAll(fs.features()));
    } else {
      for (String name : request.features()) {
        List<FeatureSet> matches = new ArrayList<>();
        String featureName = name;
        for (FeatureSet fs : request.featureSets()) {
          if (name.startsWith(fs.name() + ".")
              && fs.features().stream()
                  .anyMatch(f -> f.name().equals(name.substring(fs.name().length() + 1)))) {
            matches.clear();
            matches.add(fs);
            featureName = name.substring(fs.name().length() + 1);
            break;
          }
          if (fs.features().stream().anyMatch(f -> f.name().equals(name))) {
            matches.add(fs);
          }
        }
        if (matches.isEmpty()) {
          List<String> known = new ArrayList<>();
          request.featureSets().forEach(fs -> fs.features().forEach(f -> known.add(f.name())));
          throw new IllegalArgumentException(
              "Unknown feature '" + name + "' (known: " + String.join(", ", known) + ")");
        }
        if (matches.size() > 1) {
          throw new IllegalArgumentException(
              "Feature '"
                  + name
                  + "' is in several feature sets ("
                  + String.join(", ", matches.stream().map(FeatureSet::name).toList())
                  + "): write <feature set>."
                  + name);
        }
        Feature f = matches.get(0).feature(featureName);
        if (!chosen.get(matches.get(0)).contains(f)) {
          chosen.get(matches.get(0)).add(f);
          requestOrder.put(matches.get(0).name() + "." + f.name(), requestOrder.size());
        }
      }
    }
    Map<String, Integer> nameCounts = new HashMap<>();
    chosen.values().forEach(list -> list.forEach(f -> nameCounts.merge(f.name(), 1, Integer::sum)));
    List<FeatureSelection> out = new ArrayList<>();
    for (Map.Entry<FeatureSet, List<Feature>> e : chosen.entrySet()) {
      FeatureSet fs = e.getKey();
      if (e.getValue().isEmpty()) {
        continue;
      }
      OfflineLayout.checkColumnNames(fs);
      List<String> columns = new ArrayList<>();
      List<Integer> order = new ArrayList<>();
      for (Feature f : e.getValue()) {
        columns.add(nameCounts.get(f.name()) > 1 ? fs.name() + "_" + f.name() : f.name());
        order.add(
            requestOrder.getOrDefault(
                fs.name() + "." + f.name(), out.size() * 100_000 + order.size()));
      }
      String events = OfflineLayout.eventsTable(request.catalog(), request.namespace(), fs);
      String slices = OfflineLayout.slicesTable(request.catalog(), request.namespace(), fs);
      Table eventsTable = loadOfflineTable(spark, events, fs);
      Table slicesTable = loadOfflineTable(spark, slices, fs);
      Snapshot es = eventsTable.currentSnapshot();
      Snapshot ss = slicesTable.currentSnapshot();
      if (es == null || ss == null) {
        throw new IllegalArgumentException(
            "The offline store of feature set "
                + fs.name()
                + " is empty ("
                + (es == null ? events : slices)
                + " has no snapshot): compact a range first");
      }
      out.add(
          new FeatureSelection(
              fs,
              List.copyOf(e.getValue()),
              columns,
              order,
              events,
              es.snapshotId(),
              slices,
              ss.snapshotId(),
              OfflineLayout.coverage(eventsTable, es),
              OfflineLayout.coverage(slicesTable, ss)));
    }
    return out;
  }

  private static Table loadOfflineTable(SparkSession spark, String table, FeatureSet fs) {
    try {
      Table t = IcebergCatalog.load(spark, table);
      t.refresh();
      String version = t.properties().get(OfflineLayout.PROP_FEATURE_SET_VERSION);
      if (version != null && !version.equals(Integer.toString(fs.version()))) {
        throw new IllegalArgumentException(
            "Table "
                + table
                + " holds feature set "
                + fs.name()
                + " version "
                + version
                + ", not version "
                + fs.version()
                + " ("
                + fs.sourceFile()
                + "): pass the --namespace of that version's tables");
      }
      return t;
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "Feature set "
              + fs.name()
              + " has no offline store yet: "
              + e.getMessage()
              + " (run compaction for a range first, with the same --catalog and --namespace)",
          e);
    }
  }

  /**
   * Checks that the spine holds a column per request-context key the selected features need ({@code
   * bloom_contains}: "might the window contain the value of this row's column?").
   *
   * @throws IllegalArgumentException naming the feature and the missing column, or, in snapshot
   *     mode (no spine), the features that need one
   */
  private static void checkContextColumns(
      List<FeatureSelection> selections, Dataset<Row> spine, boolean snapshot) {
    for (FeatureSelection s : selections) {
      for (Feature f : s.features()) {
        String key = s.fs().aggregations().get(f.aggregationIndex()).contextKey();
        if (key == null) {
          continue;
        }
        if (snapshot) {
          throw new IllegalArgumentException(
              answersWithContext(s, f, key)
                  + ", which a snapshot has no column for: use a spine with a column '"
                  + key
                  + "', or leave the feature out with --features");
        }
        try {
          Spines.contextColumn(spine, key);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              answersWithContext(s, f, key)
                  + " (\"might the window contain this row's "
                  + key
                  + "?\"): "
                  + e.getMessage()
                  + "; add the column to the spine or leave the feature out with --features",
              e);
        }
      }
    }
  }

  /**
   * @return {@code Feature <set>.<feature> answers with request context '<key>'}, how the messages
   *     about a feature's context column begin
   */
  private static String answersWithContext(FeatureSelection s, Feature f, String key) {
    return "Feature "
        + s.fs().name()
        + "."
        + f.name()
        + " answers with request context '"
        + key
        + "'";
  }

  /**
   * @throws IllegalArgumentException if two output columns would share a name (case-insensitively)
   */
  private static void checkOutputColumns(
      List<FeatureSelection> selections, Dataset<Row> spine, TrainingSetRequest request) {
    Set<String> outputNames = new LinkedHashSet<>();
    for (String c : spine.columns()) {
      outputNames.add(c.toLowerCase(Locale.ROOT));
    }
    for (FeatureSelection s : selections) {
      for (String c : s.columns()) {
        if (!outputNames.add(c.toLowerCase(Locale.ROOT))) {
          throw new IllegalArgumentException(
              "The output would have two columns named '"
                  + c
                  + "' (a spine column and a"
                  + " feature, or two features): rename the spine column or select features with --features");
        }
      }
    }
    if (request.onUncovered() == UncoveredPolicy.FLAG
        && !outputNames.add(TrainingSets.COVERED_COLUMN)) {
      throw new IllegalArgumentException(
          "The spine already has a column '"
              + TrainingSets.COVERED_COLUMN
              + "', which --on-uncovered flag adds");
    }
  }
}
