package dev.slicestore.ingest;

import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per batch of an online-ingest query, in plain words: records in the batch, rate,
 * and the running totals (written, filtered, dead-lettered by reason). Quiet batches (no input) are
 * logged at most once a minute.
 *
 * <p>Called by Spark's listener bus thread.
 */
public final class IngestProgressLogger extends StreamingQueryListener {
  private static final Logger LOG = LoggerFactory.getLogger("slicestore.ingest");
  private final String queryName;
  private final IngestMetrics metrics;
  private long lastQuietLogMillis;
  private volatile java.util.UUID queryId;

  IngestProgressLogger(String queryName, IngestMetrics metrics) {
    this.queryName = queryName;
    this.metrics = metrics;
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {
    if (queryName.equals(event.name())) {
      queryId = event.id();
    }
  }

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    StreamingQueryProgress p = event.progress();
    if (!queryName.equals(p.name())) {
      return;
    }
    long now = System.currentTimeMillis();
    if (p.numInputRows() == 0) {
      if (now - lastQuietLogMillis < 60_000) {
        return;
      }
      lastQuietLogMillis = now;
      LOG.info("{}: no new events; totals: {}", queryName, metrics.describe());
      return;
    }
    LOG.info(
        "{}: batch {} read {} events ({} events/s); totals: {}",
        queryName,
        p.batchId(),
        p.numInputRows(),
        Math.round(p.processedRowsPerSecond()),
        metrics.describe());
  }

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {
    if (queryId == null || !queryId.equals(event.id())) {
      return; // another query of the same session (compaction, a second feature set)
    }
    if (event.exception().isDefined()) {
      LOG.error("{} stopped with an error: {}", queryName, event.exception().get());
    } else {
      LOG.info("{} stopped; totals: {}", queryName, metrics.describe());
    }
  }
}
