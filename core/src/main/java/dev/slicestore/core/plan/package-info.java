/**
 * Evaluation planning: {@link dev.slicestore.core.plan.FeaturePlan}, what computing a list of
 * features of a feature set needs (which aggregations, which windows in slices, which session
 * features, which request-context values), worked out once and shared by the online ({@link
 * dev.slicestore.core.online.WindowEvaluator}) and offline ({@link
 * dev.slicestore.core.offline.PointInTimeEvaluator}) evaluators and by training.
 */
package dev.slicestore.core.plan;
