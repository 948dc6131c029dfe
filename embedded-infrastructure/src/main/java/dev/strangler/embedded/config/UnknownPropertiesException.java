package dev.strangler.embedded.config;

import java.util.List;

/** Start-up stopped because keys under {@code strangler.} are not known to the app. */
public class UnknownPropertiesException extends IllegalStateException {

  private final List<UnknownProperty> properties;

  public UnknownPropertiesException(List<UnknownProperty> properties) {
    super("Unknown configuration properties:\n  "
        + String.join("\n  ", properties.stream().map(UnknownProperty::toString).toList()));
    this.properties = List.copyOf(properties);
  }

  /** Every unknown key, in property-source order (highest precedence first). */
  public List<UnknownProperty> properties() {
    return properties;
  }
}
