package dev.slicestore.quickstart.replay;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The JSON type of each CSV column: a map from column name to {@link ColumnType}; columns not in
 * the map are {@link ColumnType#STRING}.
 *
 * <p>Immutable and thread-safe.
 */
public final class ColumnTypes {

  private static final ColumnTypes RETAIL = new ColumnTypes(retailMap());

  private final Map<String, ColumnType> types;

  private ColumnTypes(Map<String, ColumnType> types) {
    this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
  }

  private static Map<String, ColumnType> retailMap() {
    Map<String, ColumnType> m = new LinkedHashMap<>();
    m.put("InvoiceNo", ColumnType.STRING);
    m.put("StockCode", ColumnType.STRING);
    m.put("Description", ColumnType.STRING);
    m.put("Quantity", ColumnType.LONG);
    m.put("InvoiceDate", ColumnType.STRING);
    m.put("UnitPrice", ColumnType.DOUBLE);
    m.put("CustomerID", ColumnType.STRING);
    m.put("Country", ColumnType.STRING);
    return m;
  }

  /**
   * Returns the types of the online-retail data set: InvoiceNo, StockCode, Description,
   * InvoiceDate, CustomerID and Country strings, Quantity long, UnitPrice double.
   *
   * @return the retail column types
   */
  public static ColumnTypes retail() {
    return RETAIL;
  }

  /**
   * Returns column types where every column is a string.
   *
   * @return the all-string column types
   */
  public static ColumnTypes allStrings() {
    return new ColumnTypes(Map.of());
  }

  /**
   * Creates column types from a map.
   *
   * @param types column name to type; not null, no null keys or values
   * @return the column types
   */
  public static ColumnTypes of(Map<String, ColumnType> types) {
    types.forEach(
        (k, v) -> {
          Objects.requireNonNull(k, "column name");
          Objects.requireNonNull(v, "column type");
        });
    return new ColumnTypes(types);
  }

  /**
   * Returns a copy with one column's type set.
   *
   * @param column the column name; not null
   * @param type its type; not null
   * @return new column types
   */
  public ColumnTypes with(String column, ColumnType type) {
    Map<String, ColumnType> copy = new LinkedHashMap<>(types);
    copy.put(Objects.requireNonNull(column, "column"), Objects.requireNonNull(type, "type"));
    return new ColumnTypes(copy);
  }

  /**
   * Parses {@code NAME=TYPE} (as in {@code --column-type Quantity=long}) and returns a copy with
   * that column's type set.
   *
   * @param assignment for example {@code "Quantity=long"}; not null
   * @return new column types
   * @throws IllegalArgumentException if the text is not {@code NAME=TYPE} with a known type
   */
  public ColumnTypes with(String assignment) {
    int eq = assignment.indexOf('=');
    if (eq <= 0 || eq == assignment.length() - 1) {
      throw new IllegalArgumentException(
          "Invalid column type: " + assignment + " (must be NAME=TYPE, e.g. Quantity=long)");
    }
    return with(
        assignment.substring(0, eq).trim(), ColumnType.fromName(assignment.substring(eq + 1)));
  }

  /**
   * Returns the type of a column.
   *
   * @param column the column name; not null
   * @return its declared type, or {@link ColumnType#STRING} if it is not declared
   */
  public ColumnType typeOf(String column) {
    return types.getOrDefault(column, ColumnType.STRING);
  }

  /**
   * Returns the declared types.
   *
   * @return an unmodifiable map in declaration order
   */
  public Map<String, ColumnType> asMap() {
    return types;
  }

  @Override
  public String toString() {
    return types.toString();
  }
}
