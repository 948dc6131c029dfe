package dev.strangler.gateway.routing;

import java.net.InetSocketAddress;
import java.net.URI;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Tells the backends (legacy, extracted, and the shadow copy) how the client reached the
 * gateway: {@code X-Forwarded-For}, {@code -Proto}, {@code -Host}, {@code -Port} and the RFC 7239
 * {@code Forwarded} header, so a backend can build absolute redirects and links that name the
 * gateway. Used when {@code spring.cloud.gateway.server.webflux.trusted-proxies} is not set (then
 * Spring Cloud Gateway adds none and strips what the client sent, which nobody vouches for): the
 * values describe this hop only. With trusted proxies configured, Spring Cloud Gateway's own
 * filters append to the chain instead and this one is not registered. Runs after those that strip
 * the client's values, last but for the shadow copy's hand-over of the result; stateless,
 * thread-safe.
 */
final class ForwardedHeaders implements HttpHeadersFilter, Ordered {

  static final String X_FORWARDED_FOR = "X-Forwarded-For";
  static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
  static final String X_FORWARDED_HOST = "X-Forwarded-Host";
  static final String X_FORWARDED_PORT = "X-Forwarded-Port";
  static final String FORWARDED = "Forwarded";

  private final boolean xForwarded;
  private final boolean forwarded;

  /**
   * @param xForwarded whether to send the {@code X-Forwarded-*} headers
   * @param forwarded whether to send the {@code Forwarded} header
   */
  ForwardedHeaders(boolean xForwarded, boolean forwarded) {
    this.xForwarded = xForwarded;
    this.forwarded = forwarded;
  }

  @Override
  public int getOrder() {
    // last but one: after Spring Cloud Gateway's RemoveXForwardedHeadersFilter and
    // RemoveForwardedHeadersFilter (0), and after the filters that copy every header into a new
    // map (hop-by-hop removal), so the five headers added here are not copied again; only the
    // shadow copy's ShadowHeaders (which reads the result, never copies it) comes after
    return Ordered.LOWEST_PRECEDENCE - 1;
  }

  @Override
  public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
    ServerHttpRequest request = exchange.getRequest();
    URI uri = request.getURI();
    String proto = uri.getScheme() == null ? "http" : uri.getScheme();
    String host = request.getHeaders().getFirst(HttpHeaders.HOST);
    if (host == null || host.isEmpty()) {
      host = uri.getRawAuthority();
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(proto) ? 443 : 80;
    InetSocketAddress remote = request.getRemoteAddress();
    String client = remote == null ? null : remote.getAddress() == null ? remote.getHostString()
        : remote.getAddress().getHostAddress();
    try {
      // the input is normally the fresh copy the filter before this one made: write into it
      write(input, client, proto, host, port);
      return input;
    } catch (UnsupportedOperationException readOnly) {
      HttpHeaders out = new HttpHeaders();
      out.putAll(input);
      write(out, client, proto, host, port);
      return out;
    }
  }

  private void write(HttpHeaders out, String client, String proto, String host, int port) {
    if (xForwarded) {
      if (client != null) {
        out.set(X_FORWARDED_FOR, client);
      } else {
        out.remove(X_FORWARDED_FOR);
      }
      out.set(X_FORWARDED_PROTO, proto);
      if (host != null) {
        out.set(X_FORWARDED_HOST, host);
      } else {
        out.remove(X_FORWARDED_HOST);
      }
      out.set(X_FORWARDED_PORT, Integer.toString(port));
    }
    if (forwarded) {
      StringBuilder value = new StringBuilder();
      if (client != null) {
        value.append("for=").append(node(client)).append(';');
      }
      if (host != null) {
        value.append("host=").append(quoteIfNeeded(host)).append(';');
      }
      value.append("proto=").append(proto);
      out.set(FORWARDED, value.toString());
    }
  }

  /** An RFC 7239 node: IPv6 addresses are bracketed and quoted. */
  private static String node(String address) {
    return address.indexOf(':') >= 0 ? "\"[" + address + "]\"" : address;
  }

  private static String quoteIfNeeded(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_')) {
        return "\"" + value + "\"";
      }
    }
    return value;
  }
}
