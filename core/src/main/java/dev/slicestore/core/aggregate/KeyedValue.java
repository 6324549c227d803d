package dev.slicestore.core.aggregate;

/**
 * The input of a function that reads two columns of an event ({@code argmin}, {@code argmax}): the
 * value that orders events ({@code key}, the aggregation's {@code input} column) and the value
 * reported for the chosen event ({@code value}, the column named by {@code params.value}).
 *
 * @param key the ordering value ({@code Long}, {@code Double} or {@code String}); an event with a
 *     null key is ignored
 * @param value the reported value of the declared value type, may be null
 */
public record KeyedValue(Object key, Object value) {}
