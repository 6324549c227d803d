package dev.slicestore.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The request load the serving benchmarks offer, from the {@code --set} options both read: {@code
 * serving.seconds} per point (default 20, smoke 0.5), {@code serving.rates} (requests/s, default
 * 100,1000,5000, smoke 100,300) and {@code serving.concurrency} of the closed loop (default 16,
 * smoke 8).
 *
 * @param seconds length of each measured point, s
 * @param rates the fixed rates, requests/s
 * @param concurrency requests in flight in the closed loop
 */
record ServingLoad(double seconds, List<Double> rates, int concurrency) {
  /**
   * @return the load the options ask for
   */
  static ServingLoad of(BenchContext.Options o) {
    double seconds =
        o.overrides().containsKey("serving.seconds")
            ? Double.parseDouble(o.overrides().get("serving.seconds"))
            : o.smoke() ? 0.5 : 20;
    List<Double> rates = new ArrayList<>();
    for (String r :
        o.overrides()
            .getOrDefault("serving.rates", o.smoke() ? "100,300" : "100,1000,5000")
            .split(",")) {
      rates.add(Double.parseDouble(r.trim()));
    }
    return new ServingLoad(seconds, List.copyOf(rates), (int) o.size("serving.concurrency", 16, 8));
  }
}
