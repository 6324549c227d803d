package dev.slicestore.core.offline;

import dev.slicestore.core.aggregate.AggregateFunction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * First-in first-out sliding-window aggregation with amortized O(1) merges per insert, evict and
 * query, for any associative merge, including non-invertible ones (min, max, sketches) that cannot
 * "subtract" an evicted element: the <em>Two-Stacks</em> algorithm as described by Tangwongsan,
 * Hirzel and Schneider, "Sliding-Window Aggregation Algorithms: Tutorial", DEBS 2017 (section
 * "Two-Stacks"), a folklore queue-from-two-stacks construction.
 *
 * <p>New elements go on the <em>back</em> stack, whose running aggregate is kept; the oldest
 * element is evicted from the <em>front</em> stack, where every entry keeps the aggregate of itself
 * and all newer front entries. When the front is empty, an eviction first moves the back stack over
 * (newest first), computing those aggregates: each element is merged O(1) times on average. A query
 * merges the front top's aggregate with the back aggregate.
 *
 * <p>Elements are keyed by a long (a slice index) that must increase with every {@link #push};
 * {@link #evictBelow} drops every element with a smaller key.
 *
 * <p>Ownership follows {@link AggregateFunction}'s contract: pushed accumulators are never mutated
 * (they may be shared with other queues), the queue owns the aggregates it computes, and {@link
 * #query} returns a new accumulator owned by the caller. Not thread-safe.
 *
 * @param <A> the accumulator type
 */
public final class TwoStacks<A> {
  private final AggregateFunction<A> function;

  /** Back stack, oldest first: keys and (shared, never mutated) accumulators. */
  private final ArrayDeque<Long> backKeys = new ArrayDeque<>();

  private final ArrayDeque<A> backValues = new ArrayDeque<>();
  private A backAggregate;

  /** Front stack, top = oldest: keys and the aggregate of the entry and every newer front entry. */
  private final ArrayDeque<Long> frontKeys = new ArrayDeque<>();

  private final ArrayDeque<A> frontAggregates = new ArrayDeque<>();

  /**
   * @param function the merge to apply (not null)
   */
  public TwoStacks(AggregateFunction<A> function) {
    this.function = function;
    this.backAggregate = function.createAccumulator();
  }

  /**
   * Appends an element.
   *
   * @param key its key, greater than every key pushed before
   * @param accumulator its value; kept and read, never mutated
   * @throws IllegalArgumentException if the key does not increase
   */
  public void push(long key, A accumulator) {
    Long last = backKeys.isEmpty() ? frontKeys.peekLast() : backKeys.peekLast();
    if (last != null && key <= last) {
      throw new IllegalArgumentException(
          "key " + key + " pushed after key " + last + ": keys must increase");
    }
    backKeys.addLast(key);
    backValues.addLast(accumulator);
    backAggregate = function.merge(backAggregate, accumulator);
  }

  /** Drops every element whose key is less than {@code minKey}. */
  public void evictBelow(long minKey) {
    while (true) {
      if (frontKeys.isEmpty()) {
        if (backKeys.isEmpty() || backKeys.peekFirst() >= minKey) {
          return;
        }
        flip();
      }
      if (frontKeys.peekFirst() >= minKey) {
        return;
      }
      frontKeys.removeFirst();
      frontAggregates.removeFirst();
    }
  }

  /** Moves the back stack to the front, newest first, computing suffix aggregates. */
  private void flip() {
    List<Long> keys = new ArrayList<>(backKeys);
    List<A> values = new ArrayList<>(backValues);
    A running = null;
    for (int i = keys.size() - 1; i >= 0; i--) {
      A aggregate = function.merge(function.createAccumulator(), values.get(i));
      if (running != null) {
        aggregate = function.merge(aggregate, running);
      }
      frontKeys.addFirst(keys.get(i));
      frontAggregates.addFirst(aggregate);
      running = aggregate;
    }
    backKeys.clear();
    backValues.clear();
    backAggregate = function.createAccumulator();
  }

  /**
   * @return the number of elements held
   */
  public int size() {
    return backKeys.size() + frontKeys.size();
  }

  /**
   * @return the merge of every element held, as a new accumulator owned by the caller
   */
  public A query() {
    A result = function.merge(function.createAccumulator(), backAggregate);
    if (!frontAggregates.isEmpty()) {
      result = function.merge(result, frontAggregates.peekFirst());
    }
    return result;
  }
}
