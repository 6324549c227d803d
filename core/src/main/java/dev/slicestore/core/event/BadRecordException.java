package dev.slicestore.core.event;

/**
 * A record cannot be applied. Carries the {@link RejectReason} and a message that says what is
 * wrong with this record, e.g. {@code field Quantity: expected long, got string "abc"}.
 */
public class BadRecordException extends Exception {
  private static final long serialVersionUID = 1L;
  private final RejectReason reason;

  /**
   * @param reason the category (never null)
   * @param message the detail for the dead-letter record
   */
  public BadRecordException(RejectReason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /**
   * @return the category
   */
  public RejectReason reason() {
    return reason;
  }
}
