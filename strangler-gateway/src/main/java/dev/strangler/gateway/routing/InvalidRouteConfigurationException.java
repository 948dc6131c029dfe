package dev.strangler.gateway.routing;

/** A route setting that stops start-up; the message starts with the property's full name. */
public class InvalidRouteConfigurationException extends IllegalStateException {

  private final String property;

  /**
   * @param property the full property name, e.g. {@code strangler.gateway.routes.orders.paths[1]}
   * @param problem what is wrong with it
   */
  public InvalidRouteConfigurationException(String property, String problem) {
    super(property + ": " + problem);
    this.property = property;
  }

  public String property() {
    return property;
  }
}
