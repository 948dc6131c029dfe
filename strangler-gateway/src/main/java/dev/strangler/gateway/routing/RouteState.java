package dev.strangler.gateway.routing;

import java.time.Instant;

/**
 * A route's live mode. Immutable; a switch replaces the whole state.
 *
 * @param mode who serves the route
 * @param percent the canary share (0–100); meaningful in canary mode
 * @param version 0 for the mode from config, then +1 per stored switch
 * @param previousMode the mode before the last switch, or null
 * @param previousPercent the percent before the last switch
 * @param updatedAt when the last switch happened (start-up for the config mode)
 * @param updatedBy who made it ({@code config} for the config mode)
 * @param reason why
 */
public record RouteState(Mode mode, double percent, long version, Mode previousMode,
                         double previousPercent, Instant updatedAt, String updatedBy, String reason) {

  /** The share of writes the new service serves in this state, 0–100 (reads mode: none). */
  public double newShare() {
    return mode.writeShare(percent);
  }
}
