package dev.strangler.gateway.routing;

import dev.strangler.gateway.shadow.ShadowPolicy;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer meters per route and target, created once so the request path only looks up an
 * array. Route tag {@value #DEFAULT_ROUTE} is the default route (unclaimed paths).
 */
public final class RouteMeters {

  public static final String DEFAULT_ROUTE = "_default";
  /** Requests through the gateway by route, target and outcome; the dashboard's charts read them. */
  public static final String REQUESTS = "strangler.gateway.requests";
  static final String[] OUTCOMES = {"success", "client_error", "server_error", "failed"};

  /** [route index + 1][target][outcome]; index 0 is the default route. */
  private final Timer[][][] timers;
  /** The same for tester traffic: its own meter, so dashboards and budgets never mix it in. */
  private final Timer[][][] testerTimers;

  /**
   * @param table the routes
   * @param registry where meters are registered
   */
  public RouteMeters(RouteTable table, MeterRegistry registry) {
    List<ManagedRoute> routes = List.copyOf(table.routes());
    timers = new Timer[routes.size() + 1][Target.values().length][OUTCOMES.length];
    testerTimers = new Timer[routes.size() + 1][Target.values().length][OUTCOMES.length];
    register(registry, 0, DEFAULT_ROUTE);
    for (ManagedRoute route : routes) {
      register(registry, route.index() + 1, route.name());
      for (String result : List.of("matched", "mismatched", "dropped", "failed", "skipped")) {
        FunctionCounter.builder("strangler.gateway.shadow", route.shadow(), ShadowPolicy.counter(result)::apply)
            .description("Shadow copies by result")
            .tag("route", route.name()).tag("result", result)
            .register(registry);
      }
      Gauge.builder("strangler.gateway.route.new.share", route, r -> r.state().newShare())
          .description("Share of the route's traffic the new service serves, percent")
          .tag("route", route.name())
          .register(registry);
      Gauge.builder("strangler.gateway.route.version", route, r -> r.state().version())
          .description("Version of the route's live state (0 = config)")
          .tag("route", route.name())
          .register(registry);
    }
  }

  private void register(MeterRegistry registry, int slot, String route) {
    for (Target target : Target.values()) {
      for (int o = 0; o < OUTCOMES.length; o++) {
        testerTimers[slot][target.ordinal()][o] = Timer.builder("strangler.gateway.tester.requests")
            .description("Requests testers sent to a chosen side, by route, target and outcome")
            .tag("route", route).tag("target", target.id()).tag("outcome", OUTCOMES[o])
            .register(registry);
        timers[slot][target.ordinal()][o] = Timer.builder(REQUESTS)
            .description("Requests through the gateway by route, target and outcome (time to response headers)")
            .tag("route", route).tag("target", target.id()).tag("outcome", OUTCOMES[o])
            .publishPercentileHistogram()
            .register(registry);
      }
    }
  }

  /**
   * Records one request.
   *
   * @param route the route, or null for the default route
   * @param target who served it
   * @param status the response status, or 0 when the call failed
   * @param nanos time to the response headers
   */
  void record(ManagedRoute route, Target target, int status, long nanos, boolean tester) {
    int outcome = status == 0 ? 3 : status >= 500 ? 2 : status >= 400 ? 1 : 0;
    (tester ? testerTimers : timers)[route == null ? 0 : route.index() + 1][target.ordinal()][outcome].record(nanos, TimeUnit.NANOSECONDS);
  }
}
