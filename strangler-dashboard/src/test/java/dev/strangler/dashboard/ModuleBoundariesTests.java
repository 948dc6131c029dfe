package dev.strangler.dashboard;

import dev.strangler.testkit.Boundaries;
import org.junit.jupiter.api.Test;

/** The boundaries this module's build checks (see {@link Boundaries}). */
class ModuleBoundariesTests {

  @Test
  void neverDependsOnTheExampleModules() {
    Boundaries.toolkitNeverDependsOnExamples("dev.strangler.dashboard").check(Boundaries.productionClasses("dev.strangler.dashboard"));
  }
}
