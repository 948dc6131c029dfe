package dev.strangler.sync;

import dev.strangler.testkit.Boundaries;
import org.junit.jupiter.api.Test;

/** The boundaries this module's build checks (see {@link Boundaries}). */
class ModuleBoundariesTests {

  @Test
  void neverDependsOnTheExampleModules() {
    Boundaries.toolkitNeverDependsOnExamples("dev.strangler.sync").check(Boundaries.productionClasses("dev.strangler.sync"));
  }

  @Test
  void hasNoPackageCycles() {
    Boundaries.noCycles("dev.strangler.sync").check(Boundaries.productionClasses("dev.strangler.sync"));
  }
}
