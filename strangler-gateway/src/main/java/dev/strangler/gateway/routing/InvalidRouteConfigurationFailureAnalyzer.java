package dev.strangler.gateway.routing;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad route setting into a start-up report that names the property. */
class InvalidRouteConfigurationFailureAnalyzer
    extends AbstractFailureAnalyzer<InvalidRouteConfigurationException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidRouteConfigurationException cause) {
    return new FailureAnalysis("Invalid gateway configuration: " + cause.getMessage(),
        "Fix the property '" + cause.property() + "' and start the gateway again.", cause);
  }
}
