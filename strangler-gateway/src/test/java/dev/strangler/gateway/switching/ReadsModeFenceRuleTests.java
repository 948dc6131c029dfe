package dev.strangler.gateway.switching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strangler.gateway.routing.Mode;
import dev.strangler.gateway.routing.RouteState;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReadsModeFenceRuleTests {

  @ParameterizedTest(name = "{0} {1}% -> {2} {3}%: fenced {4}")
  @CsvSource({
      "legacy, 0, reads, 0, true",
      "shadow, 0, reads, 0, true",
      "reads, 0, shadow, 0, true",
      "reads, 0, legacy, 0, true",
      "reads, 0, canary, 10, true",
      "reads, 0, extracted, 0, true",
      "canary, 10, reads, 0, true",
      "extracted, 0, reads, 0, true",
      "legacy, 0, shadow, 0, false",
      "reads, 0, reads, 0, false"})
  void fencesEverySwitchThatMovesReadsOrWrites(String from, double fromPercent, String to, double toPercent,
      boolean fenced) {
    assertThat(SwitchFence.handsOver(Mode.parse(from), fromPercent, Mode.parse(to), toPercent)).isEqualTo(fenced);
  }

  @ParameterizedTest(name = "reads after {0}, automatic {1} -> {2}")
  @CsvSource({"shadow, true, shadow", "legacy, true, shadow", "shadow, false, shadow", "canary, false, legacy"})
  void rollsReadsBackToShadowWhenAutomatic(String previous, boolean automatic, String expected) {
    RouteState reads = new RouteState(Mode.READS, 0, 3, Mode.parse(previous), previous.equals("canary") ? 5 : 0,
        Instant.now(), "test", "test");
    assertThat(RouteSwitcher.rollbackTarget(reads, automatic)).get()
        .extracting(RouteSwitcher.Destination::mode).isEqualTo(Mode.parse(expected));
  }
}
