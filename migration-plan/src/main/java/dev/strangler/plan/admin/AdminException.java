package dev.strangler.plan.admin;

/** An admin call that did not succeed, with a message for the person at the terminal. */
public class AdminException extends RuntimeException {

  /** {@code ABANDONED}: a fenced switch the gateway gave up on (cdc-sync had not caught up): nothing changed, it may be retried. */
  public enum Kind { UNREACHABLE, UNAUTHORIZED, NOT_FOUND, REJECTED, ABANDONED }

  private final Kind kind;

  public AdminException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
