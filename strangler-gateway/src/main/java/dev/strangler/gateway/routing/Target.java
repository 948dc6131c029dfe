package dev.strangler.gateway.routing;

/** Which backend served a request; the value of {@code X-Strangler-Target} and the metric tag. */
public enum Target {
  LEGACY("legacy"), EXTRACTED("extracted");

  private final String id;

  Target(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }
}
