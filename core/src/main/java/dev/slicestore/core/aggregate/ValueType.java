package dev.slicestore.core.aggregate;

import java.util.Locale;

/**
 * The value types of event columns and feature results. Ids are explicit and stable (they appear in
 * binary formats); never use {@link #ordinal()}.
 */
public enum ValueType {
  /** 64-bit signed integer ({@code Long}). */
  LONG(1, "long"),
  /** 64-bit IEEE 754 floating point ({@code Double}). */
  DOUBLE(2, "double"),
  /** UTF-8 text ({@code String}). */
  STRING(3, "string"),
  /** {@code Boolean}. */
  BOOLEAN(4, "boolean");

  private final int id;
  private final String configName;

  ValueType(int id, String configName) {
    this.id = id;
    this.configName = configName;
  }

  /**
   * @return the stable numeric id used in binary formats
   */
  public int id() {
    return id;
  }

  /**
   * @return the name used in configuration files ({@code long}, {@code double}, ...)
   */
  public String configName() {
    return configName;
  }

  /**
   * @return true for {@link #LONG} and {@link #DOUBLE}
   */
  public boolean isNumeric() {
    return this == LONG || this == DOUBLE;
  }

  /**
   * @param name a configuration name, case-insensitive; {@code int}/{@code bigint} are accepted as
   *     {@code long}, {@code float} as {@code double}, {@code bool} as {@code boolean}
   * @return the type, or null if the name is not a known type
   */
  public static ValueType fromConfigName(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "long":
      case "int":
      case "integer":
      case "bigint":
        return LONG;
      case "double":
      case "float":
        return DOUBLE;
      case "string":
        return STRING;
      case "boolean":
      case "bool":
        return BOOLEAN;
      default:
        return null;
    }
  }

  /**
   * @return the type with this id
   */
  public static ValueType fromId(int id) {
    for (ValueType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    throw new dev.slicestore.core.codec.CorruptDataException(
        "Corrupt data: value type id " + id + " not recognized");
  }
}
