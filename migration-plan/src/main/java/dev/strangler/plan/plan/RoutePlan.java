package dev.strangler.plan.plan;

import java.net.URI;
import java.util.List;

/**
 * One route's migration.
 *
 * @param name the gateway route's name
 * @param paths the path patterns the route owns
 * @param legacy the monolith's URI, or null for the gateway's default
 * @param extracted the new service's URI
 * @param pipelines the cdc-sync pipelines that keep the route's data in step
 * @param steps the steps in order; the last is {@code extracted}
 */
public record RoutePlan(String name, List<String> paths, URI legacy, URI extracted,
                        List<String> pipelines, List<Step> steps) {

  /** The index of the step a route in this mode and percent is at, or -1 before the first. */
  public int stepIndexOf(Step.Kind mode, int percent) {
    for (int i = steps.size() - 1; i >= 0; i--) {
      Step step = steps.get(i);
      if (step.kind() == mode && (mode != Step.Kind.CANARY || step.percent() == percent)) {
        return i;
      }
    }
    return -1;
  }
}
