package dev.strangler.plan;

import dev.strangler.testkit.Boundaries;
import org.junit.jupiter.api.Test;

/** The boundaries this module's build checks (see {@link Boundaries}). */
class ModuleBoundariesTests {

  @Test
  void neverDependsOnTheExampleModules() {
    Boundaries.toolkitNeverDependsOnExamples("dev.strangler.plan").check(Boundaries.productionClasses("dev.strangler.plan"));
  }
}
