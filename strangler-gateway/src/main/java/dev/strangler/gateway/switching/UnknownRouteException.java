package dev.strangler.gateway.switching;

/** No route has that name. */
public class UnknownRouteException extends RuntimeException {

  /** @param route the name asked for */
  public UnknownRouteException(String route) {
    super("no route named '" + route + "'");
  }
}
