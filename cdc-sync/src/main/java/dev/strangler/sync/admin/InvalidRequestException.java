package dev.strangler.sync.admin;

/** A request the admin API cannot take as it is (400). */
final class InvalidRequestException extends RuntimeException {

  InvalidRequestException(String message) {
    super(message);
  }
}
