package dev.slicestore.core.online;

/** The status of one served feature value. */
public enum FeatureStatus {
  /** The window holds at least one input for the aggregation; the value is its result. */
  PRESENT,
  /** The window holds no input; the value is the function's empty result (0 or null). */
  EMPTY,
  /** The value could not be computed (corrupt stored data, overflow); see the message. */
  ERROR
}
