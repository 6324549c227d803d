package dev.slicestore.serving;

import dev.slicestore.serving.v1.EntityFeatures;
import dev.slicestore.serving.v1.FeatureStatus;
import dev.slicestore.serving.v1.GetFeaturesResponse;
import dev.slicestore.serving.v1.ItemCount;
import dev.slicestore.serving.v1.Value;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a {@link GetFeaturesResponse} as a readable table: a header with the evaluation time
 * {@code t} (ISO-8601 UTC and epoch ms), one row per feature and one column per entity. A null
 * value prints as {@value #NULL}; a value with status EMPTY carries a trailing
 * {@value #EMPTY_MARK}, an ERROR status prints as {@code ERROR} with the entity's message below the
 * table. Doubles print with at most 6 decimals (6 significant digits below 1), so the table is for
 * reading; {@code --json} carries the exact values.
 *
 * <p>Stateless and thread-safe.
 */
public final class FeatureTable {
  /** How a null value prints. */
  public static final String NULL = "-";
  /** The mark after a value whose status is EMPTY. */
  public static final String EMPTY_MARK = "·";

  private static final DateTimeFormatter ISO_MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private FeatureTable() {}

  /**
   * @param featureSet the feature set's name, for the header
   * @param response the response to render (not null)
   * @return the table, lines ending in {@code \n}
   */
  public static String render(String featureSet, GetFeaturesResponse response) {
    long t = response.getEvaluationTimeMillis();
    StringBuilder sb = new StringBuilder();
    sb.append("Feature set ").append(featureSet).append(" at t = ")
        .append(ISO_MILLIS.format(Instant.ofEpochMilli(t))).append(" (epoch ms ").append(t).append(")\n\n");

    List<String> header = new ArrayList<>();
    header.add("feature");
    for (EntityFeatures e : response.getEntitiesList()) {
      header.add(e.getEntityKey());
    }
    List<List<String>> rows = new ArrayList<>();
    for (int f = 0; f < response.getFeatureNamesCount(); f++) {
      List<String> row = new ArrayList<>();
      row.add(response.getFeatureNames(f));
      for (EntityFeatures e : response.getEntitiesList()) {
        FeatureStatus status = f < e.getStatusesCount() ? e.getStatuses(f) : FeatureStatus.FEATURE_STATUS_UNSPECIFIED;
        Value v = f < e.getValuesCount() ? e.getValues(f) : Value.getDefaultInstance();
        String cell;
        if (status == FeatureStatus.ERROR) {
          cell = "ERROR  ";
        } else if (status == FeatureStatus.EMPTY) {
          cell = format(v) + " " + EMPTY_MARK;
        } else {
          cell = format(v) + "  ";
        }
        row.add(cell);
      }
      rows.add(row);
    }
    int[] widths = new int[header.size()];
    for (int c = 0; c < header.size(); c++) {
      widths[c] = header.get(c).length() + (c == 0 ? 0 : 2);
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], row.get(c).length());
      }
    }
    appendRow(sb, header, widths, true);
    for (List<String> row : rows) {
      appendRow(sb, row, widths, false);
    }
    sb.append('\n');
    sb.append(EMPTY_MARK).append(" = EMPTY: no input in the window (count and sum are 0)   ")
        .append(NULL).append(" = null\n");
    for (EntityFeatures e : response.getEntitiesList()) {
      if (!e.getError().isEmpty()) {
        sb.append("error for entity ").append(e.getEntityKey()).append(": ").append(e.getError()).append('\n');
      }
    }
    return sb.toString();
  }

  private static void appendRow(StringBuilder sb, List<String> cells, int[] widths, boolean header) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String cell = header && c > 0 ? cells.get(c) + "  " : cells.get(c);
      if (c == 0) {
        line.append(cell).append(" ".repeat(widths[0] - cell.length()));
      } else {
        line.append("  ").append(" ".repeat(widths[c] - cell.length())).append(cell);
      }
    }
    int end = line.length();
    while (end > 0 && line.charAt(end - 1) == ' ') {
      end--;
    }
    sb.append(line, 0, end).append('\n');
  }

  /** @return a value's text: {@value #NULL} for no kind, doubles shortened, lists in brackets */
  static String format(Value v) {
    return switch (v.getKindCase()) {
      case KIND_NOT_SET -> NULL;
      case DOUBLE_VALUE -> formatDouble(v.getDoubleValue());
      case INT64_VALUE -> Long.toString(v.getInt64Value());
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(FeatureTable::format)
          .collect(Collectors.joining(", ", "[", "]"));
      case ITEM_COUNTS -> v.getItemCounts().getItemsList().stream().map(FeatureTable::formatItem)
          .collect(Collectors.joining(", ", "{", "}"));
    };
  }

  private static String formatItem(ItemCount i) {
    return i.getItem() + ": " + i.getCount() + (i.getErrorBound() == 0 ? "" : " ±" + i.getErrorBound());
  }

  /**
   * @return {@code d} with at most 6 decimals (6 significant digits when {@code |d| < 1}),
   *     trailing zeros removed; NaN and infinities as Java prints them
   */
  static String formatDouble(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.toString(d);
    }
    if (d == 0) {
      return "0";
    }
    BigDecimal exact = new BigDecimal(d);
    BigDecimal rounded = Math.abs(d) >= 1
        ? exact.setScale(6, RoundingMode.HALF_EVEN)
        : exact.round(new MathContext(6, RoundingMode.HALF_EVEN));
    rounded = rounded.stripTrailingZeros();
    return Math.abs(d) < 1e-4 ? rounded.toString() : rounded.toPlainString();
  }
}
