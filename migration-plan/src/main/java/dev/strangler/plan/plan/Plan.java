package dev.strangler.plan.plan;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A migration plan: where the gateway's and cdc-sync's admin APIs are, the pipelines the plan
 * relies on, and the routes in the order they are migrated.
 *
 * @param file the file it was read from
 * @param gateway the gateway's admin API, if the plan names it
 * @param sync cdc-sync's admin API, if the plan names it
 * @param pipelines the cdc-sync pipelines routes may name
 * @param routes the routes, migrated in this order
 */
public record Plan(Path file, Optional<AdminEndpoint> gateway, Optional<AdminEndpoint> sync,
                   List<String> pipelines, List<RoutePlan> routes) {

  public Optional<RoutePlan> route(String name) {
    return routes.stream().filter(route -> route.name().equals(name)).findFirst();
  }

  /**
   * An admin API.
   *
   * @param url its base URL (the part before {@code /admin})
   * @param token its bearer token, {@code ${ENV}} resolved; may be null
   */
  public record AdminEndpoint(URI url, String token) {}
}
