package dev.strangler.gateway.shadow;

import java.net.URI;

/**
 * What shadowing needs of a route: built once per route, so shadowing depends on nothing of
 * routing.
 *
 * @param name the route's name, for the logs
 * @param policy what is copied and how answers are compared
 * @param legacyUri the monolith
 * @param extractedUri the new service
 */
public record ShadowedRoute(String name, ShadowPolicy policy, URI legacyUri, URI extractedUri) {}
