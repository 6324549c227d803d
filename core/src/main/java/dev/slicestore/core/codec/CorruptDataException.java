package dev.slicestore.core.codec;

/**
 * Thrown when stored bytes (a row pre-aggregate, an accumulator or a compacted entry) cannot be
 * decoded: truncated, an unknown serialization version, or values out of range.
 */
public class CorruptDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message what is wrong, e.g. "Corrupt accumulator: serialization version 9 not
   *     recognized"
   */
  public CorruptDataException(String message) {
    super(message);
  }
}
