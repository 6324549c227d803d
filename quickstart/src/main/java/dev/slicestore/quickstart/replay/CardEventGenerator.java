package dev.slicestore.quickstart.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Generates synthetic card payments for the fraud-style example feature set ({@code
 * conf/feature-sets/cards.conf}), seeded: the same settings give the same rows.
 *
 * <p>What the data looks like:
 *
 * <ul>
 *   <li>columns {@link #COLUMNS}: {@code tx_id} ({@code tx-00000001}...), {@code card_id} ({@code
 *       card-000042}), {@code merchant} ({@code merchant-0017}), {@code mcc} (a merchant category
 *       code, fixed per merchant), {@code amount} (two decimals), {@code country} (ISO code) and
 *       {@code tx_time} ({@value EventTimeFormat#RETAIL_PATTERN}, UTC, whole seconds); rows in time
 *       order over {@code span} ending at {@code end};
 *   <li>cards ({@code entities}) are drawn with a Zipf-like activity (weight of rank r is r^-0.8);
 *       each has a home country (80 % GB) and 3 to 12 <em>usual</em> merchants, where 90 % of its
 *       payments go; the rest go to any of the 2,000 merchants (Zipf popularity);
 *   <li>amounts are log-normal around a median that depends on the merchant category (groceries
 *       about 25, restaurants 30, fuel 50, electronics 180...);
 *   <li>about 0.5 % of the payments start a <em>burst</em>: 5 to 20 payments of the same card
 *       within a few minutes, at merchants it never used, mostly abroad, with larger amounts: the
 *       pattern velocity and "merchant seen before?" features are meant to catch.
 * </ul>
 *
 * <p>Immutable and thread-safe; each {@link #generate} call starts from the seed again.
 */
public final class CardEventGenerator {
  /** The columns, in file order. */
  public static final List<String> COLUMNS =
      List.of("tx_id", "card_id", "merchant", "mcc", "amount", "country", "tx_time");

  /** Default number of events. */
  public static final long DEFAULT_EVENTS = 100_000;

  /** Default number of cards. */
  public static final int DEFAULT_ENTITIES = 2_000;

  /** Default span: one day, the longest window of {@code cards.conf}. */
  public static final Duration DEFAULT_SPAN = Duration.ofDays(1);

  private static final int MERCHANTS = 2_000;
  private static final int[] MCCS = {5411, 5812, 5541, 5732, 5999, 4121, 5311, 7011};
  private static final double[] MCC_MEDIANS = {25, 30, 50, 180, 40, 15, 60, 120};
  private static final String[] COUNTRIES = {
    "FR", "DE", "ES", "IT", "NL", "US", "IE", "PL", "RO", "BR"
  };
  private static final double BURST_SHARE = 0.005;

  private final long seed;
  private final long events;
  private final int entities;
  private final Duration span;
  private final Instant end;
  private final EventTimeFormat timeFormat = EventTimeFormat.retail();

  /**
   * @param seed the seed
   * @param events rows to generate, at least 0
   * @param entities cards, at least 1
   * @param span how far back from {@code end} the payments go, at least 1 s
   * @param end the latest possible time (truncated to seconds)
   * @throws IllegalArgumentException for a count or span out of range
   */
  public CardEventGenerator(long seed, long events, int entities, Duration span, Instant end) {
    if (events < 0 || entities < 1 || span == null || span.getSeconds() < 1) {
      throw new IllegalArgumentException(
          "Invalid card generator settings: events "
              + events
              + " (>= 0), entities "
              + entities
              + " (> 0), span "
              + span
              + " (>= 1 s)");
    }
    this.seed = seed;
    this.events = events;
    this.entities = entities;
    this.span = span;
    this.end = Objects.requireNonNull(end, "end").truncatedTo(ChronoUnit.SECONDS);
  }

  /**
   * @return the seed that makes the output reproducible
   */
  public long seed() {
    return seed;
  }

  /**
   * @return the end of the span
   */
  public Instant end() {
    return end;
  }

  /**
   * Counts of what was generated.
   *
   * @param seed the seed used
   * @param rows rows generated
   * @param burstRows rows of bursts (the fraud-like pattern)
   * @param earliestEventTimeMillis earliest tx_time, epoch ms (0 if no rows)
   * @param latestEventTimeMillis latest tx_time, epoch ms (0 if no rows)
   */
  public record Summary(
      long seed,
      long rows,
      long burstRows,
      long earliestEventTimeMillis,
      long latestEventTimeMillis) {}

  private record Payment(
      long second, int card, int merchant, double amount, String country, boolean burst) {}

  /**
   * Generates the rows, in time order.
   *
   * @param sink receives each row, values in {@link #COLUMNS} order
   * @return counts of what was generated
   * @throws IOException if the sink throws it
   */
  public Summary generate(EventGenerator.RowSink sink) throws IOException {
    Random random = new Random(seed);
    int[] mccOfMerchant = new int[MERCHANTS];
    for (int m = 0; m < MERCHANTS; m++) {
      mccOfMerchant[m] = random.nextInt(MCCS.length);
    }
    double[] merchantCumulative = EventGenerator.zipfCumulative(MERCHANTS, 0.9);
    double[] cardCumulative = EventGenerator.zipfCumulative(entities, 0.8);
    String[] home = new String[entities];
    int[][] usual = new int[entities][];
    for (int c = 0; c < entities; c++) {
      home[c] = random.nextDouble() < 0.8 ? "GB" : COUNTRIES[random.nextInt(COUNTRIES.length)];
      usual[c] = new int[3 + random.nextInt(10)];
      for (int i = 0; i < usual[c].length; i++) {
        usual[c][i] = EventGenerator.sample(merchantCumulative, random);
      }
    }
    long endSecond = end.getEpochSecond();
    long spanSeconds = Math.max(1, span.getSeconds());
    List<Payment> payments = new ArrayList<>((int) Math.min(events, 10_000_000));
    while (payments.size() < events) {
      int card = EventGenerator.sample(cardCumulative, random);
      long second = endSecond - (long) (random.nextDouble() * spanSeconds);
      if (random.nextDouble() < BURST_SHARE) {
        int n = (int) Math.min(5 + random.nextInt(16), events - payments.size());
        String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
        long t = Math.min(second, endSecond - 20L * n);
        for (int i = 0; i < n; i++) {
          int merchant = random.nextInt(MERCHANTS);
          double amount = lognormal(random, 3 * MCC_MEDIANS[mccOfMerchant[merchant]], 0.8);
          payments.add(
              new Payment(
                  Math.max(endSecond - spanSeconds + 1, t), card, merchant, amount, country, true));
          t += 5 + random.nextInt(40);
        }
      } else {
        int merchant =
            random.nextDouble() < 0.9
                ? usual[card][random.nextInt(usual[card].length)]
                : EventGenerator.sample(merchantCumulative, random);
        String country =
            random.nextDouble() < 0.97 ? home[card] : COUNTRIES[random.nextInt(COUNTRIES.length)];
        payments.add(
            new Payment(
                second,
                card,
                merchant,
                lognormal(random, MCC_MEDIANS[mccOfMerchant[merchant]], 0.7),
                country,
                false));
      }
    }
    Payment[] sorted = payments.toArray(Payment[]::new);
    Arrays.sort(
        sorted, (a, b) -> Long.compare(a.second(), b.second())); // stable: bursts keep their order
    long bursts = 0;
    for (int i = 0; i < sorted.length; i++) {
      Payment p = sorted[i];
      sink.accept(
          new String[] {
            String.format(Locale.ROOT, "tx-%08d", i + 1),
            String.format(Locale.ROOT, "card-%06d", p.card()),
            String.format(Locale.ROOT, "merchant-%04d", p.merchant()),
            Integer.toString(MCCS[mccOfMerchant[p.merchant()]]),
            String.format(Locale.ROOT, "%.2f", p.amount()),
            p.country(),
            timeFormat.format(p.second() * 1000)
          });
      if (p.burst()) {
        bursts++;
      }
    }
    return new Summary(
        seed,
        sorted.length,
        bursts,
        sorted.length == 0 ? 0 : sorted[0].second() * 1000,
        sorted.length == 0 ? 0 : sorted[sorted.length - 1].second() * 1000);
  }

  /**
   * Writes the rows with a header row to a CSV file, gzip-compressed if the name ends with {@code
   * .gz}; an existing file is replaced.
   *
   * @param file the output file
   * @return counts of what was generated
   * @throws IOException if the file cannot be written
   */
  public Summary writeCsv(Path file) throws IOException {
    return GeneratedCsv.write(file, COLUMNS, this::generate);
  }

  /**
   * @return the JSON types of the columns for replay: mcc long, amount double, the rest strings
   */
  public static ColumnTypes columnTypes() {
    return ColumnTypes.of(Map.of("mcc", ColumnType.LONG, "amount", ColumnType.DOUBLE));
  }

  private static double lognormal(Random random, double median, double sigma) {
    return Math.max(
        0.5, Math.min(20_000, Math.exp(Math.log(median) + sigma * random.nextGaussian())));
  }
}
