package dev.slicestore.e2e;

import dev.slicestore.core.testing.WindowOracle;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * An independent, naive oracle for the retail feature set, computed straight from the CSV: no
 * slicestore code, no slices stored, just "for every event of this customer, is it in the window at
 * t?" with exact BigDecimal sums. Mirrors the window rule (docs/design.md, "Window rule"): {@code
 * floor(e/s) > floor(t/s) - W/s && e < t}.
 */
final class RetailOracle {
  static final long HOUR = 3_600_000L;
  static final long DAY = 24 * HOUR;
  static final long SLICE = HOUR;
  static final long[] WINDOWS = {HOUR, DAY, 7 * DAY, 30 * DAY};
  static final String[] WINDOW_NAMES = {"1h", "1d", "7d", "30d"};
  static final long LONGEST = 30 * DAY;
  static final long LATENESS = HOUR;

  /** One accepted-looking event (has a customer and well-typed fields). */
  record Event(String customer, long timeMillis, double amount) {}

  final List<Event> events = new ArrayList<>();
  final Map<String, List<Event>> byCustomer = new HashMap<>();
  long rows;
  long noCustomer;
  long wrongType;
  long badTime;

  /**
   * @param csvGz the retail CSV
   * @param shiftMillis the replay's rebase shift
   */
  static RetailOracle load(Path csvGz, long shiftMillis) throws IOException {
    RetailOracle o = new RetailOracle();
    DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    try (Reader r =
        new InputStreamReader(
            new GZIPInputStream(Files.newInputStream(csvGz)), StandardCharsets.UTF_8)) {
      for (CSVRecord rec :
          CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
        o.rows++;
        String customer = rec.get("CustomerID");
        long quantity;
        double price;
        try {
          quantity = Long.parseLong(rec.get("Quantity"));
          price = Double.parseDouble(rec.get("UnitPrice"));
        } catch (NumberFormatException e) {
          o.wrongType++;
          continue;
        }
        if (customer == null || customer.isEmpty()) {
          o.noCustomer++;
          continue;
        }
        if (customer.endsWith(".0")) {
          customer = customer.substring(0, customer.length() - 2);
        }
        long time;
        try {
          time =
              LocalDateTime.parse(rec.get("InvoiceDate"), f)
                      .toInstant(ZoneOffset.UTC)
                      .toEpochMilli()
                  + shiftMillis;
        } catch (RuntimeException e) {
          o.badTime++;
          continue;
        }
        Event ev = new Event(customer, time, quantity * price);
        o.events.add(ev);
        o.byCustomer.computeIfAbsent(customer, k -> new ArrayList<>()).add(ev);
      }
    }
    return o;
  }

  /** Too late at {@code now}: the event's slice ended more than longest window + lateness ago. */
  static boolean tooLate(long eventTime, long now) {
    long sliceEnd = (Math.floorDiv(eventTime, SLICE) + 1) * SLICE;
    return sliceEnd + LONGEST + LATENESS <= now;
  }

  long countTooLate(long now) {
    return events.stream().filter(e -> tooLate(e.timeMillis(), now)).count();
  }

  static boolean inWindow(long e, long t, long w) {
    return WindowOracle.inWindow(e, t, w, SLICE);
  }

  /**
   * @return feature name to expected value (Long, Double or null) for one customer at t
   */
  Map<String, Object> features(String customer, long t) {
    Map<String, Object> out = new HashMap<>();
    List<Event> evs = byCustomer.getOrDefault(customer, List.of());
    for (int i = 0; i < WINDOWS.length; i++) {
      long count = 0;
      BigDecimal sum = BigDecimal.ZERO;
      Double min = null;
      Double max = null;
      for (Event e : evs) {
        if (!inWindow(e.timeMillis(), t, WINDOWS[i])) {
          continue;
        }
        count++;
        sum = sum.add(new BigDecimal(e.amount()));
        if (min == null || Double.compare(e.amount(), min) < 0) {
          min = e.amount();
        }
        if (max == null || Double.compare(e.amount(), max) > 0) {
          max = e.amount();
        }
      }
      String w = WINDOW_NAMES[i];
      out.put("lines_" + w, count);
      out.put("amount_sum_" + w, sum.doubleValue());
      out.put("amount_mean_" + w, count == 0 ? null : sum.doubleValue() / count);
      out.put("amount_min_" + w, min);
      out.put("amount_max_" + w, max);
    }
    return out;
  }

  /**
   * @return customers with at least one event in {@code [t - 30d, t)}
   */
  List<String> activeCustomers(long t) {
    List<String> out = new ArrayList<>();
    byCustomer.forEach(
        (c, evs) -> {
          if (evs.stream().anyMatch(e -> inWindow(e.timeMillis(), t, LONGEST))) {
            out.add(c);
          }
        });
    out.sort(null);
    return out;
  }
}
