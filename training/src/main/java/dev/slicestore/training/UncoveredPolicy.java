package dev.slicestore.training;

import java.util.Locale;

/**
 * What a training-set run does with spine rows the offline store cannot answer: rows whose windows
 * reach outside the slice ranges compaction has written (most often rows later than the last
 * compacted slice, whose current slice is still only in Redis), and rows without entity key or
 * timestamp. Values computed for such rows would silently miss events, so they never get values.
 */
public enum UncoveredPolicy {
  /**
   * Refuse the whole run (nothing is written); the error gives the number of rows and their time
   * range. Default.
   */
  FAIL,
  /**
   * Leave those rows out of the output; the summary and the metadata give how many and their range.
   */
  DROP,
  /**
   * Keep every row, add the boolean column {@value TrainingSets#COVERED_COLUMN} (false for those
   * rows) and leave their features null.
   */
  FLAG;

  /**
   * @param text {@code fail}, {@code drop} or {@code flag}, case-insensitive
   * @return the policy
   * @throws IllegalArgumentException naming the allowed values
   */
  public static UncoveredPolicy parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid --on-uncovered '" + text + "': use fail, drop or flag");
    }
  }
}
