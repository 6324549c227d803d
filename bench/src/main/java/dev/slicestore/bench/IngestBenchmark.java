package dev.slicestore.bench;

/** Placeholder while the ingest benchmark is written. */
public final class IngestBenchmark implements Benchmark {
  @Override
  public String name() {
    return "ingest";
  }

  @Override
  public String description() {
    return "todo";
  }

  @Override
  public Report run(BenchContext ctx) {
    throw new UnsupportedOperationException("todo");
  }
}
