package dev.strangler.gateway.routing;

import dev.strangler.gateway.shadow.ShadowProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Routes the gateway can switch between the monolith and an extracted service.
 *
 * @param legacyUri where every request that no route claims goes (the monolith)
 * @param responseHeaders whether responses carry {@code X-Strangler-Route} and
 *     {@code X-Strangler-Target}
 * @param routes routes by name; the most specific path pattern wins
 * @param admin the admin API on the management port
 * @param controlStore how switches reach other replicas
 * @param backend timeouts of calls to the monolith and the new services
 * @param rewriteLocation rewrite a {@code Location} response header that names the backend that
 *     answered (its scheme, host and port) to the gateway's own address as the client used it;
 *     off by default: a backend that honours the {@code X-Forwarded-*} headers the gateway sends
 *     builds the right redirect itself
 * @param stickyCookie the cookie that keeps an anonymous client on one side of a canary route
 * @param testers testers first: requests that name a side and carry the tester token
 */
@Validated
@ConfigurationProperties("strangler.gateway")
public record GatewayProperties(
    @NotNull @DefaultValue("http://127.0.0.1:8080") URI legacyUri,
    @DefaultValue("true") boolean responseHeaders,
    Map<String, @Valid Route> routes,
    @Valid @DefaultValue Admin admin,
    @Valid @DefaultValue ControlStore controlStore,
    @Valid @DefaultValue Backend backend,
    @DefaultValue("false") boolean rewriteLocation,
    @Valid @DefaultValue StickyCookie stickyCookie,
    @Valid @DefaultValue Testers testers) {

  public GatewayProperties {
    routes = routes == null ? Map.of() : routes;
  }

  /**
   * One named route.
   *
   * @param paths path patterns this route owns (Spring {@code PathPattern} syntax, e.g.
   *     {@code /api/orders/**}, {@code /api/members/{memberId}/orders})
   * @param legacyUri where the monolith serves this route; defaults to the gateway's legacy URI
   * @param extractedUri where the new service serves this route
   * @param mode the initial mode: legacy, shadow, reads, canary or extracted (a stored switch overrides it)
   * @param connectFallback send a request to legacy when the new service refused the connection
   *     (the request was never sent, so it cannot be a duplicate)
   * @param canary the canary split
   * @param shadow what shadow mode copies and how it compares
   * @param autoRollback the new service's budget; broken, the route switches back by itself
   * @param sync the cdc-sync pipelines that must have caught up before a switch (the write
   *     fence); unset, switches flip at once
   * @param switchTimeout how long a fenced switch may hold the route's requests before it is
   *     abandoned
   * @param maxHeld requests of this route held at most during a fenced switch; more get 503
   * @param reads what reads mode sends to the new service
   */
  public record Route(
      @NotEmpty List<String> paths,
      URI legacyUri,
      URI extractedUri,
      @NotNull @DefaultValue("legacy") Mode mode,
      @DefaultValue("true") boolean connectFallback,
      @Valid @DefaultValue Canary canary,
      @Valid @DefaultValue ShadowProperties shadow,
      @Valid @DefaultValue AutoRollback autoRollback,
      @Valid Sync sync,
      @NotNull @DefaultValue("2s") Duration switchTimeout,
      @Min(1) @DefaultValue("1000") int maxHeld,
      @Valid @DefaultValue Reads reads) {}

  /**
   * Reads mode: safe requests go to the new service, everything else stays on the monolith.
   *
   * @param methods HTTP methods the new service answers in reads mode (upper case, e.g.
   *     {@code GET}); every other method goes to legacy
   */
  public record Reads(@NotEmpty @DefaultValue({"GET", "HEAD"}) List<String> methods) {}

  /**
   * The cdc-sync pipelines a fenced switch waits for.
   *
   * @param adminUrl cdc-sync's admin API, e.g. {@code http://127.0.0.1:9090} (cdc-sync's management port)
   * @param token bearer token of cdc-sync's admin API
   * @param pipelines pipelines that must have applied everything the source acknowledged before
   *     the route flips (list both directions; all listed are waited for)
   * @param reversePipelines the route's new → legacy pipelines: the way back. Before a switch
   *     that makes the new side take writes (canary above 0 %, extracted) each must prove it
   *     works end to end, a fence committed on the new side's database applied on legacy within
   *     {@code switch-timeout}, or the switch is refused (409, audited) unless forced. Also
   *     waited for by every fenced switch away from a mode in which the new side took writes
   */
  public record Sync(URI adminUrl, String token, @DefaultValue({}) List<String> pipelines,
                     @DefaultValue({}) List<String> reversePipelines) {}

  /**
   * The canary split.
   *
   * @param percent share of sticky keys sent to the new service, 0–100 (two decimals count)
   * @param stickyKey {@code header:<Name>}, {@code cookie:<name>} or {@code path:<variable>};
   *     requests without the key (or all, when none is set) are split by the gateway's sticky
   *     cookie ({@code strangler.gateway.sticky-cookie}), or at random when that is off
   */
  public record Canary(
      // range checked by RouteTable, whose message names the full property
      @DefaultValue("0") double percent,
      String stickyKey) {}

  /**
   * The new service's budget while it serves traffic (canary or extracted).
   *
   * @param enabled whether the gateway rolls the route back by itself
   * @param maxErrorRate largest share (0–1) of 5xx answers or failed calls in the window
   * @param maxP99 largest 99th-percentile latency in the window; unset means no latency budget
   * @param window how far back outcomes count
   * @param minRequests fewest outcomes in the window before the budget is judged
   */
  public record AutoRollback(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("0.05") double maxErrorRate,
      Duration maxP99,
      @NotNull @DefaultValue("60s") Duration window,
      @Min(1) @DefaultValue("20") int minRequests) {}

  /**
   * The admin API.
   *
   * @param token bearer token for {@code /admin}; when unset, one is generated once and kept in
   *     {@code token-file}
   * @param tokenFile where a generated token is kept (owner-only permissions)
   */
  public record Admin(String token, Path tokenFile) {}

  /**
   * Calls to backends (set on the proxy's HTTP client once, not per request).
   *
   * @param connectTimeout how long a connect may take; a refused or timed-out connect means the
   *     request was never sent
   * @param responseTimeout how long to wait for response data before answering 504
   */
  public record Backend(@NotNull @DefaultValue("2s") Duration connectTimeout,
                        @NotNull @DefaultValue("30s") Duration responseTimeout) {}

  /**
   * The sticky cookie: a canary route with no sticky key configured, or a request without the
   * configured key, is split by this cookie instead of at random. The gateway assigns it on the
   * first answer ({@code HttpOnly}, {@code Path=/}, {@code SameSite=Lax}), so a browser's next
   * requests (the redirect after a form post) land on the side that served the first one.
   *
   * @param enabled whether the gateway assigns and reads the cookie; off, such requests are
   *     split at random per request
   * @param name the cookie's name
   * @param maxAge how long a browser keeps it; {@code 0s} makes it a session cookie
   * @param secure always mark it {@code Secure} (it is whenever the client used https)
   */
  public record StickyCookie(@DefaultValue("true") boolean enabled,
                             @DefaultValue("strangler-sticky") String name,
                             @NotNull @DefaultValue("30d") Duration maxAge,
                             @DefaultValue("false") boolean secure) {}

  /**
   * Propagation of switches between replicas.
   *
   * @param pollInterval how often the whole stored state is re-read as a backstop for
   *     notifications (PostgreSQL LISTEN/NOTIFY) that were missed
   */
  public record ControlStore(@NotNull @DefaultValue("5s") Duration pollInterval) {}

  /**
   * Testers first: a request whose {@code header} (or, from a browser, {@code cookie}) names a
   * side ({@code extracted} or {@code legacy}) and whose {@code token-header} (or
   * {@code token-cookie}) carries the tester token goes to that side in any mode. Each of side and
   * token is read from its header when sent, else from its cookie. Without a valid token the side
   * is ignored (and counted), never refused. The headers and the two cookies are stripped before
   * forwarding. Off while no token is set.
   *
   * @param token the tester secret (at least 16 characters, not the admin token, only characters
   *     a cookie value can carry: printable ASCII without space, double quote, comma, semicolon
   *     or backslash); unset: off
   * @param header the request header that names the side
   * @param tokenHeader the request header that carries the tester token
   * @param cookie the cookie that names the side, for a browser that cannot add headers (an RFC
   *     6265 token, not the sticky cookie's name)
   * @param tokenCookie the cookie that carries the tester token (an RFC 6265 token, not the
   *     sticky cookie's name nor the side cookie's)
   */
  public record Testers(String token,
                        @DefaultValue("X-Strangler-Side") String header,
                        @DefaultValue("X-Strangler-Tester-Token") String tokenHeader,
                        @DefaultValue("strangler-side") String cookie,
                        @DefaultValue("strangler-tester-token") String tokenCookie) {}
}
