package dev.slicestore.bench;

import java.util.List;

/**
 * One measured load configuration of the serving benchmarks: who was measured ({@code group}: a
 * phase such as "after compaction", or a system such as "Feast"), entities per request, the offered
 * load, and the latencies, medians over the runs.
 *
 * @param group the phase or system measured
 * @param entities entities per request
 * @param load the offered load as shown in tables ("1,000/s", "max (closed loop, 16 in flight)")
 * @param achieved completed requests per second
 * @param p50 latency percentiles and maximum, ms
 * @param failed failed requests over all runs
 * @param behind true if any run fell behind its schedule (the load was not sustained)
 */
record LoadPoint(
    String group,
    int entities,
    String load,
    double achieved,
    double p50,
    double p99,
    double p999,
    double max,
    long failed,
    boolean behind) {

  /**
   * @return the point of several runs of one configuration: medians of each figure, failures summed
   */
  static LoadPoint median(
      String group, int entities, String load, List<LoadGenerator.Result> runs) {
    return new LoadPoint(
        group,
        entities,
        load,
        Stats.median(runs, LoadGenerator.Result::throughput),
        Stats.median(runs, x -> x.millis(50)),
        Stats.median(runs, x -> x.millis(99)),
        Stats.median(runs, x -> x.millis(99.9)),
        Stats.median(runs, x -> x.latencyMicros().getMaxValue() / 1000.0),
        runs.stream().mapToLong(LoadGenerator.Result::failed).sum(),
        runs.stream().anyMatch(LoadGenerator.Result::behindSchedule));
  }

  /**
   * @return a one-line summary for the progress log
   */
  String describe() {
    return String.format(
        "%s, %d entities, %s: %,.0f req/s, p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%s%s",
        group,
        entities,
        load,
        achieved,
        p50,
        p99,
        p999,
        behind ? " (not sustained)" : "",
        failed > 0 ? ", " + failed + " failed" : "");
  }
}
