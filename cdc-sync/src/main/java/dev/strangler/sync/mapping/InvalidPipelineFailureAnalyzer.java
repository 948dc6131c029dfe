package dev.strangler.sync.mapping;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Ends a start-up stopped by pipelines that do not fit the databases with their problems, one a
 * line, each naming pipeline, table and column; the stack trace stays at DEBUG.
 */
class InvalidPipelineFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPipelineException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, InvalidPipelineException cause) {
    boolean missingTarget = cause.getMessage().contains("The missing target tables of pipeline");
    return new FailureAnalysis(cause.getMessage(),
        "Fix the strangler.sync.pipelines.<name> properties named above, or the databases' tables"
            + (missingTarget ? " (a missing target table: run its CREATE TABLE above on the target, or set "
            + "strangler.sync.pipelines.<name>.create-target: true)" : "") + ", and start cdc-sync again.", cause);
  }
}
