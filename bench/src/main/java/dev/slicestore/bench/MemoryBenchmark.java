package dev.slicestore.bench;

import dev.slicestore.compaction.CompactionResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Redis memory of the retail online store ({@link RetailStore}), from {@code MEMORY USAGE key
 * SAMPLES 0} of every slice hash: bytes per event before compaction, and bytes per (entity, slice)
 * after it, counting the hashes that hold nothing but their compacted entry (the closed slices).
 * Deterministic for given data, so one run.
 */
public final class MemoryBenchmark implements Benchmark {
  /** The target: a compacted slice takes at most this much Redis memory, bytes. */
  public static final long TARGET_COMPACTED_SLICE_BYTES = 100;

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public String description() {
    return "Redis bytes per event before compaction and per (entity, slice) after it (MEMORY USAGE, retail)";
  }

  @Override
  public Report run(BenchContext ctx) throws Exception {
    RetailStore retail = ctx.retail();
    CompactionResult compaction = retail.compact();
    RetailStore.Memory b = retail.before();
    RetailStore.Memory a = retail.after();
    Report report = new Report(name(), "Redis memory (retail)");
    Benchmark.header(
        report,
        ctx,
        String.format(
            "the UCI Online Retail CSV replayed with rebased times (%,d rows sent); %,d events"
                + " written by online-ingest (the last 30 days + 1 h, customer rows only); compaction of the closed slices of the last"
                + " 31 days (%,d slices). MEMORY USAGE is deterministic for given data: one run",
            retail.replay().rowsSent(), retail.applied(), compaction.slices()),
        1);
    double perEvent = b.bytes() / (double) Math.max(1, b.fields());
    double perHashBefore = b.bytes() / (double) Math.max(1, b.hashes());
    double perCompactedHash =
        a.compactedOnlyBytes() / (double) Math.max(1, a.compactedOnlyHashes());
    // each slice's share of its entity's slice index (sorted set): index bytes over slice hashes
    double indexShareAfter = a.indexBytes() / (double) Math.max(1, a.hashes());
    double perCompacted = perCompactedHash + indexShareAfter;
    double perEventWithIndex = (b.bytes() + b.indexBytes()) / (double) Math.max(1, b.fields());
    report.table(
        List.of(
            "moment",
            ">slice hashes",
            ">fields",
            ">hash bytes (MEMORY USAGE)",
            ">slice indices",
            ">index bytes",
            ">bytes/event (hashes + indices)",
            ">bytes/hash",
            ">compacted-only hashes",
            ">bytes per compacted hash",
            ">bytes per compacted (entity, slice) incl. its index share"),
        List.of(
            List.of(
                "after ingest",
                fmt(b.hashes()),
                fmt(b.fields()),
                fmt(b.bytes()),
                fmt(b.indexKeys()),
                fmt(b.indexBytes()),
                String.format("%.1f", perEventWithIndex),
                String.format("%.0f", perHashBefore),
                "–",
                "–",
                "–"),
            List.of(
                "after compaction",
                fmt(a.hashes()),
                fmt(a.fields()),
                fmt(a.bytes()),
                fmt(a.indexKeys()),
                fmt(a.indexBytes()),
                "–",
                String.format("%.0f", a.bytes() / (double) Math.max(1, a.hashes())),
                fmt(a.compactedOnlyHashes()),
                a.compactedOnlyHashes() == 0 ? "–" : String.format("%.1f", perCompactedHash),
                a.compactedOnlyHashes() == 0 ? "–" : String.format("%.1f", perCompacted))));
    long totalBefore = b.bytes() + b.indexBytes();
    long totalAfter = a.bytes() + a.indexBytes();
    report.paragraph(
        String.format(
            "Compaction: %s. Redis memory of the feature set (slice hashes + slice indices) %,d → %,d bytes"
                + " (%.0f%%).",
            compaction.describe().replace("\n", " "),
            totalBefore,
            totalAfter,
            100.0 * (totalAfter - totalBefore) / Math.max(1, totalBefore)));
    if (a.compactedOnlyHashes() > 0) {
      report.paragraph(
          String.format(
              "Target: a compacted slice ≤ %d bytes of Redis memory. Measured: %.1f bytes per"
                  + " (entity, slice), its hash plus its share of the entity's slice index (%.1f + %.1f) — %s. A hash's MEMORY USAGE"
                  + " includes its key (`ss:retail:1:{<customer>}:<slice index>`, ~30 bytes), Redis's per-key overhead (dict entry, robj,"
                  + " expiry entry) and the listpack holding the field `c` and the compacted entry (aggregate + covered offsets); the slice"
                  + " index (one sorted set per entity, `ssi:retail:1:{<customer>}`) lets serving read only non-empty slices.",
              TARGET_COMPACTED_SLICE_BYTES,
              perCompacted,
              perCompactedHash,
              indexShareAfter,
              perCompacted <= TARGET_COMPACTED_SLICE_BYTES
                  ? "met"
                  : String.format(
                      "missed by %.1f bytes (%.2f×)",
                      perCompacted - TARGET_COMPACTED_SLICE_BYTES,
                      perCompacted / TARGET_COMPACTED_SLICE_BYTES)));
    }
    Map<String, List<Double>> series = new LinkedHashMap<>();
    series.put("bytes", List.of(perEventWithIndex, perHashBefore, perCompacted));
    Path png =
        Charts.bars(
            ctx.options().outDir().resolve("memory.png"),
            "Redis memory, retail",
            "bytes",
            List.of("per event (before)", "per hash (before)", "per compacted slice"),
            series);
    report.chart(png, "Redis memory");
    return report;
  }

  private static String fmt(long v) {
    return String.format("%,d", v);
  }
}
