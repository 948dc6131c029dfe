package dev.strangler.sync.verify;

/** A whole verify or a repair of the pipeline is already running on this instance (409). */
public final class VerifyRunningException extends RuntimeException {

  VerifyRunningException(String message) {
    super(message);
  }
}
