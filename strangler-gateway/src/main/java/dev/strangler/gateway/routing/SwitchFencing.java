package dev.strangler.gateway.routing;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * What a switch of one route waits for (validated config).
 *
 * @param adminUrl cdc-sync's admin API without a trailing slash, or null when not fenced
 * @param token cdc-sync's admin token, or null
 * @param pipelines pipelines that must catch up before the route flips; empty means not fenced
 * @param switchTimeout how long requests may be held before the switch is abandoned
 * @param maxHeld requests held at most; more are answered 503 at once
 * @param reversePipelines new → legacy pipelines checked end to end before the new side takes
 *     writes (the way back); may be empty
 */
public record SwitchFencing(URI adminUrl, String token, List<String> pipelines, Duration switchTimeout,
                            int maxHeld, List<String> reversePipelines) {

  /**
   * The pipelines a switch waits for: all of {@code pipelines}, plus the way back when the new
   * side takes writes before or after the switch — before, so that the writes it took are on
   * legacy when legacy takes them again; after, to prove the way back works.
   */
  public List<String> waitedFor(boolean newSideWrites) {
    if (!newSideWrites || reversePipelines.isEmpty()) {
      return pipelines;
    }
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(pipelines);
    all.addAll(reversePipelines);
    return List.copyOf(all);
  }

  /** Whether a switch holds the route and waits for cdc-sync. */
  public boolean fenced() {
    return !pipelines.isEmpty();
  }
}
