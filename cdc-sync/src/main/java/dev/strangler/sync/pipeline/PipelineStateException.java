package dev.strangler.sync.pipeline;

/** The operation does not fit the pipeline's state (e.g. resuming a retired pipeline). */
public class PipelineStateException extends RuntimeException {

  public PipelineStateException(String message) {
    super(message);
  }
}
