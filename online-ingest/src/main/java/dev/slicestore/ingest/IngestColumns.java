package dev.slicestore.ingest;

/** Names of the metadata columns online-ingest adds next to the payload columns. */
final class IngestColumns {
  static final String PREFIX = "__ss_";
  static final String TOPIC_INDEX = PREFIX + "topic_index";
  static final String PARTITION = PREFIX + "partition";
  static final String OFFSET = PREFIX + "offset";
  static final String TIMESTAMP_MS = PREFIX + "timestamp_ms";
  static final String KEY = PREFIX + "key";
  static final String VALUE = PREFIX + "value";
  static final String REJECT_REASON = PREFIX + "reject_reason";
  static final String REJECT_MESSAGE = PREFIX + "reject_message";
  static final String KEEP = PREFIX + "keep";

  private IngestColumns() {}
}
