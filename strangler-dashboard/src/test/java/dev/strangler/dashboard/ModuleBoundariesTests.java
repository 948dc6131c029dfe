package dev.strangler.dashboard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.strangler.testkit.Boundaries;
import org.junit.jupiter.api.Test;

/** The boundaries this module's build checks (see {@link Boundaries}). */
class ModuleBoundariesTests {

  @Test
  void neverDependsOnTheExampleModules() {
    Boundaries.toolkitNeverDependsOnExamples("dev.strangler.dashboard").check(Boundaries.productionClasses("dev.strangler.dashboard"));
  }

  @Test
  void reachesItsHostOnlyThroughDashboardHostNeverByReflection() {
    // the gateway depends on this module: a way back by class name or reflection would be a hidden cycle
    noClasses().should().dependOnClassesThat().resideInAnyPackage("java.lang.reflect..", "dev.strangler.gateway..")
        .orShould().callMethod(org.springframework.util.ClassUtils.class, "forName", String.class, ClassLoader.class)
        .check(Boundaries.productionClasses("dev.strangler.dashboard"));
  }
}
