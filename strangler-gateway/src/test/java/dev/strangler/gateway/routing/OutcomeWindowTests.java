package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutcomeWindowTests {

  private static final long MS = 1_000_000;

  @Test
  void countsErrorsAndReportsTheBinOfTheNinetyNinthPercentile() {
    OutcomeWindow window = new OutcomeWindow(Duration.ofSeconds(10));
    long now = 1_000_000_000L;
    for (int i = 0; i < 98; i++) {
      window.record(now, 4 * MS, false);
    }
    window.record(now, 40 * MS, true);
    window.record(now, 400 * MS, true);
    OutcomeWindow.Snapshot snapshot = window.snapshot(now);
    assertThat(snapshot.requests()).isEqualTo(100);
    assertThat(snapshot.errors()).isEqualTo(2);
    assertThat(snapshot.errorRate()).isEqualTo(0.02);
    assertThat(snapshot.p99Millis()).isEqualTo(50);
  }

  @Test
  void forgetsOutcomesOlderThanTheWindow() {
    OutcomeWindow window = new OutcomeWindow(Duration.ofSeconds(5));
    long start = 1_000_000_000L;
    window.record(start, MS, true);
    window.record(start + 3_000, MS, false);
    assertThat(window.snapshot(start + 4_000).requests()).isEqualTo(2);
    assertThat(window.snapshot(start + 6_000).requests()).isEqualTo(1);
    assertThat(window.snapshot(start + 6_000).errors()).isZero();
    assertThat(window.snapshot(start + 20_000).requests()).isZero();
    assertThat(window.snapshot(start + 20_000).p99Millis()).isEqualTo(-1);
  }

  @Test
  void startsEmptyAfterAReset() {
    OutcomeWindow window = new OutcomeWindow(Duration.ofSeconds(5));
    window.record(1_000_000L, MS, true);
    window.reset();
    assertThat(window.snapshot(1_000_000L).requests()).isZero();
  }
}
