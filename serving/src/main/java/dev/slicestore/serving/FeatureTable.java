package dev.slicestore.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * value prints as {@value #NULL}; a value with status EMPTY carries a trailing {@value
 * #EMPTY_MARK}, an ERROR status prints as {@code ERROR} with the entity's message below the table.
 * Doubles print with at most 6 decimals (6 significant digits below 1), so the table is for
 * reading; {@code --json} carries the exact values ({@link #json}).
 *
 * <p>Lists (top_k, last_k, approx_percentile...) print as {@code [a, b, c]}, item counts
 * (most_frequent) as {@code a×3, b×2±1} (count, and the largest possible overestimate when the
 * count is an estimate). A cell longer than the maximum width keeps the elements that fit and says
 * how many it left out: {@code [a, b, …+8]}; {@code get --wide} prints every element.
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
    return render(featureSet, response, DEFAULT_MAX_CELL);
  }

  /** The default maximum width of a value cell, characters. */
  public static final int DEFAULT_MAX_CELL = 40;

  /**
   * @param featureSet the feature set's name, for the header
   * @param response the response to render (not null)
   * @param maxCell the maximum width of a value's text, at least 8; {@link Integer#MAX_VALUE} for
   *     no truncation
   * @return the table, lines ending in {@code \n}
   */
  public static String render(String featureSet, GetFeaturesResponse response, int maxCell) {
    long t = response.getEvaluationTimeMillis();
    StringBuilder sb = new StringBuilder();
    sb.append("Feature set ")
        .append(featureSet)
        .append(" at t = ")
        .append(ISO_MILLIS.format(Instant.ofEpochMilli(t)))
        .append(" (epoch ms ")
        .append(t)
        .append(")\n\n");

    List<String> header = new ArrayList<>();
    header.add("feature");
    for (EntityFeatures e : response.getEntitiesList()) {
      header.add(e.getEntityKey());
    }
    List<List<String>> rows = new ArrayList<>();
    boolean collections = false;
    boolean truncated = false;
    for (int f = 0; f < response.getFeatureNamesCount(); f++) {
      List<String> row = new ArrayList<>();
      row.add(response.getFeatureNames(f));
      for (EntityFeatures e : response.getEntitiesList()) {
        FeatureStatus status =
            f < e.getStatusesCount() ? e.getStatuses(f) : FeatureStatus.FEATURE_STATUS_UNSPECIFIED;
        Value v = f < e.getValuesCount() ? e.getValues(f) : Value.getDefaultInstance();
        String cell;
        if (status == FeatureStatus.ERROR) {
          cell = "ERROR  ";
        } else if (status == FeatureStatus.EMPTY) {
          cell = format(v, maxCell) + " " + EMPTY_MARK;
        } else {
          cell = format(v, maxCell) + "  ";
        }
        collections |= v.hasItemCounts() && v.getItemCounts().getItemsCount() > 0;
        truncated |= cell.contains(MORE);
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
    sb.append(EMPTY_MARK)
        .append(" = EMPTY: no input in the window (count and sum are 0)   ")
        .append(NULL)
        .append(" = null\n");
    if (collections) {
      sb.append("a×3 = item a counted 3 times; ±e = the count may be overestimated by up to e\n");
    }
    if (truncated) {
      sb.append(MORE).append("+n = n more elements not shown (--wide or --json show all)\n");
    }
    for (EntityFeatures e : response.getEntitiesList()) {
      if (!e.getError().isEmpty()) {
        sb.append("error for entity ")
            .append(e.getEntityKey())
            .append(": ")
            .append(e.getError())
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static void appendRow(
      StringBuilder sb, List<String> cells, int[] widths, boolean header) {
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

  /** The mark of left-out elements or characters. */
  static final String MORE = "…";

  /**
   * @return a value's full text: {@value #NULL} for no kind, doubles shortened, lists in brackets
   */
  static String format(Value v) {
    return format(v, Integer.MAX_VALUE);
  }

  /**
   * @param v the value
   * @param maxWidth the longest text wanted (at least 8); lists and item counts keep the leading
   *     elements that fit and end with {@code …+n}; a longer scalar string is cut and ends with
   *     {@code …}
   * @return a value's text: {@value #NULL} for no kind, doubles shortened, lists as {@code [a, b]},
   *     item counts as {@code a×3, b×2±1}, an empty list as {@code []}
   */
  static String format(Value v, int maxWidth) {
    return switch (v.getKindCase()) {
      case KIND_NOT_SET -> NULL;
      case DOUBLE_VALUE -> formatDouble(v.getDoubleValue());
      case INT64_VALUE -> Long.toString(v.getInt64Value());
      case STRING_VALUE -> cut(v.getStringValue(), maxWidth);
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      case LIST_VALUE ->
          join(
              v.getListValue().getValuesList().stream().map(FeatureTable::format).toList(),
              "[",
              "]",
              maxWidth);
      case ITEM_COUNTS ->
          join(
              v.getItemCounts().getItemsList().stream().map(FeatureTable::formatItem).toList(),
              v.getItemCounts().getItemsCount() == 0 ? "[" : "",
              v.getItemCounts().getItemsCount() == 0 ? "]" : "",
              maxWidth);
    };
  }

  private static String cut(String s, int maxWidth) {
    return s.length() <= maxWidth ? s : s.substring(0, Math.max(1, maxWidth - 1)) + MORE;
  }

  /**
   * Joins elements with ", " between open and close, keeping the leading ones that fit {@code
   * maxWidth}.
   */
  private static String join(List<String> elements, String open, String close, int maxWidth) {
    String all = elements.stream().collect(Collectors.joining(", ", open, close));
    if (all.length() <= maxWidth) {
      return all;
    }
    StringBuilder sb = new StringBuilder(open);
    int shown = 0;
    for (String e : elements) {
      String rest = MORE + "+" + (elements.size() - shown - 1) + close;
      int needed = (shown == 0 ? 0 : 2) + e.length() + 2 + rest.length();
      if (sb.length() + needed > maxWidth && !(shown == 0 && elements.size() == 1)) {
        break;
      }
      sb.append(shown == 0 ? "" : ", ").append(e);
      shown++;
    }
    if (shown == elements.size()) { // a single element longer than the cell
      return cut(sb.toString(), maxWidth - close.length()) + close;
    }
    return sb.append(shown == 0 ? "" : ", ")
        .append(MORE)
        .append('+')
        .append(elements.size() - shown)
        .append(close)
        .toString();
  }

  private static String formatItem(ItemCount i) {
    return i.getItem()
        + "×"
        + i.getCount()
        + (i.getErrorBound() == 0 ? "" : "±" + i.getErrorBound());
  }

  /**
   * The response as JSON for people and scripts: the evaluation time, and per entity its values and
   * statuses keyed by feature name, with natural JSON values: numbers (doubles exact, as Java
   * prints the shortest round-tripping form; NaN and infinities as strings), strings, booleans,
   * {@code null}, lists as arrays, item counts as arrays of {@code {"item", "count",
   * "error_bound"}} objects (most frequent first). Written with Jackson.
   *
   * @param featureSet the feature set's name
   * @param response the response (not null)
   * @return pretty-printed JSON, ending without a newline
   */
  public static String json(String featureSet, GetFeaturesResponse response) {
    ObjectNode root = JSON.createObjectNode();
    root.put("feature_set", featureSet);
    long t = response.getEvaluationTimeMillis();
    root.put("evaluation_time", ISO_MILLIS.format(Instant.ofEpochMilli(t)));
    root.put("evaluation_time_millis", t);
    ArrayNode names = root.putArray("features");
    response.getFeatureNamesList().forEach(names::add);
    ArrayNode entities = root.putArray("entities");
    for (EntityFeatures e : response.getEntitiesList()) {
      ObjectNode entity = entities.addObject();
      entity.put("entity_key", e.getEntityKey());
      ObjectNode values = entity.putObject("values");
      ObjectNode statuses = entity.putObject("statuses");
      for (int f = 0; f < response.getFeatureNamesCount(); f++) {
        String name = response.getFeatureNames(f);
        values.set(
            name, f < e.getValuesCount() ? jsonValue(e.getValues(f)) : NullNode.getInstance());
        statuses.put(
            name,
            f < e.getStatusesCount()
                ? e.getStatuses(f).name()
                : FeatureStatus.FEATURE_STATUS_UNSPECIFIED.name());
      }
      if (e.getError().isEmpty()) {
        entity.putNull("error");
      } else {
        entity.put("error", e.getError());
      }
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("Cannot write JSON: " + ex.getMessage(), ex);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode jsonValue(Value v) {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (v.getKindCase()) {
      case KIND_NOT_SET -> NullNode.getInstance();
      case DOUBLE_VALUE ->
          Double.isFinite(v.getDoubleValue())
              ? nodes.numberNode(v.getDoubleValue())
              : nodes.textNode(Double.toString(v.getDoubleValue()));
      case INT64_VALUE -> nodes.numberNode(v.getInt64Value());
      case STRING_VALUE -> nodes.textNode(v.getStringValue());
      case BOOL_VALUE -> nodes.booleanNode(v.getBoolValue());
      case LIST_VALUE -> {
        ArrayNode a = nodes.arrayNode();
        v.getListValue().getValuesList().forEach(x -> a.add(jsonValue(x)));
        yield a;
      }
      case ITEM_COUNTS -> {
        ArrayNode a = nodes.arrayNode();
        for (ItemCount i : v.getItemCounts().getItemsList()) {
          a.addObject()
              .put("item", i.getItem())
              .put("count", i.getCount())
              .put("error_bound", i.getErrorBound());
        }
        yield a;
      }
    };
  }

  /**
   * @return {@code d} with at most 6 decimals (6 significant digits when {@code |d| < 1}), trailing
   *     zeros removed; NaN and infinities as Java prints them
   */
  static String formatDouble(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.toString(d);
    }
    if (d == 0) {
      return "0";
    }
    BigDecimal exact = new BigDecimal(d);
    BigDecimal rounded =
        Math.abs(d) >= 1
            ? exact.setScale(6, RoundingMode.HALF_EVEN)
            : exact.round(new MathContext(6, RoundingMode.HALF_EVEN));
    rounded = rounded.stripTrailingZeros();
    return Math.abs(d) < 1e-4 ? rounded.toString() : rounded.toPlainString();
  }
}
