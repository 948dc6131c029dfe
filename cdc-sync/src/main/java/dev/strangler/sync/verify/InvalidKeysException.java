package dev.strangler.sync.verify;

/** A key list the verifier or the repair cannot take (400); the message names the entry and the field. */
public final class InvalidKeysException extends RuntimeException {

  InvalidKeysException(String message) {
    super(message);
  }
}
