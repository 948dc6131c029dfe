package dev.strangler.gateway;

import dev.strangler.testkit.Boundaries;
import org.junit.jupiter.api.Test;

/** The boundaries this module's build checks (see {@link Boundaries}). */
class ModuleBoundariesTests {

  @Test
  void neverDependsOnTheExampleModules() {
    Boundaries.toolkitNeverDependsOnExamples("dev.strangler.gateway").check(Boundaries.productionClasses("dev.strangler.gateway"));
  }

  /** Serving a request never waits on a database: routing and shadowing read the route table in memory. */
  @Test
  void theRequestPathNeverReachesJdbc() {
    com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
        .that().resideInAnyPackage("dev.strangler.gateway.routing..", "dev.strangler.gateway.shadow..")
        .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.springframework.jdbc..",
            "dev.strangler.gateway.controlstore..")
        .because("the request path never reaches JDBC")
        .check(Boundaries.productionClasses("dev.strangler.gateway"));
  }

  @Test
  void itsPackagesHaveNoCycles() {
    Boundaries.noCycles("dev.strangler.gateway").check(Boundaries.productionClasses("dev.strangler.gateway"));
  }
}
