package dev.strangler.plan.plan;

import java.util.Locale;

/**
 * A step of a route's migration and the gates that must hold before the next one.
 *
 * @param kind what the route does during the step
 * @param percent share of keys on the new side, for {@code canary}; 0 for shadow and reads, 100 for extracted
 * @param gates what must hold, for at least {@link Gates#minDuration()}
 * @param line the step's line in the plan file, for messages
 */
public record Step(Kind kind, int percent, Gates gates, int line) {

  public enum Kind {
    // in the order a route moves; reads: safe requests on the new side, writes on legacy
    SHADOW, READS, CANARY, EXTRACTED;

    /** The gateway's name for the mode. */
    public String mode() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public String describe() {
    return kind == Kind.CANARY ? "canary " + percent + "%" : kind.mode();
  }
}
