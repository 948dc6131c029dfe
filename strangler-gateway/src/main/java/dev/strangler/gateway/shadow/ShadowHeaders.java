package dev.strangler.gateway.shadow;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Sinks;

/**
 * The last request header filter: on a request being shadowed it hands the headers Spring Cloud
 * Gateway's filters made for the legacy forward (hop-by-hop headers removed, forwarded headers
 * set) to the {@link ShadowCopier}, so the copy carries the same headers without running every
 * filter a second time. Returns its input unchanged and never copies it; other requests pass
 * straight through. Stateless, thread-safe.
 */
final class ShadowHeaders implements HttpHeadersFilter, Ordered {

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    Sinks.One<HttpHeaders> sink = exchange.getAttribute(ShadowCopier.HEADERS_ATTR);
    if (sink != null) {
      // read-only from here on: the forward has made its own copy by the time the copy is sent
      sink.tryEmitValue(input);
    }
    return input;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
