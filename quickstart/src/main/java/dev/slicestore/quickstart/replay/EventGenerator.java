package dev.slicestore.quickstart.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * Generates synthetic events shaped like the online-retail data set: the same eight columns and
 * value formats (see {@link ColumnTypes#retail()}), so the same feature set and replay settings
 * work on both.
 *
 * <p>What the data looks like:
 *
 * <ul>
 *   <li>rows are invoice lines; an invoice has 1 to 40 lines (about 6 on average) sharing its
 *       InvoiceNo, InvoiceDate, CustomerID and Country; invoices are in time order, spread
 *       uniformly over {@code span} ending at {@code end}, at whole seconds, formatted {@value
 *       EventTimeFormat#RETAIL_PATTERN} in UTC;
 *   <li>customers ({@code entities}, ids from 12346, written like the data set as {@code 17850.0})
 *       are drawn with a Zipf-like popularity (weight of rank r is r^-0.8), so a few customers are
 *       busy and many are rare; about 20% of invoices have no CustomerID;
 *   <li>about 2% of invoices are cancellations: InvoiceNo starts with {@code C} and every Quantity
 *       is negative;
 *   <li>500 products with log-normal unit prices (median about 2.10, mostly under 10); a few
 *       descriptions contain commas and double quotes, which the CSV quotes.
 * </ul>
 *
 * The output depends only on the settings (seed, counts, span, end), never on the machine.
 *
 * <p>Immutable and thread-safe; each {@link #generate(RowSink)} call starts from the seed again.
 */
public final class EventGenerator {

  /** The columns of the retail data set, in file order. */
  public static final List<String> RETAIL_COLUMNS =
      List.of(
          "InvoiceNo",
          "StockCode",
          "Description",
          "Quantity",
          "InvoiceDate",
          "UnitPrice",
          "CustomerID",
          "Country");

  /** Default number of events (rows). */
  public static final long DEFAULT_EVENTS = 200_000;

  /** Default number of distinct customers. */
  public static final int DEFAULT_ENTITIES = 2_000;

  /** Default time span of the events. */
  public static final Duration DEFAULT_SPAN = Duration.ofDays(35);

  private static final int PRODUCTS = 500;
  private static final int FIRST_CUSTOMER_ID = 12346;
  private static final int FIRST_INVOICE_NO = 536365;
  private static final double ANONYMOUS_SHARE = 0.20;
  private static final double CANCELLATION_SHARE = 0.02;
  private static final int[] QUANTITIES = {1, 2, 3, 4, 6, 8, 10, 12, 24, 48};
  private static final double[] QUANTITY_WEIGHTS = {20, 14, 8, 8, 10, 5, 5, 16, 8, 6};
  private static final String[] COUNTRIES = {
    "Germany",
    "France",
    "EIRE",
    "Spain",
    "Netherlands",
    "Belgium",
    "Switzerland",
    "Portugal",
    "Australia",
    "Norway"
  };
  private static final String[] COLOURS = {
    "WHITE", "RED", "PINK", "BLUE", "GREEN", "IVORY", "BLACK", "CREAM"
  };
  private static final String[] MOTIFS = {
    "HANGING HEART",
    "RETROSPOT",
    "VINTAGE",
    "REGENCY",
    "POLKADOT",
    "JUMBO",
    "PAISLEY",
    "SPACEBOY",
    "DOLLY GIRL",
    "FAIRY CAKE",
    "UNION FLAG",
    "DOILY"
  };
  private static final String[] ITEMS = {
    "T-LIGHT HOLDER", "LUNCH BAG", "CAKE STAND", "TEACUP AND SAUCER", "BUNTING", "MUG", "NOTEBOOK",
        "DOORMAT",
    "CANDLE", "PHOTO FRAME", "HOT WATER BOTTLE", "LANTERN", "COAT HANGER", "CAKE TIN", "PURSE",
        "METAL SIGN"
  };

  private final long seed;
  private final long events;
  private final int entities;
  private final Duration span;
  private final Instant end;
  private final EventTimeFormat timeFormat;

  private EventGenerator(Builder b) {
    this.seed = b.seed;
    this.events = b.events;
    this.entities = b.entities;
    this.span = b.span;
    this.end = b.end != null ? b.end : b.clock.instant().truncatedTo(ChronoUnit.SECONDS);
    this.timeFormat = b.timeFormat;
  }

  /**
   * Starts a builder.
   *
   * @return a builder with a random seed and the default counts, span and end (now)
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a random seed for when the user gives none.
   *
   * @return a non-negative seed
   */
  public static long randomSeed() {
    return new SecureRandom().nextLong() & Long.MAX_VALUE;
  }

  /** Receives generated rows. */
  @FunctionalInterface
  public interface RowSink {
    /**
     * Receives one row.
     *
     * @param row the values in {@link #RETAIL_COLUMNS} order, empty string for a missing value; the
     *     array is not reused by the generator
     * @throws IOException if the row cannot be stored
     */
    void accept(String[] row) throws IOException;
  }

  /**
   * Counts of what was generated.
   *
   * <p>Immutable and thread-safe.
   *
   * @param seed the seed used
   * @param rows rows generated
   * @param rowsWithoutCustomer rows with an empty CustomerID
   * @param cancellationRows rows of cancellation invoices (negative Quantity)
   * @param earliestEventTimeMillis earliest InvoiceDate, epoch milliseconds (0 if no rows)
   * @param latestEventTimeMillis latest InvoiceDate, epoch milliseconds (0 if no rows)
   */
  public record Summary(
      long seed,
      long rows,
      long rowsWithoutCustomer,
      long cancellationRows,
      long earliestEventTimeMillis,
      long latestEventTimeMillis) {}

  private record Product(String stockCode, String description, String unitPrice) {}

  /**
   * Generates the rows in time order.
   *
   * @param sink receives every row; not null
   * @return counts of what was generated
   * @throws IOException if the sink throws it
   */
  public Summary generate(RowSink sink) throws IOException {
    Random random = new Random(seed);
    Product[] products = products(random);
    double[] productCumulative = zipfCumulative(PRODUCTS, 0.8);
    double[] customerCumulative = zipfCumulative(entities, 0.8);
    int[] customerIdByRank = shuffledIds(random);
    String[] countryByRank = new String[entities];
    for (int r = 0; r < entities; r++) {
      countryByRank[r] =
          random.nextDouble() < 0.88
              ? "United Kingdom"
              : COUNTRIES[random.nextInt(COUNTRIES.length)];
    }

    // invoice sizes first, so that the invoice times can be drawn and sorted
    int[] lines = new int[16];
    int invoices = 0;
    long remaining = events;
    while (remaining > 0) {
      int n =
          (int)
              Math.min(
                  remaining, Math.min(40, 1 + (long) (-Math.log(1 - random.nextDouble()) * 5)));
      if (invoices == lines.length) {
        lines = Arrays.copyOf(lines, lines.length * 2);
      }
      lines[invoices++] = n;
      remaining -= n;
    }
    long endSecond = end.getEpochSecond();
    long spanSeconds = Math.max(1, span.getSeconds());
    long[] times = new long[invoices];
    for (int i = 0; i < invoices; i++) {
      times[i] = endSecond - (long) (random.nextDouble() * spanSeconds);
    }
    Arrays.sort(times);

    long rows = 0;
    long anonymousRows = 0;
    long cancellationRows = 0;
    for (int i = 0; i < invoices; i++) {
      boolean cancellation = random.nextDouble() < CANCELLATION_SHARE;
      boolean anonymous = random.nextDouble() < ANONYMOUS_SHARE;
      String invoiceNo = (cancellation ? "C" : "") + (FIRST_INVOICE_NO + i);
      String customerId = "";
      String country = "United Kingdom";
      if (!anonymous) {
        int rank = sample(customerCumulative, random);
        customerId = customerIdByRank[rank] + ".0";
        country = countryByRank[rank];
      }
      String invoiceDate = timeFormat.format(times[i] * 1000);
      for (int l = 0; l < lines[i]; l++) {
        Product product = products[sample(productCumulative, random)];
        int quantity = QUANTITIES[sampleWeighted(QUANTITY_WEIGHTS, random)];
        sink.accept(
            new String[] {
              invoiceNo,
              product.stockCode(),
              product.description(),
              Integer.toString(cancellation ? -quantity : quantity),
              invoiceDate,
              product.unitPrice(),
              customerId,
              country
            });
        rows++;
        if (anonymous) {
          anonymousRows++;
        }
        if (cancellation) {
          cancellationRows++;
        }
      }
    }
    return new Summary(
        seed,
        rows,
        anonymousRows,
        cancellationRows,
        invoices == 0 ? 0 : times[0] * 1000,
        invoices == 0 ? 0 : times[invoices - 1] * 1000);
  }

  /**
   * Writes the rows, with a header row, to a CSV file; gzip-compressed if the name ends with {@code
   * .gz}. An existing file is replaced.
   *
   * @param file the output file; not null; its parent directory is created if missing
   * @return counts of what was generated
   * @throws IOException if the file cannot be written
   */
  public Summary writeCsv(Path file) throws IOException {
    return GeneratedCsv.write(file, RETAIL_COLUMNS, this::generate);
  }

  private static Product[] products(Random random) {
    Product[] products = new Product[PRODUCTS];
    Set<String> codes = new LinkedHashSet<>();
    for (int i = 0; i < PRODUCTS; i++) {
      String code;
      do {
        code = Integer.toString(20000 + random.nextInt(4000));
        if (random.nextDouble() < 0.3) {
          code += (char) ('A' + random.nextInt(6));
        }
      } while (!codes.add(code));
      String description =
          COLOURS[random.nextInt(COLOURS.length)]
              + " "
              + MOTIFS[random.nextInt(MOTIFS.length)]
              + " "
              + ITEMS[random.nextInt(ITEMS.length)];
      double kind = random.nextDouble();
      if (kind < 0.04) {
        description = description + ", SET OF 3";
      } else if (kind < 0.06) {
        description = description + " 7\" SINGLE SIZE ";
      }
      double price = Math.exp(Math.log(2.1) + 0.9 * random.nextGaussian());
      long cents = Math.max(12, Math.min(30_000, Math.round(price * 100)));
      products[i] = new Product(code, description, Double.toString(cents / 100.0));
    }
    return products;
  }

  private int[] shuffledIds(Random random) {
    int[] ids = new int[entities];
    for (int i = 0; i < entities; i++) {
      ids[i] = FIRST_CUSTOMER_ID + i;
    }
    for (int i = entities - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = ids[i];
      ids[i] = ids[j];
      ids[j] = t;
    }
    return ids;
  }

  /**
   * @return the cumulative probabilities of ranks 1..n under Zipf's law with {@code exponent} (last
   *     = 1)
   */
  static double[] zipfCumulative(int n, double exponent) {
    double[] cumulative = new double[n];
    double sum = 0;
    for (int r = 0; r < n; r++) {
      sum += 1.0 / Math.pow(r + 1, exponent);
      cumulative[r] = sum;
    }
    for (int r = 0; r < n; r++) {
      cumulative[r] /= sum;
    }
    return cumulative;
  }

  /**
   * @return a rank index drawn from {@code cumulative} (as {@link #zipfCumulative} gives) with
   *     {@code random}
   */
  static int sample(double[] cumulative, Random random) {
    int i = Arrays.binarySearch(cumulative, random.nextDouble());
    int index = i >= 0 ? i : -i - 1;
    return Math.min(index, cumulative.length - 1);
  }

  private static int sampleWeighted(double[] weights, Random random) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) {
        return i;
      }
    }
    return weights.length - 1;
  }

  /**
   * Returns the seed.
   *
   * @return the seed that makes the output reproducible
   */
  public long seed() {
    return seed;
  }

  /**
   * Returns the time of the latest possible event.
   *
   * @return the end of the span
   */
  public Instant end() {
    return end;
  }

  /** Builder of {@link EventGenerator}. Not thread-safe. */
  public static final class Builder {
    private long seed = randomSeed();
    private long events = DEFAULT_EVENTS;
    private int entities = DEFAULT_ENTITIES;
    private Duration span = DEFAULT_SPAN;
    private Instant end;
    private Clock clock = Clock.systemUTC();
    private EventTimeFormat timeFormat = EventTimeFormat.retail();

    private Builder() {}

    /**
     * Sets the seed.
     *
     * @param seed any value; the same seed and settings give the same rows
     * @return this builder
     */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Sets the number of rows.
     *
     * @param count at least 0
     * @return this builder
     */
    public Builder events(long count) {
      if (count < 0) {
        throw new IllegalArgumentException("Invalid events: " + count + " (must be >= 0)");
      }
      this.events = count;
      return this;
    }

    /**
     * Sets the number of distinct customers.
     *
     * @param count at least 1
     * @return this builder
     */
    public Builder entities(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("Invalid entities: " + count + " (must be > 0)");
      }
      this.entities = count;
      return this;
    }

    /**
     * Sets how far back from the end the events go.
     *
     * @param span at least one second; not null
     * @return this builder
     */
    public Builder span(Duration span) {
      if (span == null || span.getSeconds() < 1) {
        throw new IllegalArgumentException(
            "Invalid span: " + span + " (must be at least 1 second)");
      }
      this.span = span;
      return this;
    }

    /**
     * Sets the end of the span (default: now, at whole seconds, from the clock).
     *
     * @param end the end, or null for now
     * @return this builder
     */
    public Builder end(Instant end) {
      this.end = end == null ? null : end.truncatedTo(ChronoUnit.SECONDS);
      return this;
    }

    /**
     * Sets the clock that gives "now" when no end is set.
     *
     * @param clock the clock; not null
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Builds the generator.
     *
     * @return the generator
     */
    public EventGenerator build() {
      return new EventGenerator(this);
    }
  }
}
