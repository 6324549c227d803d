package dev.slicestore.training;

/**
 * A training-set run refused because some spine rows cannot be answered by the offline store
 * ({@link UncoveredPolicy#FAIL}); nothing was written. The message gives the number of rows, their
 * time range and what the offline store covers.
 */
public final class TrainingSetRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what was refused and why, in plain words
   */
  public TrainingSetRefusedException(String message) {
    super(message);
  }
}
