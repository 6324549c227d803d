package dev.slicestore.quickstart.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slicestore.localstack.LocalKafka;
import dev.slicestore.localstack.StackPorts;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Replays a CSV file (plain or gzip) into a Kafka topic: one record per CSV row.
 *
 * <p>The first CSV row names the columns. Each later row becomes a record whose
 *
 * <ul>
 *   <li>value is a JSON object of the row's non-empty fields, each typed by {@link ColumnTypes} (a
 *       field that does not parse as its type is written as the raw string; nothing is dropped;
 *       fields beyond the header are named {@code column_<n>}, 1-based);
 *   <li>key is the key column's value, or null when it is empty or absent;
 *   <li>timestamp is the row's event time (time column parsed with {@link EventTimeFormat}) when it
 *       parses, else the send time.
 * </ul>
 *
 * <p>With {@link Builder#rebaseTime(boolean) rebaseTime}, a first pass finds the latest event time
 * {@code max}; every parseable event time is then shifted by {@link #rebaseShiftMillis(long, long)
 * shift = floor((now - max) / 60000) * 60000} ms (whole minutes, so minute-resolution data stays
 * exact), written back into the time field in the same format and zone, and used as the record
 * timestamp. The last event then lies less than a minute before now. Rows whose time does not parse
 * are sent unchanged.
 *
 * <p>The topic is created if missing. The producer is idempotent with {@code acks=all}, so a replay
 * that completes has written every row exactly once.
 *
 * <p>An instance is immutable and can be {@link #run()} more than once (each run sends the file
 * again); concurrent runs are independent.
 */
public final class EventReplay {

  /** Default Kafka bootstrap servers: the local stack's default port. */
  public static final String DEFAULT_BOOTSTRAP_SERVERS =
      "localhost:" + StackPorts.DEFAULT_KAFKA_PORT;

  /** Default key column (retail data set). */
  public static final String DEFAULT_KEY_COLUMN = "CustomerID";

  /** Default event-time column (retail data set). */
  public static final String DEFAULT_TIME_COLUMN = "InvoiceDate";

  /** Default number of partitions of a topic the replay creates. */
  public static final int DEFAULT_PARTITIONS = 2;

  private static final long MINUTE_MILLIS = 60_000L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path input;
  private final String topic;
  private final String bootstrapServers;
  private final String keyColumn;
  private final String timeColumn;
  private final EventTimeFormat timeFormat;
  private final ColumnTypes columnTypes;
  private final boolean rebaseTime;
  private final int partitions;
  private final long limit;
  private final Clock clock;
  private final boolean showProgress;
  private final PrintWriter out;
  private final Map<String, Object> producerOverrides;
  private final String sourceLabel;

  private EventReplay(Builder b) {
    this.input = Objects.requireNonNull(b.input, "input");
    this.topic = Objects.requireNonNull(b.topic, "topic");
    this.bootstrapServers = b.bootstrapServers;
    this.keyColumn = b.keyColumn;
    this.timeColumn = b.timeColumn;
    this.timeFormat = b.timeFormat;
    this.columnTypes = b.columnTypes;
    this.rebaseTime = b.rebaseTime;
    this.partitions = b.partitions;
    this.limit = b.limit;
    this.clock = b.clock;
    this.showProgress = b.showProgress;
    this.out = b.out;
    this.producerOverrides = Map.copyOf(b.producerOverrides);
    this.sourceLabel = b.sourceLabel != null ? b.sourceLabel : b.input.getFileName().toString();
  }

  /**
   * Starts a builder.
   *
   * @return a builder with the retail defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Computes the time shift of {@code --rebase-time}: the whole minutes from the latest event time
   * to now, rounded down (towards negative infinity when the latest event lies in the future).
   *
   * @param maxEventTimeMillis the latest event time in the input, epoch milliseconds
   * @param nowMillis the current time, epoch milliseconds
   * @return {@code floorDiv(nowMillis - maxEventTimeMillis, 60000) * 60000}
   */
  public static long rebaseShiftMillis(long maxEventTimeMillis, long nowMillis) {
    return Math.floorDiv(nowMillis - maxEventTimeMillis, MINUTE_MILLIS) * MINUTE_MILLIS;
  }

  /**
   * Opens a CSV file for reading as UTF-8 text, decompressing it if it is gzip (recognised by its
   * magic bytes, whatever its name).
   *
   * @param file the file; not null
   * @return a reader the caller must close
   * @throws IOException if the file cannot be opened
   */
  public static Reader openText(Path file) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    try {
      in.mark(2);
      int b1 = in.read();
      int b2 = in.read();
      in.reset();
      if (b1 == 0x1f && b2 == 0x8b) {
        in = new GZIPInputStream(in, 1 << 16);
      }
      return new InputStreamReader(in, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** Reads header + rows; the header is the first record, taken as it is (BOM removed). */
  private final class CsvInput implements AutoCloseable {
    final CSVParser parser;
    final Iterator<CSVRecord> rows;
    final List<String> header;
    final int keyIndex;
    final int timeIndex;

    CsvInput() throws IOException {
      Reader reader = openText(input);
      try {
        parser = CSVParser.builder().setReader(reader).setFormat(CSVFormat.DEFAULT).get();
      } catch (IOException | RuntimeException e) {
        reader.close();
        throw e;
      }
      rows = parser.iterator();
      if (!rows.hasNext()) {
        parser.close();
        throw new IOException(
            "Cannot replay " + input + ": the file is empty (it needs a header row)");
      }
      List<String> names = new ArrayList<>(rows.next().toList());
      if (!names.isEmpty() && names.get(0).startsWith("\uFEFF")) {
        names.set(0, names.get(0).substring(1));
      }
      header = Collections.unmodifiableList(names);
      keyIndex = indexOf(keyColumn, "key");
      timeIndex = indexOf(timeColumn, "time");
    }

    private int indexOf(String column, String role) throws IOException {
      if (column == null) {
        return -1;
      }
      int index = header.indexOf(column);
      if (index < 0) {
        parser.close();
        throw new IOException(
            "Cannot replay "
                + input
                + ": the "
                + role
                + " column '"
                + column
                + "' is not in its header "
                + header
                + " (choose another with --"
                + role
                + "-column)");
      }
      return index;
    }

    @Override
    public void close() throws IOException {
      parser.close();
    }
  }

  /**
   * Runs the replay: counts the rows (and finds the latest event time), creates the topic if
   * missing, sends every row and waits until Kafka has acknowledged all of them, then prints a
   * one-line summary.
   *
   * @return what was sent
   * @throws IOException if the input cannot be read or lacks the key or time column, Kafka cannot
   *     be reached or refuses a record; rows sent before the failure stay in the topic
   */
  public ReplayResult run() throws IOException {
    long startNanos = System.nanoTime();

    // pass 1: count rows, find the latest event time
    long total = 0;
    Long maxEventTime = null;
    try (CsvInput csv = new CsvInput()) {
      while (total < limit && csv.rows.hasNext()) {
        CSVRecord row = csv.rows.next();
        total++;
        if (rebaseTime && csv.timeIndex >= 0 && csv.timeIndex < row.size()) {
          Long t = timeFormat.parseMillis(row.get(csv.timeIndex));
          if (t != null && (maxEventTime == null || t > maxEventTime)) {
            maxEventTime = t;
          }
        }
      }
    } catch (RuntimeException e) {
      throw new IOException("Cannot read " + input + " as CSV: " + e.getMessage(), e);
    }
    long shift = 0;
    if (rebaseTime) {
      if (maxEventTime == null) {
        out.println(
            "Not shifting event times: no row has an event time that parses with "
                + timeFormat
                + ".");
      } else {
        shift = rebaseShiftMillis(maxEventTime, clock.millis());
        out.println(
            "Shifting event times by "
                + describeShift(shift)
                + " so that the latest event ("
                + timeFormat.format(maxEventTime)
                + ") becomes "
                + timeFormat.format(maxEventTime + shift)
                + ".");
      }
    }

    ensureTopic();

    // pass 2: send
    AtomicReference<Exception> firstError = new AtomicReference<>();
    AtomicLong acked = new AtomicLong();
    long unparseableTime = 0;
    Long earliest = null;
    Long latest = null;
    long sent = 0;
    try (CsvInput csv = new CsvInput();
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig());
        ProgressBar progress = showProgress ? progressBar(total) : null) {
      while (sent < limit && csv.rows.hasNext() && firstError.get() == null) {
        CSVRecord row = csv.rows.next();
        Long eventTime = null;
        String shiftedTimeText = null;
        if (csv.timeIndex >= 0 && csv.timeIndex < row.size()) {
          Long parsed = timeFormat.parseMillis(row.get(csv.timeIndex));
          if (parsed != null) {
            eventTime = parsed + shift;
            if (shift != 0) {
              shiftedTimeText = timeFormat.format(eventTime);
            }
          }
        }
        if (eventTime == null) {
          unparseableTime++;
        } else {
          earliest = earliest == null ? eventTime : Math.min(earliest, eventTime);
          latest = latest == null ? eventTime : Math.max(latest, eventTime);
        }
        String key = null;
        if (csv.keyIndex >= 0 && csv.keyIndex < row.size() && !row.get(csv.keyIndex).isEmpty()) {
          key = row.get(csv.keyIndex);
        }
        byte[] value = toJson(csv.header, row, csv.timeIndex, shiftedTimeText);
        long rowNumber = sent + 1;
        producer.send(
            new ProducerRecord<>(topic, null, eventTime, key, value),
            (metadata, error) -> {
              if (error != null) {
                firstError.compareAndSet(
                    null,
                    new IOException(
                        "Kafka refused row "
                            + rowNumber
                            + " of "
                            + input
                            + ": "
                            + error.getMessage(),
                        error));
              } else {
                acked.incrementAndGet();
              }
            });
        sent++;
        if (progress != null) {
          progress.step();
        }
      }
      producer.flush();
    } catch (RuntimeException e) {
      throw new IOException(
          "Cannot replay " + input + " to topic " + topic + ": " + e.getMessage(), e);
    }
    if (firstError.get() != null) {
      Exception e = firstError.get();
      throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
    if (acked.get() != sent) {
      throw new IOException(
          "Kafka acknowledged " + acked.get() + " of the " + sent + " rows sent to " + topic);
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    ReplayResult result =
        new ReplayResult(topic, sent, unparseableTime, shift, earliest, latest, elapsedMillis);
    out.printf(
        "Replayed %,d rows from %s to topic '%s' in %.1f s (%,.0f rows/s); %,d rows had no parseable event time "
            + "(sent with the send time as timestamp).%n",
        sent, sourceLabel, topic, elapsedMillis / 1000.0, result.rowsPerSecond(), unparseableTime);
    out.flush();
    return result;
  }

  /**
   * Builds the JSON value of one row.
   *
   * @param header column names; not null
   * @param row the CSV row; not null
   * @param timeIndex index of the time column, -1 if none
   * @param shiftedTimeText replacement text for the time field, or null to keep it
   * @return UTF-8 JSON bytes
   */
  private byte[] toJson(List<String> header, CSVRecord row, int timeIndex, String shiftedTimeText) {
    ObjectNode node = MAPPER.createObjectNode();
    for (int i = 0; i < row.size(); i++) {
      String raw = i == timeIndex && shiftedTimeText != null ? shiftedTimeText : row.get(i);
      if (raw.isEmpty()) {
        continue;
      }
      String name = i < header.size() ? header.get(i) : "column_" + (i + 1);
      columnTypes.typeOf(name).put(node, name, raw);
    }
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot write JSON: " + e.getMessage(), e);
    }
  }

  private void ensureTopic() throws IOException {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
      try {
        admin.describeCluster().nodes().get(15, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException(
            "Cannot reach Kafka at "
                + bootstrapServers
                + ". Is the local stack running? "
                + "Check with: bin/slicestore stack status",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while connecting to Kafka", e);
      }
      boolean created = LocalKafka.createTopic(admin, topic, partitions, Optional.empty());
      if (created) {
        out.println("Created topic '" + topic + "' with " + partitions + " partitions.");
      } else {
        int existing = describe(admin).partitions().size();
        if (existing != partitions) {
          out.println(
              "Topic '"
                  + topic
                  + "' already exists with "
                  + existing
                  + " partitions; sending to it as it is.");
        }
      }
    }
  }

  private TopicDescription describe(Admin admin) throws IOException {
    try {
      return admin
          .describeTopics(List.of(topic))
          .allTopicNames()
          .get(15, TimeUnit.SECONDS)
          .get(topic);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("Cannot describe topic " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while describing topic " + topic, e);
    }
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
    config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "slicestore-replay");
    config.putAll(producerOverrides);
    return config;
  }

  private static ProgressBar progressBar(long total) {
    return new ProgressBarBuilder()
        .setTaskName("Replaying")
        .setInitialMax(total)
        .setUnit(" rows", 1)
        .showSpeed()
        .setUpdateIntervalMillis(500)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .build();
  }

  static String describeShift(long shiftMillis) {
    long minutes = Math.abs(shiftMillis) / MINUTE_MILLIS;
    Duration d = Duration.ofMinutes(minutes);
    String sign = shiftMillis < 0 ? "-" : "+";
    return String.format(
        "%s%d days %d h %d min (%,d ms)",
        sign, d.toDays(), d.toHoursPart(), d.toMinutesPart(), shiftMillis);
  }

  /**
   * Builder of {@link EventReplay}. Defaults: the retail data set's columns, types and time format,
   * bootstrap servers {@value EventReplay#DEFAULT_BOOTSTRAP_SERVERS}, 2 partitions, no limit, no
   * rebase, progress bar on, summary to standard output.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private Path input;
    private String topic;
    private String bootstrapServers = DEFAULT_BOOTSTRAP_SERVERS;
    private String keyColumn = DEFAULT_KEY_COLUMN;
    private String timeColumn = DEFAULT_TIME_COLUMN;
    private EventTimeFormat timeFormat = EventTimeFormat.retail();
    private ColumnTypes columnTypes = ColumnTypes.retail();
    private boolean rebaseTime;
    private int partitions = DEFAULT_PARTITIONS;
    private long limit = Long.MAX_VALUE;
    private Clock clock = Clock.systemUTC();
    private boolean showProgress = true;
    private PrintWriter out = new PrintWriter(System.out, true);
    private final Map<String, Object> producerOverrides = new HashMap<>();
    private String sourceLabel;

    private Builder() {}

    /**
     * Sets how the input is named in messages (default: its file name).
     *
     * @param label e.g. {@code "generated events"}, or null for the file name
     * @return this builder
     */
    public Builder sourceLabel(String label) {
      this.sourceLabel = label;
      return this;
    }

    /**
     * Sets the CSV file (plain or gzip) to replay. Required.
     *
     * @param file the file; not null
     * @return this builder
     */
    public Builder input(Path file) {
      this.input = Objects.requireNonNull(file, "input");
      return this;
    }

    /**
     * Sets the topic to write to. Required.
     *
     * @param name the topic; not null or blank
     * @return this builder
     */
    public Builder topic(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("Invalid topic: '" + name + "' (must not be empty)");
      }
      this.topic = name;
      return this;
    }

    /**
     * Sets the Kafka bootstrap servers.
     *
     * @param servers e.g. {@code "localhost:19092"}; not null
     * @return this builder
     */
    public Builder bootstrapServers(String servers) {
      this.bootstrapServers = Objects.requireNonNull(servers, "bootstrapServers");
      return this;
    }

    /**
     * Sets the column whose value becomes the record key.
     *
     * @param column the column name, or null for records without key
     * @return this builder
     */
    public Builder keyColumn(String column) {
      this.keyColumn = column;
      return this;
    }

    /**
     * Sets the event-time column.
     *
     * @param column the column name, or null to send every record with the send time and no rebase
     * @return this builder
     */
    public Builder timeColumn(String column) {
      this.timeColumn = column;
      return this;
    }

    /**
     * Sets how the event-time column is parsed and (after a rebase) formatted.
     *
     * @param format the format; not null
     * @return this builder
     */
    public Builder timeFormat(EventTimeFormat format) {
      this.timeFormat = Objects.requireNonNull(format, "timeFormat");
      return this;
    }

    /**
     * Sets the JSON type of each column.
     *
     * @param types the types; not null
     * @return this builder
     */
    public Builder columnTypes(ColumnTypes types) {
      this.columnTypes = Objects.requireNonNull(types, "columnTypes");
      return this;
    }

    /**
     * Sets whether event times are shifted so that the latest is within a minute before now.
     *
     * @param rebase true to shift
     * @return this builder
     */
    public Builder rebaseTime(boolean rebase) {
      this.rebaseTime = rebase;
      return this;
    }

    /**
     * Sets the partition count of the topic if the replay creates it.
     *
     * @param count at least 1
     * @return this builder
     */
    public Builder partitions(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("Invalid partitions: " + count + " (must be > 0)");
      }
      this.partitions = count;
      return this;
    }

    /**
     * Sets the maximum number of rows to replay (the first ones of the file).
     *
     * @param rows at least 0; {@link Long#MAX_VALUE} for all
     * @return this builder
     */
    public Builder limit(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("Invalid limit: " + rows + " (must be >= 0)");
      }
      this.limit = rows;
      return this;
    }

    /**
     * Sets the clock that gives "now" for the rebase.
     *
     * @param clock the clock; not null
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets whether a progress bar is drawn on standard error.
     *
     * @param show true to draw it
     * @return this builder
     */
    public Builder showProgress(boolean show) {
      this.showProgress = show;
      return this;
    }

    /**
     * Sets where messages and the summary line are printed.
     *
     * @param writer the writer; not null
     * @return this builder
     */
    public Builder out(PrintWriter writer) {
      this.out = Objects.requireNonNull(writer, "out");
      return this;
    }

    /**
     * Overrides one Kafka producer setting.
     *
     * @param key a {@link ProducerConfig} key; not null
     * @param value its value; not null
     * @return this builder
     */
    public Builder producerProperty(String key, Object value) {
      producerOverrides.put(
          Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Builds the replay.
     *
     * @return the replay
     * @throws NullPointerException if the input or topic is not set
     */
    public EventReplay build() {
      Objects.requireNonNull(input, "Cannot build a replay: no input file");
      Objects.requireNonNull(topic, "Cannot build a replay: no topic");
      return new EventReplay(this);
    }
  }
}
