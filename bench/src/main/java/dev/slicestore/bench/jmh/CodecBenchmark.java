package dev.slicestore.bench.jmh;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.config.FeatureSetLoader;
import dev.slicestore.core.online.RowPreAggregate;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: encoding and decoding one retail row pre-aggregate (event time + one double: 13 bytes), the
 * value online-ingest writes per event and serving decodes per field. Average time, ns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
  private FeatureSet fs;
  private RowPreAggregate row;
  private byte[] bytes;
  private long sliceStart;

  /** Builds one pre-aggregate. */
  @Setup
  public void setup() {
    fs = FeatureSetLoader.parse(WindowMergeBenchmark.RETAIL, "retail-bench.conf");
    sliceStart = Math.floorDiv(1_700_000_000_000L, fs.sliceMillis()) * fs.sliceMillis();
    row = new RowPreAggregate(sliceStart + 1_234_567, new Object[] {123.45});
    bytes = row.encode(fs.inputColumns(), sliceStart, fs.sliceMillis());
  }

  /** Encodes the pre-aggregate. */
  @Benchmark
  public byte[] encodeRowPreAggregate() {
    return row.encode(fs.inputColumns(), sliceStart, fs.sliceMillis());
  }

  /** Decodes the pre-aggregate. */
  @Benchmark
  public RowPreAggregate decodeRowPreAggregate() {
    return RowPreAggregate.decode(bytes, fs.inputColumns(), sliceStart);
  }
}
