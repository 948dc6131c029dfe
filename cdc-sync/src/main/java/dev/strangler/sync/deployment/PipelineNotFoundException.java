package dev.strangler.sync.deployment;

/** No pipeline by that name. */
public class PipelineNotFoundException extends RuntimeException {

  public PipelineNotFoundException(String name) {
    super("no pipeline '" + name + "'");
  }
}
