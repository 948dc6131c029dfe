package dev.strangler.gateway.routing;

import java.util.Map;
import org.springframework.http.HttpCookie;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.util.pattern.PathPattern;

/** Where a canary request's sticky key comes from: a header, a cookie or a path variable. */
public sealed interface StickyKey {

  /** The key of this request, or null when it has none. */
  String extract(ServerHttpRequest request, PathPattern matched);

  /** The config form, e.g. {@code header:X-Member-Id}. */
  String describe();

  /** A header value. */
  record Header(String name) implements StickyKey {
    public String extract(ServerHttpRequest request, PathPattern matched) {
      return request.getHeaders().getFirst(name);
    }

    public String describe() {
      return "header:" + name;
    }
  }

  /** A cookie value. */
  record Cookie(String name) implements StickyKey {
    public String extract(ServerHttpRequest request, PathPattern matched) {
      HttpCookie cookie = request.getCookies().getFirst(name);
      return cookie == null ? null : cookie.getValue();
    }

    public String describe() {
      return "cookie:" + name;
    }
  }

  /** A variable of the matched path pattern, e.g. {@code memberId} of {@code /api/members/{memberId}/orders}. */
  record PathVariable(String name) implements StickyKey {
    public String extract(ServerHttpRequest request, PathPattern matched) {
      PathPattern.PathMatchInfo info = matched.matchAndExtract(request.getPath().pathWithinApplication());
      if (info == null) {
        return null;
      }
      Map<String, String> variables = info.getUriVariables();
      return variables.get(name);
    }

    public String describe() {
      return "path:" + name;
    }
  }

  /** No key configured: every request is split at random by percent. */
  record None() implements StickyKey {
    public String extract(ServerHttpRequest request, PathPattern matched) {
      return null;
    }

    public String describe() {
      return null;
    }
  }

  /**
   * Parses the config form.
   *
   * @param value {@code header:<Name>}, {@code cookie:<name>}, {@code path:<variable>} or null
   * @throws IllegalArgumentException saying what is accepted
   */
  static StickyKey parse(String value) {
    if (value == null || value.isBlank()) {
      return new None();
    }
    int colon = value.indexOf(':');
    String kind = colon < 0 ? "" : value.substring(0, colon).trim();
    String name = colon < 0 ? "" : value.substring(colon + 1).trim();
    if (!name.isEmpty()) {
      switch (kind) {
        case "header" -> {
          return new Header(name);
        }
        case "cookie" -> {
          return new Cookie(name);
        }
        case "path" -> {
          return new PathVariable(name);
        }
        default -> { }
      }
    }
    throw new IllegalArgumentException("'" + value
        + "' is not a sticky key: expected header:<Name>, cookie:<name> or path:<variable>");
  }
}
