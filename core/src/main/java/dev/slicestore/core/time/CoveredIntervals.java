package dev.slicestore.core.time;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A set of half-open time intervals {@code [from, to)} in epoch milliseconds, kept sorted, disjoint
 * and with touching intervals joined: what the offline store covers (the slice ranges compaction
 * has written). Its text form, stored in Iceberg snapshot summaries, is {@code
 * "from1-to1,from2-to2"} (empty for no interval; negative times are written with their sign, e.g.
 * {@code "-20--10"}).
 *
 * <p>Immutable and thread-safe.
 */
public final class CoveredIntervals {
  private static final CoveredIntervals EMPTY = new CoveredIntervals(List.of());
  private final List<long[]> intervals;

  private CoveredIntervals(List<long[]> sortedDisjoint) {
    this.intervals = sortedDisjoint;
  }

  /**
   * @return the empty set
   */
  public static CoveredIntervals empty() {
    return EMPTY;
  }

  /**
   * @param fromMillis start, inclusive
   * @param toMillis end, exclusive; an empty interval ({@code to <= from}) gives the empty set
   * @return the set holding one interval
   */
  public static CoveredIntervals of(long fromMillis, long toMillis) {
    return toMillis <= fromMillis
        ? EMPTY
        : new CoveredIntervals(List.of(new long[] {fromMillis, toMillis}));
  }

  /**
   * Parses the text form.
   *
   * @param text {@code "from-to,..."}, or null or blank for the empty set
   * @return the set
   * @throws IllegalArgumentException naming the text if it is malformed
   */
  public static CoveredIntervals parse(String text) {
    if (text == null || text.isBlank()) {
      return EMPTY;
    }
    CoveredIntervals out = EMPTY;
    for (String part : text.split(",")) {
      int dash = part.indexOf('-', 1); // skip a leading minus sign
      if (dash < 0) {
        throw new IllegalArgumentException(
            "Malformed covered interval '" + part + "' in '" + text + "': expected from-to");
      }
      try {
        out =
            out.union(
                of(
                    Long.parseLong(part.substring(0, dash).trim()),
                    Long.parseLong(part.substring(dash + 1).trim())));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "Malformed covered interval '" + part + "' in '" + text + "': " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * @return the union of this set and {@code other}
   */
  public CoveredIntervals union(CoveredIntervals other) {
    if (other.intervals.isEmpty()) {
      return this;
    }
    if (intervals.isEmpty()) {
      return other;
    }
    List<long[]> all = new ArrayList<>(intervals);
    all.addAll(other.intervals);
    all.sort(Comparator.comparingLong(iv -> iv[0]));
    List<long[]> merged = new ArrayList<>();
    long[] cur = all.get(0).clone();
    for (int i = 1; i < all.size(); i++) {
      long[] next = all.get(i);
      if (next[0] <= cur[1]) {
        cur[1] = Math.max(cur[1], next[1]);
      } else {
        merged.add(cur);
        cur = next.clone();
      }
    }
    merged.add(cur);
    return new CoveredIntervals(List.copyOf(merged));
  }

  /**
   * @return true iff {@code [fromMillis, toMillis)} lies inside one interval of the set (an empty
   *     range is covered)
   */
  public boolean covers(long fromMillis, long toMillis) {
    if (toMillis <= fromMillis) {
      return true;
    }
    for (long[] iv : intervals) {
      if (iv[0] <= fromMillis && toMillis <= iv[1]) {
        return true;
      }
    }
    return false;
  }

  /**
   * @return true iff the set holds no interval
   */
  public boolean isEmpty() {
    return intervals.isEmpty();
  }

  /**
   * @return the intervals, sorted and disjoint, each {@code {from, to}} (copies)
   */
  public List<long[]> intervals() {
    List<long[]> out = new ArrayList<>();
    intervals.forEach(iv -> out.add(iv.clone()));
    return out;
  }

  /**
   * @return the text form, {@code "from-to,..."}
   */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (long[] iv : intervals) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(iv[0]).append('-').append(iv[1]);
    }
    return sb.toString();
  }

  /**
   * @return the intervals as ISO instants, e.g. {@code [2011-11-01T00:00:00Z,
   *     2011-12-01T00:00:00Z)}, or "nothing"
   */
  public String describe() {
    if (intervals.isEmpty()) {
      return "nothing";
    }
    List<String> parts = new ArrayList<>();
    for (long[] iv : intervals) {
      parts.add("[" + Instant.ofEpochMilli(iv[0]) + ", " + Instant.ofEpochMilli(iv[1]) + ")");
    }
    return String.join(" ∪ ", parts);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CoveredIntervals c && c.format().equals(format());
  }

  @Override
  public int hashCode() {
    return format().hashCode();
  }

  @Override
  public String toString() {
    return describe();
  }
}
