package dev.slicestore.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives an asynchronous request function and records latencies in an HdrHistogram, in
 * microseconds.
 *
 * <ul>
 *   <li>{@link #fixedRate}: open loop. Request {@code i} is <i>intended</i> to start at {@code
 *       start + i / rate}; its latency is measured from that intended start, not from the moment it
 *       was actually sent, so a stall of the server or of the generator shows up in the percentiles
 *       (coordinated omission avoided, as in wrk2). Requests keep being sent on schedule while
 *       earlier ones are outstanding, up to {@code maxOutstanding}.
 *   <li>{@link #closedLoop}: {@code concurrency} callers each send the next request when the
 *       previous one completed; measures the maximum throughput. Its latencies are service times at
 *       that load (closed loops hide queueing, so they are reported as such).
 * </ul>
 *
 * Thread-safe histograms ({@link Recorder}); one generator thread.
 */
public final class LoadGenerator {
  /** Highest latency the histograms track, µs (60 s). */
  public static final long MAX_LATENCY_MICROS = 60_000_000L;

  /**
   * The outcome of one load run.
   *
   * @param latencyMicros latencies of the completed requests, µs
   * @param sent requests sent
   * @param completed requests that completed successfully
   * @param failed requests that failed (their latency is not recorded)
   * @param seconds wall-clock length of the run, s
   * @param behindSchedule true if the generator could not keep to the schedule (the rate is beyond
   *     what the client or server sustains; latencies then include that wait)
   */
  public record Result(
      Histogram latencyMicros,
      long sent,
      long completed,
      long failed,
      double seconds,
      boolean behindSchedule) {
    /**
     * @return completed requests per second
     */
    public double throughput() {
      return completed / seconds;
    }

    /**
     * @return the latency at {@code percentile} (0..100), ms
     */
    public double millis(double percentile) {
      return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private LoadGenerator() {}

  /**
   * Runs an open loop at a fixed rate.
   *
   * @param request sends request number {@code i} and returns its completion (not null)
   * @param ratePerSecond intended requests per second (&gt; 0)
   * @param seconds how long to send, s
   * @param maxOutstanding the most requests in flight; beyond it the generator waits (and the
   *     waiting counts into the latencies of the requests it delays)
   * @return latencies and counts; when the generator falls 1 s behind its schedule it stops sending
   *     early (the run is then marked {@code behindSchedule})
   */
  public static Result fixedRate(
      IntFunction<CompletableFuture<?>> request,
      double ratePerSecond,
      double seconds,
      int maxOutstanding)
      throws InterruptedException {
    Recorder recorder = new Recorder(MAX_LATENCY_MICROS, 3);
    AtomicLong outstanding = new AtomicLong();
    AtomicLong completed = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long intervalNanos = (long) (1e9 / ratePerSecond);
    long total = (long) (ratePerSecond * seconds);
    long start = System.nanoTime();
    boolean behind = false;
    for (long i = 0; i < total; i++) {
      long intended = start + i * intervalNanos;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(Math.min(wait, 200_000));
      }
      long late = System.nanoTime() - intended;
      if (late > 100_000_000L) {
        behind = true; // 100 ms behind schedule: the rate is not sustainable here
      }
      if (late > 1_000_000_000L) {
        total = i; // 1 s behind: stop sending; the percentiles of what was sent already show the
        // overload
        break;
      }
      while (outstanding.get() >= maxOutstanding) {
        LockSupport.parkNanos(50_000);
      }
      outstanding.incrementAndGet();
      final long intendedStart = intended;
      request
          .apply((int) i)
          .whenComplete(
              (r, e) -> {
                long micros = (System.nanoTime() - intendedStart) / 1000;
                if (e == null) {
                  recorder.recordValue(Math.min(micros, MAX_LATENCY_MICROS));
                  completed.incrementAndGet();
                } else {
                  failed.incrementAndGet();
                }
                outstanding.decrementAndGet();
              });
    }
    awaitDrained(outstanding);
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(
        recorder.getIntervalHistogram(), total, completed.get(), failed.get(), elapsed, behind);
  }

  /**
   * The outcome of {@link #maxSustainableRate}.
   *
   * @param rate the highest offered rate found to be sustainable, requests/s; 0 if none was
   * @param atRate the run at that rate (null if none was sustainable)
   * @param steps every tried rate and its verdict, in order (for the log and the report)
   */
  public record Search(double rate, Result atRate, List<String> steps) {}

  /**
   * Searches the highest fixed rate that is <i>sustainable</i>: an open-loop run at that rate keeps
   * its schedule ({@link Result#behindSchedule()} false), no request fails, and p99 stays at or
   * below {@code p99BoundMillis}. From {@code startRate} it multiplies the rate by 1.5 while runs
   * pass (divides by 2 while they fail, when the first one does, down to 10/s), then bisects
   * geometrically between the last passing and the first failing rate {@code bisections} times.
   * Each step is one run of {@code seconds}; latencies of every run are measured as in {@link
   * #fixedRate}.
   *
   * @param request sends request number {@code i}
   * @param startRate first rate to try, requests/s (&gt; 0; the closed-loop throughput is a good
   *     guess)
   * @param seconds length of each run, s
   * @param p99BoundMillis the p99 latency a sustainable rate must keep, ms
   * @param maxSteps the most runs before bisection (up or down)
   * @param bisections bisection steps
   * @return the rate found and the run at it
   */
  public static Search maxSustainableRate(
      IntFunction<CompletableFuture<?>> request,
      double startRate,
      double seconds,
      double p99BoundMillis,
      int maxSteps,
      int bisections)
      throws InterruptedException {
    List<String> steps = new ArrayList<>();
    double rate = Math.max(1, startRate);
    double pass = 0;
    Result passRun = null;
    double fail = Double.NaN;
    for (int i = 0; i < maxSteps && Double.isNaN(fail); i++) {
      Result r = fixedRate(request, rate, seconds, 10_000);
      boolean ok = sustainable(r, p99BoundMillis);
      steps.add(verdict(rate, r, ok));
      if (ok) {
        pass = rate;
        passRun = r;
        rate *= 1.5;
      } else if (pass > 0) {
        fail = rate;
      } else {
        rate /= 2;
        if (rate < 10) {
          break; // below 10/s a few seconds hold too few requests for a p99
        }
      }
    }
    if (pass > 0 && !Double.isNaN(fail)) {
      for (int i = 0; i < bisections; i++) {
        double mid = Math.sqrt(pass * fail);
        Result r = fixedRate(request, mid, seconds, 10_000);
        boolean ok = sustainable(r, p99BoundMillis);
        steps.add(verdict(mid, r, ok));
        if (ok) {
          pass = mid;
          passRun = r;
        } else {
          fail = mid;
        }
      }
    }
    return new Search(pass, passRun, steps);
  }

  private static boolean sustainable(Result r, double p99BoundMillis) {
    return !r.behindSchedule()
        && r.failed() == 0
        && r.completed() > 0
        && r.millis(99) <= p99BoundMillis;
  }

  private static String verdict(double rate, Result r, boolean ok) {
    return String.format(
        "%,.0f/s: %s (achieved %,.0f/s, p99 %.2f ms%s%s)",
        rate,
        ok ? "sustained" : "not sustained",
        r.throughput(),
        r.completed() == 0 ? Double.NaN : r.millis(99),
        r.behindSchedule() ? ", behind schedule" : "",
        r.failed() > 0 ? ", " + r.failed() + " failed" : "");
  }

  /**
   * Runs a closed loop: {@code concurrency} requests in flight at all times.
   *
   * @param request sends request number {@code i}
   * @param concurrency requests kept in flight
   * @param seconds how long to run, s
   * @return latencies (service times at this load) and counts
   */
  public static Result closedLoop(
      IntFunction<CompletableFuture<?>> request, int concurrency, double seconds)
      throws InterruptedException {
    Recorder recorder = new Recorder(MAX_LATENCY_MICROS, 3);
    AtomicLong outstanding = new AtomicLong();
    AtomicLong completed = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    for (int c = 0; c < concurrency; c++) {
      next(request, recorder, outstanding, completed, failed, sent, end);
    }
    while (System.nanoTime() < end) {
      Thread.sleep(10);
    }
    awaitDrained(outstanding);
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(
        recorder.getIntervalHistogram(), sent.get(), completed.get(), failed.get(), elapsed, false);
  }

  private static void next(
      IntFunction<CompletableFuture<?>> request,
      Recorder recorder,
      AtomicLong outstanding,
      AtomicLong completed,
      AtomicLong failed,
      AtomicLong sent,
      long end) {
    if (System.nanoTime() >= end) {
      return;
    }
    outstanding.incrementAndGet();
    long t0 = System.nanoTime();
    request
        .apply((int) sent.getAndIncrement())
        .whenComplete(
            (r, e) -> {
              if (e == null) {
                recorder.recordValue(Math.min((System.nanoTime() - t0) / 1000, MAX_LATENCY_MICROS));
                completed.incrementAndGet();
              } else {
                failed.incrementAndGet();
              }
              outstanding.decrementAndGet();
              next(request, recorder, outstanding, completed, failed, sent, end);
            });
  }

  private static void awaitDrained(AtomicLong outstanding) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (outstanding.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
  }
}
