package dev.strangler.gateway.routing;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

import java.net.URI;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Points the proxied request at the backend {@link StranglerRoutingFilter} chose: the backend's
 * {@code scheme://host:port} plus the request's raw path and query, unchanged. Takes the place
 * of Spring Cloud Gateway's {@link RouteToRequestUrlFilter} (disabled in {@code application.yml}:
 * it would build a URL for the catch-all route's URI on every request only to have it replaced);
 * runs where that filter would, and falls back to the route's URI when no backend was chosen.
 */
class TargetUrlFilter implements GlobalFilter, Ordered {

  static final String BACKEND_ATTR = TargetUrlFilter.class.getName() + ".backend";

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    URI backend = exchange.getAttribute(BACKEND_ATTR);
    if (backend == null) {
      Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
      backend = route == null ? null : route.getUri();
    }
    if (backend != null) {
      URI incoming = exchange.getRequest().getURI();
      String query = incoming.getRawQuery();
      String path = incoming.getRawPath();
      String base = backend.toString();
      StringBuilder url = new StringBuilder(base.length() + (path == null ? 1 : path.length())
          + (query == null ? 0 : query.length() + 1)).append(base);
      url.append(path == null || path.isEmpty() ? "/" : path);
      if (query != null) {
        url.append('?').append(query);
      }
      exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, URI.create(url.toString()));
    }
    return chain.filter(exchange);
  }

  @Override
  public int getOrder() {
    return RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;
  }
}
