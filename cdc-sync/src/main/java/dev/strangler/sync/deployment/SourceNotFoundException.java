package dev.strangler.sync.deployment;

/** No enabled pipeline reads a datasource of that name. */
public class SourceNotFoundException extends RuntimeException {

  public SourceNotFoundException(String name) {
    super("no enabled pipeline reads a source datasource '" + name + "'");
  }
}
