package dev.strangler.plan.gates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.plan.admin.PipelineStatus;
import dev.strangler.plan.admin.RouteStatus;
import dev.strangler.plan.admin.VerifyResult;
import dev.strangler.plan.plan.Gates;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class GateEvaluatorTests {

  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

  private static RouteStatus canary(double errorRate, double p99) {
    return new RouteStatus("orders", "canary", 10, NOW.minusSeconds(40), 200, errorRate, p99, 0, null);
  }

  @Test
  void allGatesHoldWhenEveryFigureIsWithinItsLimit() {
    Gates gates = new Gates(Duration.ofSeconds(30), 0.01, Duration.ofMillis(500), null, Duration.ofSeconds(2), true);

    List<GateResult> results = GateEvaluator.evaluate(gates, NOW.minusSeconds(40), NOW, canary(0.005, 120),
        List.of(new PipelineStatus("orders-forward", "RUNNING", 80.0, 0, 0, null)),
        () -> List.of(new VerifyResult("orders-forward", true, 10, 10, List.of())));

    assertThat(results).allMatch(GateResult::holds).extracting(GateResult::gate)
        .containsExactly("for", "max-error-rate", "max-p99", "max-lag orders-forward", "diff orders-forward");
  }

  @Test
  void aBrokenGateSaysByHowMuch() {
    Gates gates = new Gates(Duration.ZERO, 0.01, Duration.ofMillis(500), null, null, false);

    List<GateResult> results = GateEvaluator.evaluate(gates, NOW, NOW, canary(0.034, 730), List.of(), List::of);

    assertThat(results).filteredOn(result -> !result.holds()).extracting(GateResult::detail)
        .containsExactly("3.40% > 1.00% over 200 requests (over by 2.40%)", "p99 730.0 ms > 500 ms (over by 230.0 ms)");
  }

  @Test
  void aStepHeldTooShortFailsTheForGateWithTheTimeToGo() {
    Gates gates = new Gates(Duration.ofSeconds(30), null, null, null, null, false);

    List<GateResult> results = GateEvaluator.evaluate(gates, NOW.minusSeconds(10), NOW, canary(0, 1), List.of(), List::of);

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.holds()).isFalse();
      assertThat(result.detail()).contains("20.0s to go");
    });
  }

  @Test
  void aPausedPipelineFailsTheLagGate() {
    Gates gates = new Gates(Duration.ZERO, null, null, null, Duration.ofSeconds(2), false);

    List<GateResult> results = GateEvaluator.evaluate(gates, NOW, NOW, canary(0, 1),
        List.of(new PipelineStatus("members-forward", "PAUSED", 10.0, 0, 0, null)), List::of);

    assertThat(results).singleElement().satisfies(result -> assertThat(result.holds()).isFalse());
  }

  @Test
  void aDifferenceFailsTheDiffGateAndNamesTheKeys() {
    Gates gates = new Gates(Duration.ZERO, null, null, null, null, true);

    List<GateResult> results = GateEvaluator.evaluate(gates, NOW, NOW, canary(0, 1), List.of(),
        () -> List.of(new VerifyResult("members-forward", false, 10, 9, List.of("id=7"))));

    assertThat(results).singleElement().satisfies(result -> {
      assertThat(result.holds()).isFalse();
      assertThat(result.detail()).contains("1 differing keys").contains("id=7");
    });
  }

  @Test
  void noTrafficYetDoesNotFailARateGate() {
    Gates gates = new Gates(Duration.ZERO, 0.01, Duration.ofMillis(500), null, null, false);
    RouteStatus quiet = new RouteStatus("orders", "canary", 10, NOW, 0, null, null, 0, null);

    assertThat(GateEvaluator.evaluate(gates, NOW, NOW, quiet, List.of(), List::of)).allMatch(GateResult::holds);
  }
}
