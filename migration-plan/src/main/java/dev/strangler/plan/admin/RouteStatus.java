package dev.strangler.plan.admin;

import java.time.Instant;
import java.util.List;

/**
 * A route as the gateway reports it.
 *
 * @param name route name
 * @param mode legacy, shadow, canary or extracted
 * @param percent canary percent (0 unless canary)
 * @param since when the route entered its current mode, null if unknown
 * @param newSideRequests requests the new side answered in the gateway's window
 * @param newSideErrorRate share of them that failed (5xx or no answer), null without requests
 * @param newSideP99Millis their 99th-percentile latency, null without requests
 * @param shadowCompared shadow comparisons made
 * @param shadowMismatchRate share of them that differed, null without comparisons
 * @param fencedPipelines the cdc-sync pipelines the gateway waits for on a switch of the route
 *     ({@code strangler.gateway.routes.<route>.sync.pipelines}); empty when not fenced
 */
public record RouteStatus(String name, String mode, int percent, Instant since, long newSideRequests,
                          Double newSideErrorRate, Double newSideP99Millis, long shadowCompared,
                          Double shadowMismatchRate, List<String> fencedPipelines) {

  public RouteStatus {
    fencedPipelines = fencedPipelines == null ? List.of() : List.copyOf(fencedPipelines);
  }

  /** A route without fenced pipelines. */
  public RouteStatus(String name, String mode, int percent, Instant since, long newSideRequests, Double newSideErrorRate,
                     Double newSideP99Millis, long shadowCompared, Double shadowMismatchRate) {
    this(name, mode, percent, since, newSideRequests, newSideErrorRate, newSideP99Millis, shadowCompared,
        shadowMismatchRate, List.of());
  }
}
