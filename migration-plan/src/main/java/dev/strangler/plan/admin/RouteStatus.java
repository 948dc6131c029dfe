package dev.strangler.plan.admin;

import java.time.Instant;

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
 */
public record RouteStatus(String name, String mode, int percent, Instant since, long newSideRequests,
                          Double newSideErrorRate, Double newSideP99Millis, long shadowCompared,
                          Double shadowMismatchRate) {}
