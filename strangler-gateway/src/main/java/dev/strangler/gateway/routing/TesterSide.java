package dev.strangler.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Testers first: a request that names a side ({@code X-Strangler-Side: extracted|legacy}) and
 * carries the tester token goes to that side in any mode. Without the token, or with a wrong
 * one, the side header is ignored (counted, never a 403: a user's request is not broken) and
 * both headers are stripped before forwarding; the token never reaches a backend.
 *
 * <p>Configured once; per request it is one header lookup when no side header is sent, and
 * nothing at all when no tester token is configured ({@link #enabled()} false).
 */
final class TesterSide {

  /** What a request asked for. */
  enum Ask { NONE, LEGACY, EXTRACTED, REFUSED }

  private final String sideHeader;
  private final String tokenHeader;
  private final byte[] token;

  private TesterSide(String sideHeader, String tokenHeader, byte[] token) {
    this.sideHeader = sideHeader;
    this.tokenHeader = tokenHeader;
    this.token = token;
  }

  /**
   * Checks the configuration once; a bad value stops start-up naming the property.
   *
   * @param testers the tester settings
   * @param adminToken the admin API's token, which the tester token must not equal (null if unknown)
   */
  static TesterSide from(GatewayProperties.Testers testers, String adminToken) {
    if (testers.token() == null || testers.token().isEmpty()) {
      return new TesterSide(null, null, null);
    }
    String value = testers.token().trim();
    if (value.length() < 16) {
      throw new IllegalArgumentException("strangler.gateway.testers.token must be at least 16 characters long");
    }
    if (value.equals(adminToken)) {
      throw new IllegalArgumentException(
          "strangler.gateway.testers.token must differ from strangler.gateway.admin.token");
    }
    if (testers.header().isBlank() || testers.tokenHeader().isBlank()
        || testers.header().equalsIgnoreCase(testers.tokenHeader())) {
      throw new IllegalArgumentException("strangler.gateway.testers.header and strangler.gateway.testers.token-header"
          + " must be set and differ");
    }
    return new TesterSide(testers.header(), testers.tokenHeader(), value.getBytes(StandardCharsets.UTF_8));
  }

  boolean enabled() {
    return token != null;
  }

  /** Reads the ask; call only when {@link #enabled()}. */
  Ask ask(ServerHttpRequest request) {
    HttpHeaders headers = request.getHeaders();
    String side = headers.getFirst(sideHeader);
    if (side == null) {
      return headers.containsHeader(tokenHeader) ? Ask.REFUSED : Ask.NONE;
    }
    String presented = headers.getFirst(tokenHeader);
    if (presented == null || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      return Ask.REFUSED;
    }
    if (side.equalsIgnoreCase("extracted") || side.equalsIgnoreCase("new")) {
      return Ask.EXTRACTED;
    }
    return side.equalsIgnoreCase("legacy") ? Ask.LEGACY : Ask.REFUSED;
  }

  /** The exchange without the side and token headers (neither reaches a backend). */
  ServerWebExchange strip(ServerWebExchange exchange) {
    return exchange.mutate().request(r -> r.headers(h -> {
      h.remove(sideHeader);
      h.remove(tokenHeader);
    })).build();
  }
}
