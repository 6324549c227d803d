package dev.slicestore.bench.jmh;

import dev.slicestore.core.aggregate.AggregateFunction;
import dev.slicestore.core.aggregate.EventPosition;
import dev.slicestore.core.config.Aggregation;
import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.CompactedEntry;
import dev.slicestore.core.online.CoveredRange;
import dev.slicestore.core.online.FeatureVector;
import dev.slicestore.core.online.OnlineLayout;
import dev.slicestore.core.online.RowPreAggregate;
import dev.slicestore.core.online.WindowEvaluator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: the CPU cost of serving one entity, without Redis: {@link WindowEvaluator#evaluate} of the
 * retail feature set (count, sum, mean, max, min of a double; windows 1h, 1d, 7d, 30d: 20 features)
 * over {@code slices} hourly slice hashes, each holding either {@code eventsPerSlice} per-event
 * fields (row pre-aggregates, before compaction) or one compacted entry (after). Average time per
 * evaluation, µs. Seeded data (42).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WindowMergeBenchmark {
  /** The retail feature set's aggregations and windows, as a self-contained HOCON string. */
  public static final String RETAIL =
      """
      name = retail
      version = 1
      source { topics = [retail-events], schema { CustomerID = string, InvoiceDate = string, amount = double } }
      entity-key = CustomerID
      event-time { column = InvoiceDate, format = "yyyy-MM-dd HH:mm:ss", zone = UTC }
      slice = 1h
      windows = [1h, 1d, 7d, 30d]
      allowed-lateness = 1h
      aggregations = [
        { name = lines, function = count }
        { name = amount_sum, function = sum, input = amount }
        { name = amount_mean, function = mean, input = amount }
        { name = amount_max, function = max, input = amount }
        { name = amount_min, function = min, input = amount }
      ]
      """;

  /** Slice hashes read (720 = the 30-day window of hourly slices). */
  @Param({"24", "720"})
  public int slices;

  /** Events per slice hash; 0 means one compacted entry per slice instead. */
  @Param({"0", "1", "10"})
  public int eventsPerSlice;

  private WindowEvaluator evaluator;
  private List<Map<byte[], byte[]>> hashes;
  private long t;

  /** Builds the slice hashes, newest first, as Redis would return them. */
  @Setup
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void setup() {
    FeatureSet fs = FeatureSetLoader.parse(RETAIL, "retail-bench.conf");
    evaluator = new WindowEvaluator(fs, fs.features());
    OnlineLayout layout = new OnlineLayout(fs);
    long s = fs.sliceMillis();
    t = 1_700_000_000_000L;
    long current = Math.floorDiv(t, s);
    Random rnd = new Random(42);
    hashes = new ArrayList<>();
    long offset = 0;
    for (int j = 0; j < slices; j++) {
      long start = (current - j) * s;
      Map<byte[], byte[]> h = new LinkedHashMap<>();
      int n = eventsPerSlice == 0 ? 10 : eventsPerSlice;
      List<Object> accs = new ArrayList<>();
      for (Aggregation a : fs.aggregations()) {
        accs.add(a.function().createAccumulator());
      }
      long first = offset;
      for (int e = 0; e < n; e++) {
        long time = start + rnd.nextInt((int) Math.min(s, t - start));
        double amount = Math.round(rnd.nextDouble() * 10_000) / 100.0;
        Object[] inputs = {amount};
        if (eventsPerSlice > 0) {
          h.put(
              layout.eventField(0, 0, offset),
              new RowPreAggregate(time, inputs).encode(fs.inputColumns(), start, s));
        } else {
          EventPosition pos = new EventPosition(time, 0, 0, offset);
          for (int a = 0; a < accs.size(); a++) {
            Aggregation agg = fs.aggregations().get(a);
            accs.set(
                a, ((AggregateFunction) agg.function()).add(accs.get(a), agg.input(inputs), pos));
          }
        }
        offset++;
      }
      if (eventsPerSlice == 0) {
        CompactedEntry c =
            new CompactedEntry(n, start, List.of(new CoveredRange(0, 0, first, offset)), accs);
        h.put(OnlineLayout.compactedField(), c.encode(fs, start));
      }
      hashes.add(h);
    }
  }

  /** One entity's 20 features from its slices. */
  @Benchmark
  public FeatureVector evaluate() {
    return evaluator.evaluate(t, hashes);
  }
}
