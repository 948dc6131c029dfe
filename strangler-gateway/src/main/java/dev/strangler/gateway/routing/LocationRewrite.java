package dev.strangler.gateway.routing;

import java.net.URI;
import java.net.URISyntaxException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * {@code strangler.gateway.rewrite-location}: a redirect whose {@code Location} names the backend
 * that answered ({@code http://127.0.0.1:8081/members/7}) is rewritten to the gateway's own
 * address as the client used it ({@code http://gateway.example:8000/members/7}); path, query and
 * fragment stay. Relative locations and locations naming any other host are left alone.
 */
final class LocationRewrite {

  private LocationRewrite() {}

  /** Rewrites the response's {@code Location} in place when it names {@code backend}. */
  static void apply(HttpHeaders responseHeaders, URI backend, ServerHttpRequest request) {
    String location = responseHeaders.getFirst(HttpHeaders.LOCATION);
    if (location == null || backend == null) {
      return;
    }
    String rewritten = rewrite(location, backend, request);
    if (rewritten != null) {
      responseHeaders.set(HttpHeaders.LOCATION, rewritten);
    }
  }

  /**
   * @return the rewritten location, or null when it does not name the backend
   */
  static String rewrite(String location, URI backend, ServerHttpRequest request) {
    URI target;
    try {
      target = new URI(location);
    } catch (URISyntaxException e) {
      return null;
    }
    if (!target.isAbsolute() || target.getHost() == null || !target.getScheme().equalsIgnoreCase(backend.getScheme())
        || !target.getHost().equalsIgnoreCase(backend.getHost()) || port(target) != port(backend)) {
      return null;
    }
    URI incoming = request.getURI();
    String host = request.getHeaders().getFirst(HttpHeaders.HOST);
    if (host == null || host.isEmpty()) {
      host = incoming.getRawAuthority();
    }
    String scheme = incoming.getScheme() == null ? "http" : incoming.getScheme();
    StringBuilder b = new StringBuilder(scheme).append("://").append(host);
    b.append(target.getRawPath() == null ? "" : target.getRawPath());
    if (target.getRawQuery() != null) {
      b.append('?').append(target.getRawQuery());
    }
    if (target.getRawFragment() != null) {
      b.append('#').append(target.getRawFragment());
    }
    return b.toString();
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }
}
