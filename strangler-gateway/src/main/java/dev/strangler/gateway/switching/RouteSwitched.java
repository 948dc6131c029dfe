package dev.strangler.gateway.switching;

import dev.strangler.gateway.routing.RouteState;

/**
 * A route's live state changed on this replica (by this replica or by hearing of another's).
 *
 * @param route the route name
 * @param before the state that was live
 * @param after the state that is live now
 * @param local whether this replica made the switch
 */
public record RouteSwitched(String route, RouteState before, RouteState after, boolean local) {}
