package dev.strangler.sync.deployment;

/** A catch-up asked of a pipeline that is not applying (paused, failed, stopped, retired or disabled). */
public class PipelineCannotCatchUpException extends RuntimeException {

  public PipelineCannotCatchUpException(String message) {
    super(message);
  }
}
