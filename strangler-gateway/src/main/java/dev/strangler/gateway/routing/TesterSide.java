package dev.strangler.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Testers first: a request that names a side ({@code X-Strangler-Side: extracted|legacy}, or from
 * a browser the cookie {@code strangler-side}) and carries the tester token (header
 * {@code X-Strangler-Tester-Token} or cookie {@code strangler-tester-token}) goes to that side in
 * any mode. Side and token are each read from their header when it is sent, else from their
 * cookie, so the header wins. Without the token, or with a wrong one, the side is ignored
 * (counted, never a 403: a user's request is not broken). Both headers and both cookies are
 * stripped before forwarding (other cookies pass unchanged); the token never reaches a backend.
 *
 * <p>Configured once; immutable and thread-safe. Per request it is two header lookups and one
 * scan of the {@code Cookie} header, and nothing at all when no tester token is configured
 * ({@link #enabled()} false).
 */
final class TesterSide {

  /** What a request asked for. */
  enum Ask {
    /** No tester header nor cookie: routed as usual. */
    NONE,
    LEGACY,
    EXTRACTED,
    /** A side named without a valid token (or a token header alone): ignored and counted. */
    REFUSED,
    /**
     * Tester cookies that name no side (a tester's browser keeps the token cookie between
     * tries): stripped, routed as usual, not counted.
     */
    UNASKED
  }

  private static final String PREFIX = "strangler.gateway.testers";

  private final String sideHeader;
  private final String tokenHeader;
  private final String sideCookie;
  private final String tokenCookie;
  private final byte[] token;

  private TesterSide(String sideHeader, String tokenHeader, String sideCookie, String tokenCookie, byte[] token) {
    this.sideHeader = sideHeader;
    this.tokenHeader = tokenHeader;
    this.sideCookie = sideCookie;
    this.tokenCookie = tokenCookie;
    this.token = token;
  }

  /**
   * Checks the gateway's tester settings once.
   *
   * @throws InvalidRouteConfigurationException naming the bad property
   */
  static TesterSide from(GatewayProperties properties) {
    return from(properties.testers(), properties.admin() == null ? null : properties.admin().token(),
        properties.stickyCookie() == null ? null : properties.stickyCookie().name());
  }

  /**
   * Checks the configuration once; a bad value stops start-up naming the property.
   *
   * @param testers the tester settings
   * @param adminToken the admin API's token, which the tester token must not equal (null if unknown)
   * @param stickyCookie the sticky cookie's name, which no tester cookie may take (null if none)
   * @throws InvalidRouteConfigurationException naming the bad property
   */
  static TesterSide from(GatewayProperties.Testers testers, String adminToken, String stickyCookie) {
    if (testers.token() == null || testers.token().isEmpty()) {
      return new TesterSide(null, null, null, null, null);
    }
    String value = testers.token().trim();
    if (value.length() < 16) {
      throw new InvalidRouteConfigurationException(PREFIX + ".token", "must be at least 16 characters long");
    }
    if (value.equals(adminToken)) {
      throw new InvalidRouteConfigurationException(PREFIX + ".token",
          "must differ from strangler.gateway.admin.token");
    }
    if (!value.chars().allMatch(TesterSide::cookieOctet)) {
      throw new InvalidRouteConfigurationException(PREFIX + ".token",
          "must be printable ASCII without space, '\"', ',', ';' or '\\' (it also travels as a cookie value)");
    }
    if (testers.header() == null || testers.tokenHeader() == null || testers.header().isBlank()
        || testers.tokenHeader().isBlank() || testers.header().equalsIgnoreCase(testers.tokenHeader())) {
      throw new InvalidRouteConfigurationException(PREFIX + ".header",
          "strangler.gateway.testers.header and strangler.gateway.testers.token-header must be set and differ");
    }
    String sideCookie = cookieName(testers.cookie(), PREFIX + ".cookie", stickyCookie);
    String tokenCookie = cookieName(testers.tokenCookie(), PREFIX + ".token-cookie", stickyCookie);
    if (sideCookie.equals(tokenCookie)) {
      throw new InvalidRouteConfigurationException(PREFIX + ".token-cookie",
          "must differ from strangler.gateway.testers.cookie");
    }
    return new TesterSide(testers.header(), testers.tokenHeader(), sideCookie, tokenCookie,
        value.getBytes(StandardCharsets.UTF_8));
  }

  private static String cookieName(String name, String property, String stickyCookie) {
    if (!StickyCookieKey.isCookieName(name)) {
      throw new InvalidRouteConfigurationException(property,
          "'" + name + "' is not a cookie name (letters, digits and !#$%&'*+-.^_`|~)");
    }
    if (name.equals(stickyCookie)) {
      throw new InvalidRouteConfigurationException(property,
          "must differ from strangler.gateway.sticky-cookie.name (it is stripped before forwarding)");
    }
    return name;
  }

  /** RFC 6265 cookie-octet: what a cookie value may hold unquoted. */
  private static boolean cookieOctet(int c) {
    return c >= 0x21 && c <= 0x7e && c != '"' && c != ',' && c != ';' && c != '\\';
  }

  boolean enabled() {
    return token != null;
  }

  /** Reads the ask; call only when {@link #enabled()}. */
  Ask ask(ServerHttpRequest request) {
    HttpHeaders headers = request.getHeaders();
    String headerSide = headers.getFirst(sideHeader);
    String headerToken = headers.getFirst(tokenHeader);
    List<String> cookies = headers.get(HttpHeaders.COOKIE);
    String cookieSide = cookies == null ? null : cookieValue(cookies, sideCookie);
    String cookieToken = cookies == null ? null : cookieValue(cookies, tokenCookie);
    // an empty side cookie is what a browser keeps of a cleared one: no side asked
    String side = headerSide != null ? headerSide
        : cookieSide == null || cookieSide.isEmpty() ? null : cookieSide;
    if (side == null) {
      if (headerToken != null) {
        return Ask.REFUSED;
      }
      return cookieSide != null || cookieToken != null ? Ask.UNASKED : Ask.NONE;
    }
    String presented = headerToken != null ? headerToken : cookieToken;
    if (presented == null || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
      return Ask.REFUSED;
    }
    if (side.equalsIgnoreCase("extracted") || side.equalsIgnoreCase("new")) {
      return Ask.EXTRACTED;
    }
    return side.equalsIgnoreCase("legacy") ? Ask.LEGACY : Ask.REFUSED;
  }

  /**
   * The exchange without the side and token headers and cookies (none reaches a backend). Other
   * cookies are kept byte for byte; a {@code Cookie} header left empty is removed.
   */
  ServerWebExchange strip(ServerWebExchange exchange) {
    return exchange.mutate().request(r -> r.headers(h -> {
      h.remove(sideHeader);
      h.remove(tokenHeader);
      List<String> cookies = h.get(HttpHeaders.COOKIE);
      if (cookies == null) {
        return;
      }
      List<String> kept = new ArrayList<>(cookies.size());
      for (String line : cookies) {
        String rest = withoutTesterCookies(line);
        if (!rest.isEmpty()) {
          kept.add(rest);
        }
      }
      if (kept.isEmpty()) {
        h.remove(HttpHeaders.COOKIE);
      } else {
        h.put(HttpHeaders.COOKIE, kept);
      }
    })).build();
  }

  /** The value of the first cookie with this name in the {@code Cookie} header lines, or null. */
  private static String cookieValue(List<String> lines, String name) {
    for (String line : lines) {
      int from = 0;
      while (from <= line.length()) {
        int end = line.indexOf(';', from);
        if (end < 0) {
          end = line.length();
        }
        int valueAt = valueStart(line, from, end, name);
        if (valueAt >= 0) {
          String value = line.substring(valueAt, end).trim();
          if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            value = value.substring(1, value.length() - 1);
          }
          return value;
        }
        from = end + 1;
      }
    }
    return null;
  }

  /** One {@code Cookie} header line without the tester cookies; the others' text is unchanged. */
  private String withoutTesterCookies(String line) {
    StringBuilder kept = new StringBuilder(line.length());
    boolean removed = false;
    int from = 0;
    while (from <= line.length()) {
      int end = line.indexOf(';', from);
      if (end < 0) {
        end = line.length();
      }
      if (valueStart(line, from, end, sideCookie) >= 0 || valueStart(line, from, end, tokenCookie) >= 0) {
        removed = true;
      } else {
        if (!kept.isEmpty()) {
          kept.append(';');
        }
        kept.append(line, from, end);
      }
      from = end + 1;
    }
    return removed ? kept.toString().trim() : line;
  }

  /**
   * Where the value of cookie {@code name} starts if the pair {@code line[from, end)} is that
   * cookie ({@code name=value}, spaces around allowed), else -1.
   */
  private static int valueStart(String line, int from, int end, String name) {
    int at = from;
    while (at < end && (line.charAt(at) == ' ' || line.charAt(at) == '\t')) {
      at++;
    }
    if (at + name.length() > end || !line.startsWith(name, at)) {
      return -1;
    }
    at += name.length();
    while (at < end && (line.charAt(at) == ' ' || line.charAt(at) == '\t')) {
      at++;
    }
    return at < end && line.charAt(at) == '=' ? at + 1 : -1;
  }
}
