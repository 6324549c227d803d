package dev.slicestore.training;

import dev.slicestore.core.config.Feature;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.plan.FeaturePlan;
import dev.slicestore.core.time.CoveredIntervals;
import java.util.List;

/**
 * One feature set of a training set: the requested features with their output column names and
 * output positions, and the offline-store tables pinned to the snapshot current when the run
 * started, with the slice ranges each covers.
 *
 * @param fs the feature set
 * @param features the requested features, definition order of the request
 * @param columns the output column of each feature, same order
 * @param order the output position of each feature among all features of the run, same order
 * @param eventsTable the events table ({@code catalog.namespace.table})
 * @param eventsSnapshot the events table's snapshot id read
 * @param slicesTable the slices table
 * @param slicesSnapshot the slices table's snapshot id read
 * @param eventsCoverage the slice ranges the events table covers at that snapshot
 * @param slicesCoverage the slice ranges the slices table covers at that snapshot
 */
record FeatureSelection(
    FeatureSet fs,
    List<Feature> features,
    List<String> columns,
    List<Integer> order,
    String eventsTable,
    long eventsSnapshot,
    String slicesTable,
    long slicesSnapshot,
    CoveredIntervals eventsCoverage,
    CoveredIntervals slicesCoverage) {

  /**
   * @return the plan of the requested features (needed aggregations, windows, request context)
   */
  FeaturePlan plan() {
    return new FeaturePlan(fs, features);
  }

  /**
   * @return the longest requested window (session max-lengths included), in slices, at least 1
   */
  int longestWindowSlices() {
    return Math.max(1, plan().longestWindowSlices());
  }
}
