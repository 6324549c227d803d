package dev.slicestore.core.testing;

import java.util.Random;

/**
 * Seeds for randomized tests. Every randomized test draws from {@code new Random(seed)} created
 * fresh per test, and prints the seed, so a failure can be replayed exactly with {@code mvn -pl
 * core install -Dslicestore.seed=N -Dtest=...}.
 *
 * <p>Without the property a new seed is chosen per JVM (more coverage run after run); the seed is
 * printed to the test's output file ({@code core/target/surefire-reports/*-output.txt}) and is part
 * of every assertion description in the randomized tests.
 */
public final class Seeds {
  /** The system property that fixes the seed. */
  public static final String PROPERTY = "slicestore.seed";

  private static final long BASE = chooseBase();

  private Seeds() {}

  private static long chooseBase() {
    String fixed = System.getProperty(PROPERTY);
    if (fixed != null && !fixed.isBlank()) {
      return Long.parseLong(fixed.trim());
    }
    return new Random().nextLong();
  }

  /**
   * @return the seed of this run (from {@value #PROPERTY}, or chosen at random once per JVM)
   */
  public static long seed() {
    return BASE;
  }

  /**
   * Prints the seed for {@code test} and returns a generator seeded with it.
   *
   * @param test a name for the log line, e.g. {@code "SlicingTest.inWindowMatchesIntervals"}
   */
  public static Random random(String test) {
    System.out.println(
        "[seed] " + test + ": seed=" + BASE + " (replay with -D" + PROPERTY + "=" + BASE + ")");
    return new Random(BASE);
  }

  /**
   * @return a short description for {@code assertThat(..).as(..)}: {@code "seed=N"}
   */
  public static String describe() {
    return "seed=" + BASE + " (-D" + PROPERTY + "=" + BASE + ")";
  }
}
