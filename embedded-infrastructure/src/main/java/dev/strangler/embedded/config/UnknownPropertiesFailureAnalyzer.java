package dev.strangler.embedded.config;

import java.util.stream.Collectors;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Ends a start-up stopped by unknown keys with one line per key, and nothing else. */
class UnknownPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<UnknownPropertiesException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, UnknownPropertiesException cause) {
    String keys = cause.properties().stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    return new FailureAnalysis("Unknown configuration properties (no setting of this app has these names):\n" + keys,
        "Correct the spelling of each key listed above, or remove it.", cause);
  }
}
