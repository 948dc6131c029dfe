package dev.strangler.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;

/**
 * The module boundaries a build checks (ArchUnit): the toolkit (gateway, cdc-sync, migration plan,
 * dashboard) never depends on the reference migration's example modules; both may use the small
 * shared ones (embedded infrastructure, test kit).
 */
public final class Boundaries {

  /** The packages of the example modules: the reference monolith, its extracted services, their stubs, the sandbox. */
  public static final String[] EXAMPLE_PACKAGES = {
      "dev.strangler.monolith..", "dev.strangler.signup..", "dev.strangler.orders..", "dev.strangler.paymentstub..",
      "dev.strangler.contract..", "dev.strangler.sandbox.."};

  private Boundaries() {}

  /** The production classes of a module, by its root package. */
  public static JavaClasses productionClasses(String rootPackage) {
    return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages(rootPackage);
  }

  /** @param toolkitPackage a toolkit module's root package */
  public static ArchRule toolkitNeverDependsOnExamples(String toolkitPackage) {
    return noClasses().that().resideInAPackage(toolkitPackage + "..")
        .should().dependOnClassesThat().resideInAnyPackage(EXAMPLE_PACKAGES)
        .because("toolkit modules never depend on example modules");
  }

  /** No cycles between the packages right under {@code rootPackage} (each with its subpackages). */
  public static ArchRule noCycles(String rootPackage) {
    return SlicesRuleDefinition.slices().matching(rootPackage + ".(*)..").should().beFreeOfCycles();
  }
}
