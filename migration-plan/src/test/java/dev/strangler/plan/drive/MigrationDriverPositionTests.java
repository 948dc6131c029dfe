package dev.strangler.plan.drive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.plan.admin.RouteStatus;
import dev.strangler.plan.plan.PlanReader;
import dev.strangler.plan.plan.RoutePlan;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MigrationDriverPositionTests {

  @ParameterizedTest(name = "{0} {1}% is at step {2}")
  @CsvSource({
      "legacy, 0, -1",
      "shadow, 0, 0",
      "canary, 10, 1",
      "canary, 50, 2",
      "canary, 30, 1",
      "canary, 5, 0",
      "extracted, 100, 3",
  })
  void aRouteIsAtTheLastStepItHasReached(String mode, int percent, int expected) throws Exception {
    RoutePlan orders = new PlanReader(name -> null).read(Path.of("plans/reference.yaml")).route("orders").orElseThrow();

    int at = MigrationDriver.position(orders, new RouteStatus("orders", mode, percent, null, 0, null, null, 0, null));

    assertThat(at).isEqualTo(expected);
  }
}
