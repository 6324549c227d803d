package dev.slicestore.core.aggregate;

/**
 * One entry of an {@link ResultType.Kind#ITEM_COUNTS} result: an item and how often it occurred.
 * For a sketch the count is an estimate: the true count lies in {@code [count - errorBound,
 * count]}, as in the serving API's {@code ItemCount} message.
 *
 * <p>Immutable.
 *
 * @param item the item: a {@code Long}, {@code Double}, {@code String} or {@code Boolean} of the
 *     function's input type, never null
 * @param count the (estimated) number of occurrences, {@code >= 1}
 * @param errorBound the largest possible overestimate of {@code count}; 0 when it is exact
 */
public record ItemCount(Object item, long count, long errorBound) {}
