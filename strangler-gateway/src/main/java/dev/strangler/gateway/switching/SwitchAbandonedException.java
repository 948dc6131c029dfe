package dev.strangler.gateway.switching;

/** A fenced switch did not go ahead: the route stays as it was and nothing is held. */
public class SwitchAbandonedException extends RuntimeException {

  private final boolean inProgress;

  SwitchAbandonedException(String message, boolean inProgress) {
    super(message);
    this.inProgress = inProgress;
  }

  /** Whether it never started because another switch of the route was holding it. */
  public boolean inProgress() {
    return inProgress;
  }
}
