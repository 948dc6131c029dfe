package dev.strangler.embedded.config;

/**
 * A key under {@code strangler.} that no {@code @ConfigurationProperties} of the app binds.
 *
 * @param name the key as written, e.g. {@code strangler.gateway.routes.x.mdoe}
 * @param origin where it was set: a file and line when Spring knows them, else the property
 *     source's name (e.g. {@code commandLineArgs})
 * @param suggestion the nearest known key, {@code null} when none is close
 */
public record UnknownProperty(String name, String origin, String suggestion) {

  /** One line: the key, where it came from, and the nearest known key. */
  @Override
  public String toString() {
    return name + " (" + origin + ")"
        + (suggestion == null ? ": not a known property" : ": did you mean " + suggestion + "?");
  }
}
