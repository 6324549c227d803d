package dev.slicestore.core.event;

/**
 * Why a record was not applied. Every reason except {@link #FILTERED} sends the record to the
 * feature set's dead-letter topic; all are counted. Codes are stable (they appear in dead-letter
 * records and metrics).
 */
public enum RejectReason {
  /** The value is not a JSON object (or not UTF-8). */
  MALFORMED_JSON("malformed_json", "malformed JSON"),
  /** A field has a value of the wrong JSON type for the declared schema. */
  WRONG_TYPE("wrong_type", "wrong type"),
  /** The entity-key column is missing, null or empty. */
  MISSING_ENTITY_KEY("missing_entity_key", "missing entity key"),
  /** The event-time column is missing or null. */
  MISSING_EVENT_TIME("missing_event_time", "missing event time"),
  /** The event-time value cannot be parsed with the declared format. */
  BAD_EVENT_TIME("bad_event_time", "bad event time"),
  /** The event's slice is older than now minus the longest window minus the allowed lateness. */
  TOO_LATE("too_late", "too late"),
  /** The event time is further ahead of now than the allowed future skew. */
  TOO_FAR_IN_FUTURE("too_far_in_future", "too far in the future"),
  /** The feature set's filter rejected the row (counted, not dead-lettered). */
  FILTERED("filtered", "filtered out");

  private final String code;
  private final String description;

  RejectReason(String code, String description) {
    this.code = code;
    this.description = description;
  }

  /**
   * @return a stable snake_case code, e.g. {@code too_late}
   */
  public String code() {
    return code;
  }

  /**
   * @return a short human description, e.g. "too late"
   */
  public String description() {
    return description;
  }

  /**
   * @return true iff records with this reason go to the dead-letter topic
   */
  public boolean deadLettered() {
    return this != FILTERED;
  }
}
