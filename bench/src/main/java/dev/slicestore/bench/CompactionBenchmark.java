package dev.slicestore.bench;

import dev.slicestore.compaction.CompactionResult;
import java.util.List;

/**
 * Compaction throughput on the retail online store ({@link RetailStore}): one run of {@code
 * Compaction.run} over the closed slices of the last 31 days (Kafka read, aggregation per (entity,
 * slice), Lua per slice hash in Redis, Iceberg events and slices tables), as Kafka records read per
 * second and accepted events compacted per second of wall-clock time. The first compaction of the
 * run is the one measured (a re-run is a different workload: idempotent replacement), so there is
 * one repetition per {@code bench} invocation.
 */
public final class CompactionBenchmark implements Benchmark {
  @Override
  public String name() {
    return "compaction";
  }

  @Override
  public String description() {
    return "events/s compacted into Redis + Iceberg (retail, last 31 days)";
  }

  @Override
  public Report run(BenchContext ctx) throws Exception {
    RetailStore retail = ctx.retail();
    CompactionResult c = retail.compact();
    Report report = new Report(name(), "Compaction throughput (retail)");
    Benchmark.header(
        report,
        ctx,
        String.format(
            "the retail online store (%,d rows replayed, %,d events in Redis); one compaction of"
                + " the closed slices of the last 31 days into Redis and the local Iceberg warehouse (Hadoop catalog); one run (the first"
                + " compaction is the workload; Spark local[2])",
            retail.replay().rowsSent(), retail.applied()),
        1);
    double seconds = c.durationMillis() / 1000.0;
    report.table(
        List.of(
            ">Kafka records read",
            ">events compacted",
            ">(entity, slice) aggregates",
            ">Redis hashes written",
            ">seconds",
            ">records read/s",
            ">events compacted/s"),
        List.of(
            List.of(
                String.format("%,d", c.recordsRead()),
                String.format("%,d", c.acceptedInRange()),
                String.format("%,d", c.slices()),
                String.format("%,d", c.redisHashesWritten()),
                String.format("%.1f", seconds),
                String.format("%,.0f", c.recordsRead() / seconds),
                String.format("%,.0f", c.acceptedInRange() / seconds))));
    report.paragraph(
        "Compaction reads every Kafka record from the range start minus the clock skew (1 h) to the end of the"
            + " topic, so records read include the customer-less rows and the newest hour; the Iceberg commits (one partition per"
            + " hourly slice) dominate on this machine (see docs/testing.md, \"Measured by the tests\").");
    return report;
  }
}
