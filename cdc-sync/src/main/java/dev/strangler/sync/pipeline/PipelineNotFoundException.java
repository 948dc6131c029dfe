package dev.strangler.sync.pipeline;

/** No pipeline by that name. */
public class PipelineNotFoundException extends RuntimeException {

  public PipelineNotFoundException(String name) {
    super("no pipeline '" + name + "'");
  }
}
