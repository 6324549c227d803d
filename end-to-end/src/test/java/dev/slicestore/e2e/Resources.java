package dev.slicestore.e2e;

/** Tear-down of the resources an end-to-end test class opened. */
final class Resources {

  private Resources() {}

  /**
   * Closes each resource that is not null, in the order given (the ones opened last first); the
   * first that fails stops the tear-down with its exception.
   */
  static void closeInOrder(AutoCloseable... resources) throws Exception {
    for (AutoCloseable r : resources) {
      if (r != null) {
        r.close();
      }
    }
  }
}
