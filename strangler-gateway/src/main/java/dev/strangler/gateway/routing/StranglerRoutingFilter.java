package dev.strangler.gateway.routing;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ALREADY_ROUTED_ATTR;

import dev.strangler.gateway.shadow.ShadowCopier;
import io.netty.handler.timeout.ReadTimeoutException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.core.Ordered;
import reactor.core.publisher.Mono;

/**
 * Picks the backend of every request from the route table and the route's live state: legacy,
 * shadow (legacy answers, a copy goes to the new service), reads (safe methods to the new
 * service, writes to legacy), canary (sticky split) or extracted.
 * Runs before Spring Cloud Gateway's response writer so shadow mode can see the legacy body.
 * Never blocks: one pattern scan, one volatile read, one hash.
 */
class StranglerRoutingFilter implements GlobalFilter, Ordered {

  static final String ROUTE_HEADER = "X-Strangler-Route";
  static final String TARGET_HEADER = "X-Strangler-Target";
  private static final Logger log = LoggerFactory.getLogger(StranglerRoutingFilter.class);

  private final RouteTable table;
  private final RouteMeters meters;
  private final ShadowCopier shadow;
  private final boolean responseHeaders;
  private final boolean rewriteLocation;
  private final TesterSide testers;

  /**
   * @param table the routes
   * @param meters per-route meters
   * @param shadow sends shadow copies
   * @param responseHeaders whether to add {@code X-Strangler-Route}/{@code X-Strangler-Target}
   * @param rewriteLocation whether a {@code Location} naming the backend is rewritten to the gateway
   * @param testers testers first (a side chosen by header or cookie with the tester token)
   */
  StranglerRoutingFilter(RouteTable table, RouteMeters meters, ShadowCopier shadow, boolean responseHeaders,
      boolean rewriteLocation, TesterSide testers) {
    this.testers = testers;
    this.table = table;
    this.meters = meters;
    this.shadow = shadow;
    this.responseHeaders = responseHeaders;
    this.rewriteLocation = rewriteLocation;
  }

  @Override
  public int getOrder() {
    return NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
    long start = System.nanoTime();
    if (rewriteLocation) {
      // at commit the backend attribute names whoever answered (after a connect fallback: legacy)
      exchange.getResponse().beforeCommit(() -> {
        LocationRewrite.apply(exchange.getResponse().getHeaders(), exchange.getAttribute(TargetUrlFilter.BACKEND_ATTR),
            exchange.getRequest());
        return Mono.empty();
      });
    }
    RouteTable.Entry entry = table.find(exchange.getRequest().getPath().pathWithinApplication());
    if (testers.enabled()) {
      TesterSide.Ask ask = testers.ask(exchange.getRequest());
      if (ask != TesterSide.Ask.NONE) {
        return tester(exchange, chain, entry, ask, start);
      }
    }
    if (entry == null) {
      return forward(exchange, chain, null, Target.LEGACY, table.legacyUri(), start);
    }
    ManagedRoute route = entry.route();
    // during a fenced switch the route's new requests wait here (parked, not blocking) and read
    // the state only once the gate opens, so they go to whichever side won
    return route.gate().enter(() -> dispatch(exchange, chain, entry, start), () -> overflow(exchange, route));
  }

  /**
   * A request that named a side or sent a tester token: the tester headers and cookies are
   * stripped; with a valid token it goes to the side asked for (no fence wait, no connect
   * fallback: the tester sees the side as it is), otherwise it is routed as if it had not asked
   * (counted as refused when it named a side).
   */
  private Mono<Void> tester(ServerWebExchange original, GatewayFilterChain chain, RouteTable.Entry entry,
      TesterSide.Ask ask, long start) {
    ServerWebExchange exchange = testers.strip(original);
    if (entry == null) {
      return forward(exchange, chain, null, Target.LEGACY, table.legacyUri(), start);
    }
    ManagedRoute route = entry.route();
    return switch (ask) {
      case LEGACY -> forward(exchange, chain, route, Target.LEGACY, route.legacyUri(), start, true);
      case EXTRACTED -> forward(exchange, chain, route, Target.EXTRACTED, route.extractedUri(), start, true);
      default -> {
        if (ask == TesterSide.Ask.REFUSED) {
          route.testerRefused().increment();
        }
        yield route.gate().enter(() -> dispatch(exchange, chain, entry, start), () -> overflow(exchange, route));
      }
    };
  }

  private Mono<Void> dispatch(ServerWebExchange exchange, GatewayFilterChain chain, RouteTable.Entry entry,
      long start) {
    ManagedRoute route = entry.route();
    RouteState state = route.state();
    switch (state.mode()) {
      case LEGACY -> {
        return forward(exchange, chain, route, Target.LEGACY, route.legacyUri(), start);
      }
      case SHADOW -> {
        if (!route.shadow().copies(exchange.getRequest().getMethod().name())) {
          return forward(exchange, chain, route, Target.LEGACY, route.legacyUri(), start);
        }
        return shadow.forwardWithCopy(exchange, route.shadowed(),
            teed -> forward(teed, chain, route, Target.LEGACY, route.legacyUri(), start));
      }
      case READS -> {
        // reads first: the new side answers safe requests, writes stay on the monolith
        return route.readsFromNew(exchange.getRequest().getMethod().name())
            ? forwardToNew(exchange, chain, route, start)
            : forward(exchange, chain, route, Target.LEGACY, route.legacyUri(), start);
      }
      case CANARY -> {
        String key = route.stickyKey().extract(exchange.getRequest(), entry.pattern());
        if (key == null) {
          // anonymous clients: the gateway's own cookie, assigned with this answer if missing
          key = table.stickyCookie().keyOf(exchange);
        }
        return CanarySplitter.toNew(key, state.percent())
            ? forwardToNew(exchange, chain, route, start)
            : forward(exchange, chain, route, Target.LEGACY, route.legacyUri(), start);
      }
      default -> {
        return forwardToNew(exchange, chain, route, start);
      }
    }
  }

  private Mono<Void> overflow(ServerWebExchange exchange, ManagedRoute route) {
    log.warn("Route {}: more than {} requests held by a switch, answering 503", route.name(),
        route.fencing().maxHeld());
    var response = exchange.getResponse();
    response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
    response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
    response.getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
    String body = "{\"type\":\"https://strangler.dev/problems/switch-in-progress\",\"title\":\"Switch in progress\","
        + "\"status\":503,\"detail\":\"route '" + route.name() + "' is being switched and already holds "
        + route.fencing().maxHeld() + " requests; retry shortly\"}";
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8))));
  }

  private Mono<Void> forwardToNew(ServerWebExchange exchange, GatewayFilterChain chain,
      ManagedRoute route, long start) {
    Mono<Void> call = forward(exchange, chain, route, Target.EXTRACTED, route.extractedUri(), start);
    if (!route.connectFallback()) {
      return call;
    }
    // only a refused (or timed-out) connect is retried: the request never left, so it cannot be a duplicate
    return call.onErrorResume(StranglerRoutingFilter::neverSent, error -> {
      route.fallbacks().increment();
      log.debug("Route {}: new service refused the connection, falling back to legacy", route.name());
      exchange.getAttributes().remove(GATEWAY_ALREADY_ROUTED_ATTR);
      return forward(exchange, chain, route, Target.LEGACY, route.legacyUri(), System.nanoTime());
    });
  }

  private static boolean neverSent(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, ManagedRoute route,
      Target target, URI backend, long start) {
    return forward(exchange, chain, route, target, backend, start, false);
  }

  private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, ManagedRoute route,
      Target target, URI backend, long start, boolean tester) {
    exchange.getAttributes().put(TargetUrlFilter.BACKEND_ATTR, backend);
    if (responseHeaders) {
      HttpHeaders headers = exchange.getResponse().getHeaders();
      if (route != null) {
        headers.set(ROUTE_HEADER, route.name());
      }
      headers.set(TARGET_HEADER, target.id());
    }
    // two operators per request: one records success, one records a failure and maps it
    return chain.filter(exchange)
        .doOnSuccess(ignored -> record(exchange, route, target, start, null, tester))
        .onErrorMap(error -> {
          record(exchange, route, target, start, error, tester);
          return failure(target, error);
        });
  }

  private static Throwable failure(Target target, Throwable error) {
    // an unreachable backend is a bad gateway, not an internal error of the gateway
    if (neverSent(error)) {
      return new ResponseStatusException(HttpStatus.BAD_GATEWAY, target.id() + " backend unreachable", error);
    }
    if (error instanceof ReadTimeoutException) {
      return new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT, target.id() + " backend did not answer in time",
          error);
    }
    return error;
  }

  private void record(ServerWebExchange exchange, ManagedRoute route, Target target, long start, Throwable error,
      boolean tester) {
    long nanos = System.nanoTime() - start;
    HttpStatusCode code = exchange.getResponse().getStatusCode();
    int status = error != null ? 0 : code == null ? 200 : code.value();
    meters.record(route, target, status, nanos, tester);
    if (route == null) {
      return;
    }
    if (tester) {
      // its own traffic: never in the route's counters nor in the canary/auto-rollback window
      route.testerRequests().increment();
      return;
    }
    if (target == Target.LEGACY) {
      route.legacyRequests().increment();
      return;
    }
    boolean failed = status == 0 || status >= 500;
    route.newRequests().increment();
    if (failed) {
      route.newErrors().increment();
    }
    if (route.state().mode().servesFromNew()) {
      route.window().record(System.currentTimeMillis(), nanos, failed);
    }
  }
}
