package dev.slicestore.core.aggregate;

import java.io.Serializable;
import java.util.Objects;

/**
 * The shape and element type of an aggregate function's results ({@link
 * AggregateFunction#result()}).
 *
 * <table>
 *   <caption>Java shapes of non-null results</caption>
 *   <tr><th>kind</th><th>Java value of {@code getResult}</th></tr>
 *   <tr><td>{@link Kind#SCALAR}</td><td>one value of {@code element}: {@code Long}, {@code Double},
 *       {@code String} or {@code Boolean}</td></tr>
 *   <tr><td>{@link Kind#LIST}</td><td>an unmodifiable {@code java.util.List} of non-null values of
 *       {@code element}, in the order the function documents (e.g. best first)</td></tr>
 *   <tr><td>{@link Kind#ITEM_COUNTS}</td><td>an unmodifiable {@code java.util.List<ItemCount>},
 *       most frequent first; each {@link ItemCount#item()} is a value of {@code element}</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind the shape, never null
 * @param element the type of the scalar, of the list elements or of the items, never null
 */
public record ResultType(Kind kind, ValueType element) implements Serializable {

  /** The shape of a result. */
  public enum Kind {
    /** One value. */
    SCALAR,
    /** An ordered list of values. */
    LIST,
    /** An ordered list of {@link ItemCount}s. */
    ITEM_COUNTS
  }

  /**
   * @throws NullPointerException if an argument is null
   */
  public ResultType {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(element, "element");
  }

  /**
   * @return a scalar result of {@code type}
   */
  public static ResultType scalar(ValueType type) {
    return new ResultType(Kind.SCALAR, type);
  }

  /**
   * @return a list-of-{@code type} result
   */
  public static ResultType list(ValueType type) {
    return new ResultType(Kind.LIST, type);
  }

  /**
   * @return an item-counts result whose items are of {@code type}
   */
  public static ResultType itemCounts(ValueType type) {
    return new ResultType(Kind.ITEM_COUNTS, type);
  }

  /**
   * @return the name used in {@code ListFeatureSets} and docs/functions.md: {@code long}, {@code
   *     double}, {@code string}, {@code boolean}, {@code list<long>}, {@code item_counts<string>},
   *     ...
   */
  public String configName() {
    return switch (kind) {
      case SCALAR -> element.configName();
      case LIST -> "list<" + element.configName() + ">";
      case ITEM_COUNTS -> "item_counts<" + element.configName() + ">";
    };
  }
}
