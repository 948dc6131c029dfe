package dev.strangler.sync.mapping;

/** A pipeline's configuration does not fit the live databases; the message names pipeline, table and column. */
public class InvalidPipelineException extends RuntimeException {

  public InvalidPipelineException(String message) {
    super(message);
  }
}
