package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;

/**
 * A column whose value a row pre-aggregate stores: the input of one or more aggregations.
 *
 * @param name column name (after transforms)
 * @param type its declared type
 */
public record InputColumn(String name, ValueType type) implements Serializable {}
