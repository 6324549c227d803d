package dev.slicestore.core.config;

import dev.slicestore.core.aggregate.ValueType;
import java.io.Serializable;

/**
 * A named row transform: a Spark SQL expression over the payload columns, cast to a declared type.
 * A transform may replace a payload column of the same name; expressions always see the payload
 * values.
 *
 * @param name the output column name
 * @param expression a Spark SQL expression, e.g. {@code Quantity * UnitPrice}
 * @param type the type the expression's result is cast to
 */
public record TransformColumn(String name, String expression, ValueType type)
    implements Serializable {}
