package dev.strangler.gateway.routing;

import dev.strangler.gateway.shadow.ShadowPolicy;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The named routes, validated and compiled once at start-up. A request path is matched against
 * every pattern, most specific first; what no route claims goes to the legacy URI. Immutable
 * apart from each route's live state; thread-safe.
 */
public final class RouteTable {

  static final String PREFIX = "strangler.gateway";
  private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private final URI legacyUri;
  private final Map<String, ManagedRoute> routes;
  private final List<Entry> entries;
  private final StickyCookieKey stickyCookie;

  /**
   * A path pattern and the route that owns it.
   *
   * @param pattern the compiled pattern
   * @param route its route
   */
  public record Entry(PathPattern pattern, ManagedRoute route) {}

  private RouteTable(URI legacyUri, Map<String, ManagedRoute> routes, List<Entry> entries,
      StickyCookieKey stickyCookie) {
    this.legacyUri = legacyUri;
    this.routes = routes;
    this.entries = entries;
    this.stickyCookie = stickyCookie;
  }

  /**
   * Validates and compiles the config.
   *
   * @param properties the bound {@code strangler.gateway} properties
   * @param mapper parses JSON bodies for shadow comparison
   * @throws InvalidRouteConfigurationException naming the first bad property
   */
  public static RouteTable from(GatewayProperties properties, JsonMapper mapper) {
    URI legacyUri = backend(properties.legacyUri(), PREFIX + ".legacy-uri");
    StickyCookieKey stickyCookie = properties.stickyCookie() == null ? StickyCookieKey.disabled()
        : StickyCookieKey.from(properties.stickyCookie(), PREFIX + ".sticky-cookie");
    PathPatternParser parser = new PathPatternParser();
    Map<String, ManagedRoute> routes = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    Map<PathPattern, String> owners = new HashMap<>();
    Instant now = Instant.now();
    // sorted by name so route indexes and error messages are stable
    Map<String, GatewayProperties.Route> byName = new TreeMap<>(properties.routes());
    for (Map.Entry<String, GatewayProperties.Route> e : byName.entrySet()) {
      String name = e.getKey();
      GatewayProperties.Route config = e.getValue();
      String property = PREFIX + ".routes." + name;
      if (!ROUTE_NAME.matcher(name).matches()) {
        throw new InvalidRouteConfigurationException(property,
            "a route name uses letters, digits, '.', '_' and '-' only");
      }
      if (config.paths() == null || config.paths().isEmpty()) {
        throw new InvalidRouteConfigurationException(property + ".paths", "at least one path pattern is required");
      }
      List<PathPattern> patterns = new ArrayList<>();
      for (int i = 0; i < config.paths().size(); i++) {
        String raw = config.paths().get(i);
        String p = property + ".paths[" + i + "]";
        if (raw == null || !raw.startsWith("/")) {
          throw new InvalidRouteConfigurationException(p, "'" + raw + "' is not a path pattern starting with '/'");
        }
        PathPattern pattern;
        try {
          pattern = parser.parse(raw);
        } catch (PatternParseException ex) {
          throw new InvalidRouteConfigurationException(p, "'" + raw + "' is not a valid path pattern: " + ex.getMessage());
        }
        String owner = owners.putIfAbsent(pattern, p);
        if (owner != null) {
          throw new InvalidRouteConfigurationException(p, "the pattern '" + raw + "' is already claimed by " + owner);
        }
        patterns.add(pattern);
      }
      URI routeLegacy = config.legacyUri() == null ? legacyUri : backend(config.legacyUri(), property + ".legacy-uri");
      URI extracted = backend(config.extractedUri(), property + ".extracted-uri");
      if (config.mode() == null) {
        throw new InvalidRouteConfigurationException(property + ".mode",
            "is required: legacy, shadow, reads, canary or extracted");
      }
      GatewayProperties.Canary canary = config.canary();
      if (!(canary.percent() >= 0 && canary.percent() <= 100)) {
        throw new InvalidRouteConfigurationException(property + ".canary.percent", "must be between 0 and 100");
      }
      StickyKey stickyKey;
      try {
        stickyKey = StickyKey.parse(canary.stickyKey());
      } catch (IllegalArgumentException ex) {
        throw new InvalidRouteConfigurationException(property + ".canary.sticky-key", ex.getMessage());
      }
      if (stickyKey instanceof StickyKey.PathVariable variable
          && patterns.stream().noneMatch(pt -> pt.getPatternString().contains("{" + variable.name() + "}")
              || pt.getPatternString().contains("{*" + variable.name() + "}"))) {
        throw new InvalidRouteConfigurationException(property + ".canary.sticky-key",
            "no pattern of this route has the path variable {" + variable.name() + "}");
      }
      ShadowPolicy shadow;
      try {
        shadow = ShadowPolicy.compile(config.shadow(), property + ".shadow", mapper);
      } catch (IllegalArgumentException ex) {
        String message = ex.getMessage();
        int colon = message.indexOf(": ");
        throw new InvalidRouteConfigurationException(message.substring(0, colon), message.substring(colon + 2));
      }
      GatewayProperties.AutoRollback budget = config.autoRollback();
      if (!(budget.maxErrorRate() >= 0 && budget.maxErrorRate() <= 1)) {
        throw new InvalidRouteConfigurationException(property + ".auto-rollback.max-error-rate",
            "must be a share between 0 and 1, e.g. 0.05");
      }
      if (budget.maxP99() != null && (budget.maxP99().isNegative() || budget.maxP99().isZero())) {
        throw new InvalidRouteConfigurationException(property + ".auto-rollback.max-p99", "must be positive");
      }
      if (budget.window().isNegative() || budget.window().isZero()) {
        throw new InvalidRouteConfigurationException(property + ".auto-rollback.window", "must be positive");
      }
      SwitchFencing fencing = fencing(config, property);
      RouteState initial = new RouteState(config.mode(), canary.percent(), 0, null, 0, now, "config",
          "initial mode from configuration");
      ManagedRoute route = new ManagedRoute(routes.size(), name, patterns, routeLegacy, extracted,
          config.connectFallback(), stickyKey, initial, shadow, budget, fencing, readMethods(config, property));
      routes.put(name, route);
      patterns.forEach(pt -> entries.add(new Entry(pt, route)));
    }
    entries.sort(Comparator.comparing(Entry::pattern, PathPattern.SPECIFICITY_COMPARATOR));
    return new RouteTable(legacyUri, Map.copyOf(routes), List.copyOf(entries), stickyCookie);
  }

  private static java.util.Set<String> readMethods(GatewayProperties.Route config, String property) {
    java.util.Set<String> methods = new java.util.HashSet<>();
    List<String> listed = config.reads() == null ? List.of("GET", "HEAD") : config.reads().methods();
    for (int i = 0; i < listed.size(); i++) {
      String m = listed.get(i);
      if (m == null || !m.trim().matches("[A-Za-z]+")) {
        throw new InvalidRouteConfigurationException(property + ".reads.methods[" + i + "]",
            "'" + m + "' is not an HTTP method, e.g. GET");
      }
      methods.add(m.trim().toUpperCase(java.util.Locale.ROOT));
    }
    return methods;
  }

  private static SwitchFencing fencing(GatewayProperties.Route config, String property) {
    if (config.switchTimeout().isNegative() || config.switchTimeout().isZero()) {
      throw new InvalidRouteConfigurationException(property + ".switch-timeout", "must be positive");
    }
    GatewayProperties.Sync sync = config.sync();
    if (sync == null) {
      return new SwitchFencing(null, null, List.of(), config.switchTimeout(), config.maxHeld(), List.of());
    }
    if (sync.pipelines() == null || sync.pipelines().isEmpty()) {
      throw new InvalidRouteConfigurationException(property + ".sync.pipelines",
          "list at least one cdc-sync pipeline, or remove sync");
    }
    for (int i = 0; i < sync.pipelines().size(); i++) {
      String pipeline = sync.pipelines().get(i);
      if (pipeline == null || !ROUTE_NAME.matcher(pipeline).matches()) {
        throw new InvalidRouteConfigurationException(property + ".sync.pipelines[" + i + "]",
            "'" + pipeline + "' is not a pipeline name (letters, digits, '.', '_', '-')");
      }
    }
    List<String> reverse = sync.reversePipelines() == null ? List.of() : sync.reversePipelines();
    for (int i = 0; i < reverse.size(); i++) {
      String pipeline = reverse.get(i);
      if (pipeline == null || !ROUTE_NAME.matcher(pipeline).matches()) {
        throw new InvalidRouteConfigurationException(property + ".sync.reverse-pipelines[" + i + "]",
            "'" + pipeline + "' is not a pipeline name (letters, digits, '.', '_', '-')");
      }
    }
    URI adminUrl = sync.adminUrl();
    String adminProperty = property + ".sync.admin-url";
    if (adminUrl == null) {
      throw new InvalidRouteConfigurationException(adminProperty, "is required (e.g. http://127.0.0.1:9090, cdc-sync's management port)");
    }
    String scheme = adminUrl.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || adminUrl.getHost() == null || adminUrl.getRawQuery() != null) {
      throw new InvalidRouteConfigurationException(adminProperty,
          "'" + adminUrl + "' is not an absolute http(s) URI with a host");
    }
    if (sync.token() == null || sync.token().isBlank()) {
      throw new InvalidRouteConfigurationException(property + ".sync.token", "is required (cdc-sync's admin token)");
    }
    String base = adminUrl.toString().replaceAll("/+$", "");
    return new SwitchFencing(URI.create(base), sync.token(), List.copyOf(sync.pipelines()),
        config.switchTimeout(), config.maxHeld(), List.copyOf(reverse));
  }

  private static URI backend(URI uri, String property) {
    if (uri == null) {
      throw new InvalidRouteConfigurationException(property, "is required (e.g. http://127.0.0.1:8081)");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw new InvalidRouteConfigurationException(property,
          "'" + uri + "' is not an absolute http(s) URI with a host");
    }
    String path = uri.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null) {
      throw new InvalidRouteConfigurationException(property,
          "'" + uri + "' must be scheme://host:port only: request paths are passed through unchanged");
    }
    return URI.create(scheme.toLowerCase() + "://" + uri.getRawAuthority());
  }

  /** The route that owns a path (most specific pattern first), or null for the default route. */
  public Entry find(PathContainer path) {
    for (Entry entry : entries) {
      if (entry.pattern().matches(path)) {
        return entry;
      }
    }
    return null;
  }

  /** The key of canary requests that have none of their own. */
  StickyCookieKey stickyCookie() {
    return stickyCookie;
  }

  /** Where unclaimed requests go. */
  public URI legacyUri() {
    return legacyUri;
  }

  /** The route of that name, or null. */
  public ManagedRoute route(String name) {
    return routes.get(name);
  }

  /** Every route, by index. */
  public Collection<ManagedRoute> routes() {
    return routes.values().stream().sorted(Comparator.comparingInt(ManagedRoute::index)).toList();
  }
}
