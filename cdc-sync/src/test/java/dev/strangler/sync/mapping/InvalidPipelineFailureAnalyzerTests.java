package dev.strangler.sync.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

class InvalidPipelineFailureAnalyzerTests {

  @Test
  void reportsOnlyTheProblemsOfAPipelineThatDoesNotFit() {
    String problems = "cdc-sync configuration does not fit the databases:\n"
        + "strangler.sync.pipelines.broken does not fit the databases:\n"
        + "  pipeline 'broken', tables[0] members → accounts: target table public.accounts does not exist";
    BeanCreationException failure = new BeanCreationException("pipelines", "Failed to instantiate",
        new InvalidPipelineException(problems));

    FailureAnalysis analysis = new InvalidPipelineFailureAnalyzer().analyze(failure);

    assertThat(analysis.getDescription()).isEqualTo(problems);
    assertThat(analysis.getAction()).isEqualTo("Fix the strangler.sync.pipelines.<name> properties named above, "
        + "or the databases' tables, and start cdc-sync again.");
  }
}
