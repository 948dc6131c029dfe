package dev.strangler.sync.capture;

import java.util.function.BooleanSupplier;

/**
 * Where the engine's thread waits (Kafka away, a late lease renewal) instead of sleeping: woken at
 * once when the engine stops or its lease is renewed, so a stop never waits out a back-off.
 */
final class EngineWakeup {

  /**
   * Waits until woken or {@code millis} passed, unless {@code over} holds already; the caller
   * checks its condition again (a wake-up may be spurious).
   *
   * @param over checked under the lock that {@link #wake} takes, so a wake-up after it is not missed
   */
  synchronized void await(BooleanSupplier over, long millis) throws InterruptedException {
    if (!over.getAsBoolean() && millis > 0) {
      wait(millis);
    }
  }

  /** Wakes every wait; call after changing what the waits check. */
  synchronized void wake() {
    notifyAll();
  }
}
