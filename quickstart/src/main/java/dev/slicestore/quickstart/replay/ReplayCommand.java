package dev.slicestore.quickstart.replay;

import dev.slicestore.localstack.LocalStack;
import dev.slicestore.localstack.StackCommand;
import dev.slicestore.localstack.StackInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code replay} command: sends a CSV file, or freshly generated retail-like events, to a Kafka
 * topic (see {@link EventReplay} and {@link EventGenerator}).
 *
 * <p>Register it under a root command with {@code @Command(subcommands = ReplayCommand.class)}; run
 * it on its own with {@link #main(String[])}. Exit codes: 0 success, 1 failure, 2 invalid usage.
 *
 * <p>Instances are used once by picocli and are not thread-safe.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Send the rows of a CSV file (plain or .gz) to a Kafka topic, one JSON record per row.",
      "Without --input, generate synthetic events instead (--generator retail or cards; with --output, also write them"
          + " to a CSV file)."
    })
public final class ReplayCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin StackCommand.StateDirOption stateDir = new StackCommand.StateDirOption();

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description = "CSV file to replay (.csv or .csv.gz); the first row names the columns.")
  Path input;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      description = "Kafka topic to write to; created if missing.")
  String topic;

  @Option(
      names = "--rebase-time",
      description =
          "Shift all event times by whole minutes so that the latest one is less than a minute before now.")
  boolean rebaseTime;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "" + EventReplay.DEFAULT_PARTITIONS,
      description = "Partitions of the topic if it has to be created (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--bootstrap-servers",
      paramLabel = "HOST:PORT",
      description =
          "Kafka to write to (default: the running local stack, else "
              + EventReplay.DEFAULT_BOOTSTRAP_SERVERS
              + ").")
  String bootstrapServers;

  @Option(
      names = "--key-column",
      paramLabel = "COLUMN",
      description =
          "Column whose value is the record key; empty for records without key (default: "
              + EventReplay.DEFAULT_KEY_COLUMN
              + ", card_id for --generator cards).")
  String keyColumn;

  @Option(
      names = "--time-column",
      paramLabel = "COLUMN",
      description =
          "Column holding the event time; empty to use the send time (default: "
              + EventReplay.DEFAULT_TIME_COLUMN
              + ", tx_time for --generator cards).")
  String timeColumn;

  @Option(
      names = "--time-format",
      paramLabel = "PATTERN",
      defaultValue = EventTimeFormat.RETAIL_PATTERN,
      description = "java.time pattern of the event time (default: ${DEFAULT-VALUE}).")
  String timeFormat;

  @Option(
      names = "--time-zone",
      paramLabel = "ZONE",
      defaultValue = "UTC",
      description = "Time zone of event times without an offset (default: ${DEFAULT-VALUE}).")
  String timeZone;

  @Option(names = "--limit", paramLabel = "N", description = "Replay only the first N rows.")
  Long limit;

  @Option(
      names = "--column-type",
      paramLabel = "NAME=TYPE",
      description =
          "JSON type of a column: string, long, double or boolean (repeatable). Defaults: the retail data set "
              + "(Quantity=long, UnitPrice=double, others string); for --generator cards mcc=long, amount=double.")
  List<String> columnTypes = new ArrayList<>();

  @Option(names = "--no-progress", description = "Do not draw a progress bar.")
  boolean noProgress;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Generated events: random seed (default: random, printed).")
  Long seed;

  @Option(
      names = "--generator",
      paramLabel = "KIND",
      defaultValue = "retail",
      description =
          "Generated events: retail (invoice lines like the online-retail data set, for retail.conf and "
              + "retail_catalogue.conf) or cards (card payments with fraud-like bursts, for cards.conf). "
              + "Default: ${DEFAULT-VALUE}.")
  String generator;

  @Option(
      names = "--events",
      paramLabel = "N",
      description =
          "Generated events: how many rows (default: "
              + EventGenerator.DEFAULT_EVENTS
              + ", cards "
              + CardEventGenerator.DEFAULT_EVENTS
              + ").")
  Long events;

  @Option(
      names = "--entities",
      paramLabel = "K",
      defaultValue = "" + EventGenerator.DEFAULT_ENTITIES,
      description =
          "Generated events: how many distinct customers or cards (default: ${DEFAULT-VALUE}).")
  int entities;

  @Option(
      names = "--span",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Generated events: time span ending now, e.g. 35d, 12h, 90m or P35D (default: 35d, cards 1d: "
              + "older payments would be too late for cards.conf's 1-day windows).")
  Duration span;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description = "Generated events: also write them to this CSV file (.gz to compress).")
  Path output;

  /** Creates the command; picocli calls this. */
  public ReplayCommand() {}

  /**
   * Runs the command on its own and exits with its exit code.
   *
   * @param args for example {@code --input data.csv.gz --topic retail --rebase-time}
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ReplayCommand()).execute(args));
  }

  /**
   * Generates (if no input is given), writes and/or replays the events.
   *
   * @return 0 on success, 1 if reading, writing or Kafka failed
   * @throws CommandLine.ParameterException if the options do not fit together
   */
  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    validate();
    Path file = input;
    Path tempFile = null;
    try {
      if (input == null && cards()) {
        file =
            output != null
                ? output
                : (tempFile = Files.createTempFile("slicestore-generated-cards-", ".csv.gz"));
        CardEventGenerator g =
            new CardEventGenerator(
                seed != null ? seed : EventGenerator.randomSeed(),
                eventCount(),
                entities,
                spanOrDefault(),
                Instant.now());
        out.printf(
            "Generating %,d card payments for %,d cards over %s ending %s, seed %d "
                + "(use --seed %d to get the same events again)...%n",
            eventCount(), entities, describe(spanOrDefault()), g.end(), g.seed(), g.seed());
        out.flush();
        CardEventGenerator.Summary summary = g.writeCsv(file);
        out.printf(
            "Generated %,d payments (%,d in fraud-like bursts) from %s to %s%s.%n",
            summary.rows(),
            summary.burstRows(),
            Instant.ofEpochMilli(summary.earliestEventTimeMillis()),
            Instant.ofEpochMilli(summary.latestEventTimeMillis()),
            output != null ? "; wrote them to " + output : "");
        out.flush();
      } else if (input == null) {
        long events = eventCount();
        Duration span = spanOrDefault();
        EventGenerator generator =
            EventGenerator.builder()
                .seed(seed != null ? seed : EventGenerator.randomSeed())
                .events(events)
                .entities(entities)
                .span(span)
                .build();
        if (output != null) {
          file = output;
        } else {
          tempFile = Files.createTempFile("slicestore-generated-", ".csv.gz");
          file = tempFile;
        }
        out.printf(
            "Generating %,d retail-like events for %,d customers over %s ending %s, seed %d "
                + "(use --seed %d to get the same events again)...%n",
            events, entities, describe(span), generator.end(), generator.seed(), generator.seed());
        out.flush();
        EventGenerator.Summary summary = generator.writeCsv(file);
        out.printf(
            "Generated %,d rows (%,d without CustomerID, %,d in cancellations) from %s to %s%s.%n",
            summary.rows(),
            summary.rowsWithoutCustomer(),
            summary.cancellationRows(),
            Instant.ofEpochMilli(summary.earliestEventTimeMillis()),
            Instant.ofEpochMilli(summary.latestEventTimeMillis()),
            output != null ? "; wrote them to " + output : "");
        out.flush();
      }
      if (topic != null) {
        EventReplay.builder()
            .input(file)
            .topic(topic)
            .bootstrapServers(resolveBootstrapServers())
            .keyColumn(keyColumnOrDefault().isEmpty() ? null : keyColumnOrDefault())
            .timeColumn(timeColumnOrDefault().isEmpty() ? null : timeColumnOrDefault())
            .timeFormat(new EventTimeFormat(timeFormat, ZoneId.of(timeZone)))
            .columnTypes(parseColumnTypes())
            .rebaseTime(rebaseTime)
            .partitions(partitions)
            .limit(limit == null ? Long.MAX_VALUE : limit)
            .showProgress(!noProgress)
            .sourceLabel(input == null && output == null ? "the generated events" : null)
            .out(out)
            .build()
            .run();
      }
      return 0;
    } catch (IOException e) {
      out.flush();
      err.println(e.getMessage());
      err.flush();
      return 1;
    } finally {
      if (tempFile != null) {
        try {
          Files.deleteIfExists(tempFile);
        } catch (IOException e) {
          err.println("Cannot delete the temporary file " + tempFile + ": " + e.getMessage());
        }
      }
    }
  }

  private void validate() {
    CommandLine cl = spec.commandLine();
    if (input != null && output != null) {
      throw new CommandLine.ParameterException(
          cl, "--output only applies to generated events: drop --input or --output");
    }
    if (topic == null && (input != null || output == null)) {
      throw new CommandLine.ParameterException(
          cl,
          "Missing --topic: give the topic to replay to (or, to only write generated events to a file, --output FILE)");
    }
    if (input != null && !Files.isReadable(input)) {
      throw new CommandLine.ParameterException(
          cl, "Cannot read --input " + input + ": no such readable file");
    }
    if (partitions < 1) {
      throw new CommandLine.ParameterException(
          cl, "Invalid --partitions: " + partitions + " (must be > 0)");
    }
    if (limit != null && limit < 0) {
      throw new CommandLine.ParameterException(cl, "Invalid --limit: " + limit + " (must be >= 0)");
    }
    if (eventCount() < 0 || entities < 1) {
      throw new CommandLine.ParameterException(
          cl,
          "Invalid --events "
              + eventCount()
              + " or --entities "
              + entities
              + " (events must be >= 0, entities > 0)");
    }
    if (!generator.equals("retail") && !generator.equals("cards")) {
      throw new CommandLine.ParameterException(
          cl, "Invalid --generator '" + generator + "': use retail or cards");
    }
    if (input != null && cards()) {
      throw new CommandLine.ParameterException(
          cl, "--generator cards generates events: drop --input or --generator");
    }
    try {
      new EventTimeFormat(timeFormat, ZoneId.of(timeZone));
      parseColumnTypes();
    } catch (IllegalArgumentException | DateTimeException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
  }

  private boolean cards() {
    return "cards".equals(generator);
  }

  private long eventCount() {
    return events != null
        ? events
        : cards() ? CardEventGenerator.DEFAULT_EVENTS : EventGenerator.DEFAULT_EVENTS;
  }

  private Duration spanOrDefault() {
    return span != null
        ? span
        : cards() ? CardEventGenerator.DEFAULT_SPAN : EventGenerator.DEFAULT_SPAN;
  }

  private String keyColumnOrDefault() {
    return keyColumn != null
        ? keyColumn
        : input == null && cards() ? "card_id" : EventReplay.DEFAULT_KEY_COLUMN;
  }

  private String timeColumnOrDefault() {
    return timeColumn != null
        ? timeColumn
        : input == null && cards() ? "tx_time" : EventReplay.DEFAULT_TIME_COLUMN;
  }

  private ColumnTypes parseColumnTypes() {
    ColumnTypes types =
        input == null && cards() ? CardEventGenerator.columnTypes() : ColumnTypes.retail();
    for (String assignment : columnTypes) {
      types = types.with(assignment);
    }
    return types;
  }

  private String resolveBootstrapServers() {
    if (bootstrapServers != null) {
      return bootstrapServers;
    }
    StackInfo stack = LocalStack.read(stateDir.resolve());
    return stack != null ? stack.bootstrapServers() : EventReplay.DEFAULT_BOOTSTRAP_SERVERS;
  }

  private static String describe(Duration d) {
    if (d.toHoursPart() == 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
      return d.toDays() + " days";
    }
    return d.toString().substring(2).toLowerCase(Locale.ROOT);
  }

  /**
   * Converts {@code 35d}, {@code 12h}, {@code 90m}, {@code 45s} or an ISO-8601 duration ({@code
   * P35D}, {@code PT12H}) to a {@link Duration}. Stateless and thread-safe.
   */
  public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    /** Creates the converter; picocli calls this. */
    public DurationConverter() {}

    /**
     * Converts the text.
     *
     * @param value the text; not null
     * @return the duration
     * @throws CommandLine.TypeConversionException if the text is not a duration
     */
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      try {
        if (v.startsWith("p")) {
          return Duration.parse(v.toUpperCase(Locale.ROOT));
        }
        long amount = Long.parseLong(v.substring(0, v.length() - 1));
        switch (v.charAt(v.length() - 1)) {
          case 'd':
            return Duration.ofDays(amount);
          case 'h':
            return Duration.ofHours(amount);
          case 'm':
            return Duration.ofMinutes(amount);
          case 's':
            return Duration.ofSeconds(amount);
          default:
            break;
        }
      } catch (RuntimeException e) {
        // fall through to the error below
      }
      throw new CommandLine.TypeConversionException(
          "Invalid duration: '" + value + "' (use e.g. 35d, 12h, 90m, 45s or P35D)");
    }
  }
}
