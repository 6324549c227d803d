package dev.slicestore.compaction;

/**
 * Compaction refused to run, or to replace a slice, because doing so could overwrite good state
 * with a partial aggregate: Kafka retention has deleted records that may belong to the range, or a
 * slice already holds a compacted entry of more events than this run found. Nothing is written for
 * the refused range (or, for the second case, for the refused slice; slices replaced before it stay
 * replaced, each atomically). The message says what was found and what to check.
 */
public final class CompactionRefusedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was refused and why
   */
  public CompactionRefusedException(String message) {
    super(message);
  }
}
