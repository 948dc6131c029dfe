package dev.strangler.gateway.routing;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;

import java.net.URI;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Points the proxied request at the backend {@link StranglerRoutingFilter} chose. Runs right after
 * Spring Cloud Gateway's {@link RouteToRequestUrlFilter}, which would otherwise send everything
 * to the catch-all route's URI.
 */
class TargetUrlFilter implements GlobalFilter, Ordered {

  static final String BACKEND_ATTR = TargetUrlFilter.class.getName() + ".backend";

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    URI backend = exchange.getAttribute(BACKEND_ATTR);
    if (backend != null) {
      URI incoming = exchange.getRequest().getURI();
      String query = incoming.getRawQuery();
      String path = incoming.getRawPath();
      exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, URI.create(
          backend + (path == null || path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query)));
    }
    return chain.filter(exchange);
  }

  @Override
  public int getOrder() {
    return RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;
  }
}
