package dev.strangler.gateway.routing;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * The sticky key of a canary request that has none of its own (no sticky key configured, or the
 * configured header, cookie or path variable missing, as in anonymous browser traffic): the
 * value of the gateway's sticky cookie, assigned with the first answer. A client that keeps
 * cookies then stays on one side, so what it wrote it reads back (create, then follow the
 * redirect) even before cdc-sync has copied the write across. Immutable; thread-safe.
 */
final class StickyCookieKey {

  /** RFC 6265 cookie-name token characters. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
  /** What the gateway assigns: 32 lower-case hex digits; anything else the client sends is replaced. */
  private static final int LENGTH = 32;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final boolean enabled;
  private final String name;
  private final Duration maxAge;
  private final boolean secure;

  private StickyCookieKey(boolean enabled, String name, Duration maxAge, boolean secure) {
    this.enabled = enabled;
    this.name = name;
    this.maxAge = maxAge;
    this.secure = secure;
  }

  /**
   * Validates the config.
   *
   * @throws InvalidRouteConfigurationException naming the bad property
   */
  static StickyCookieKey from(GatewayProperties.StickyCookie config, String property) {
    if (!isCookieName(config.name())) {
      throw new InvalidRouteConfigurationException(property + ".name",
          "'" + config.name() + "' is not a cookie name (letters, digits and !#$%&'*+-.^_`|~)");
    }
    if (config.maxAge() == null || config.maxAge().isNegative()) {
      throw new InvalidRouteConfigurationException(property + ".max-age",
          "must be zero (a session cookie) or positive, e.g. 30d");
    }
    return new StickyCookieKey(config.enabled(), config.name(), config.maxAge(), config.secure());
  }

  /** Whether {@code name} is an RFC 6265 cookie name (a token); false for null. */
  static boolean isCookieName(String name) {
    return name != null && TOKEN.matcher(name).matches();
  }

  /** Off: requests without a key are split at random, as before the cookie existed. */
  static StickyCookieKey disabled() {
    return new StickyCookieKey(false, "strangler-sticky", Duration.ZERO, false);
  }

  boolean enabled() {
    return enabled;
  }

  String name() {
    return name;
  }

  /**
   * The key of a request that has none of its own: the cookie it carries or, when it carries
   * none (or one the gateway did not make), a new one, set on the exchange's response.
   *
   * @return the key, or null when the cookie is off
   */
  String keyOf(ServerWebExchange exchange) {
    if (!enabled) {
      return null;
    }
    ServerHttpRequest request = exchange.getRequest();
    HttpCookie carried = request.getCookies().getFirst(name);
    if (carried != null && assigned(carried.getValue())) {
      return carried.getValue();
    }
    String value = newValue();
    ResponseCookie.ResponseCookieBuilder cookie = ResponseCookie.from(name, value)
        .path("/")
        .httpOnly(true)
        .sameSite("Lax")
        .secure(secure || "https".equalsIgnoreCase(request.getURI().getScheme()));
    if (!maxAge.isZero()) {
      cookie.maxAge(maxAge);
    }
    exchange.getResponse().addCookie(cookie.build());
    return value;
  }

  private static boolean assigned(String value) {
    if (value.length() != LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = value.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static String newValue() {
    // not a secret: it only picks a side, so a fast non-blocking source is enough
    ThreadLocalRandom random = ThreadLocalRandom.current();
    char[] out = new char[LENGTH];
    for (int half = 0; half < 2; half++) {
      long bits = random.nextLong();
      for (int i = 0; i < 16; i++) {
        out[half * 16 + i] = HEX[(int) (bits >>> (60 - 4 * i)) & 0xf];
      }
    }
    return new String(out);
  }
}
