package dev.strangler.gateway.admin;

import dev.strangler.gateway.controlstore.AuditEntry;
import dev.strangler.gateway.routing.OutcomeWindow;
import dev.strangler.gateway.routing.ManagedRoute;
import dev.strangler.gateway.routing.Mode;
import dev.strangler.gateway.routing.RouteState;
import dev.strangler.gateway.shadow.ShadowPolicy;
import dev.strangler.gateway.routing.RouteGate;
import dev.strangler.gateway.routing.SwitchFencing;
import dev.strangler.gateway.switching.RouteSwitcher;
import dev.strangler.gateway.switching.SwitchAbandonedException;
import dev.strangler.gateway.switching.SwitchFence;
import dev.strangler.gateway.switching.UnknownRouteException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API's handlers: thin mappings from JSON to {@link RouteSwitcher} calls and back.
 * Control-store calls block, so they run on the bounded-elastic scheduler.
 */
final class AdminHandler {

  static final String ACTOR_HEADER = "X-Strangler-Actor";
  static final String DEFAULT_ACTOR = "admin-api";
  private static final Set<String> SWITCH_FIELDS = Set.of("mode", "percent", "reason", "force");
  private static final Set<String> ROLLBACK_FIELDS = Set.of("reason", "force");
  private static final Set<String> NOISE_FIELDS = Set.of("path");

  private final RouteSwitcher switcher;
  private final SwitchFence fence;
  private final AdminToken token;
  private final JsonMapper mapper;

  /**
   * @param switcher switches routes
   * @param fence switches routes with pipelines consistently (hold, catch-up, flip)
   * @param token the bearer token
   * @param mapper writes and reads JSON
   */
  AdminHandler(RouteSwitcher switcher, SwitchFence fence, AdminToken token, JsonMapper mapper) {
    this.switcher = switcher;
    this.fence = fence;
    this.token = token;
    this.mapper = mapper;
  }

  Mono<ServerResponse> authorize(ServerRequest request,
      org.springframework.web.reactive.function.server.HandlerFunction<ServerResponse> next) {
    if (!token.accepts(request.headers().firstHeader(HttpHeaders.AUTHORIZATION))) {
      return problem(request, AdminProblem.unauthorized());
    }
    Mono<ServerResponse> response;
    try {
      response = next.handle(request);
    } catch (AdminProblem p) {
      return problem(request, p);
    }
    return response.onErrorResume(AdminProblem.class, p -> problem(request, p));
  }

  Mono<ServerResponse> listRoutes(ServerRequest request) {
    return json(switcher.table().routes().stream().map(r -> view(r, false)).toList());
  }

  Mono<ServerResponse> getRoute(ServerRequest request) {
    ManagedRoute route = switcher.table().route(request.pathVariable("name"));
    if (route == null) {
      throw AdminProblem.notFound("no route named '" + request.pathVariable("name") + "'");
    }
    return json(view(route, true));
  }

  Mono<ServerResponse> switchRoute(ServerRequest request) {
    String name = request.pathVariable("name");
    route(name);
    return body(request, SWITCH_FIELDS).flatMap(body -> {
      Mode mode;
      try {
        mode = Mode.parse(text(body, "mode", true));
      } catch (IllegalArgumentException e) {
        throw AdminProblem.badRequest("mode: " + e.getMessage());
      }
      Double percent = null;
      JsonNode p = body.get("percent");
      if (p != null && !p.isNull()) {
        if (!p.isNumber()) {
          throw AdminProblem.badRequest("percent: must be a number between 0 and 100");
        }
        percent = p.asDouble();
        if (percent < 0 || percent > 100) {
          throw AdminProblem.badRequest("percent: " + p + " is outside 0–100");
        }
      }
      if (mode == Mode.CANARY && percent == null) {
        throw AdminProblem.badRequest("percent: required for canary (0–100)");
      }
      String reason = reason(body);
      Double finalPercent = percent;
      String actor = actor(request);
      boolean force = force(body);
      return fenced(fence.switchRoute(name, mode, finalPercent, reason, actor, force))
          .flatMap(route -> json(view(route, false)));
    });
  }

  Mono<ServerResponse> rollback(ServerRequest request) {
    String name = request.pathVariable("name");
    route(name);
    return body(request, ROLLBACK_FIELDS).flatMap(body -> {
      String reason = reason(body);
      String actor = actor(request);
      boolean force = force(body);
      return fenced(fence.rollback(name, reason, actor, force))
          .flatMap(route -> json(view(route, false)));
    });
  }

  /** Learned and pinned shadow noise of a route (in memory on this replica). */
  Mono<ServerResponse> noise(ServerRequest request) {
    return json(existing(request).shadow().noise().view());
  }

  /** Pins a JSON path as noise for every endpoint of the route: {@code {"path":"$.generatedAt"}}. */
  Mono<ServerResponse> pinNoise(ServerRequest request) {
    ManagedRoute route = existing(request);
    return body(request, NOISE_FIELDS).flatMap(body -> {
      String path = text(body, "path", true);
      try {
        route.shadow().noise().pin(path);
      } catch (IllegalArgumentException e) {
        throw AdminProblem.badRequest("path: " + e.getMessage());
      }
      return json(route.shadow().noise().view());
    });
  }

  /** Forgets the route's learned and pinned noise; it is learned again from traffic. */
  Mono<ServerResponse> clearNoise(ServerRequest request) {
    ManagedRoute route = existing(request);
    route.shadow().noise().clear();
    return json(route.shadow().noise().view());
  }

  private ManagedRoute existing(ServerRequest request) {
    ManagedRoute route = switcher.table().route(request.pathVariable("name"));
    if (route == null) {
      throw AdminProblem.notFound("no route named '" + request.pathVariable("name") + "'");
    }
    return route;
  }

  Mono<ServerResponse> audit(ServerRequest request) {
    String route = request.queryParam("route").orElse(null);
    if (route != null) {
      route(route);
    }
    int limit;
    try {
      limit = Integer.parseInt(request.queryParam("limit").orElse("100"));
    } catch (NumberFormatException e) {
      throw AdminProblem.badRequest("limit: must be a whole number 1–1000");
    }
    if (limit < 1 || limit > 1000) {
      throw AdminProblem.badRequest("limit: must be a whole number 1–1000");
    }
    int finalLimit = limit;
    return blocking(() -> switcher.store().audit(route, finalLimit))
        .flatMap(entries -> json(entries.stream().map(AdminHandler::view).toList()));
  }

  /** A change (or filter) naming a route that does not exist is bad admin input: 400. */
  private ManagedRoute route(String name) {
    ManagedRoute route = switcher.table().route(name);
    if (route == null) {
      throw AdminProblem.unknownRoute("no route named '" + name + "'");
    }
    return route;
  }

  private Mono<JsonNode> body(ServerRequest request, Set<String> allowed) {
    return request.bodyToMono(String.class).defaultIfEmpty("").map(text -> {
      JsonNode body;
      try {
        body = mapper.readTree(text);
      } catch (JacksonException e) {
        throw AdminProblem.malformedJson("the body is not valid JSON: " + e.getOriginalMessage());
      }
      if (body == null || !body.isObject()) {
        throw AdminProblem.malformedJson("the body must be a JSON object");
      }
      for (String field : body.propertyNames()) {
        if (!allowed.contains(field)) {
          throw AdminProblem.badRequest("unknown field '" + field + "': expected " + allowed);
        }
      }
      return body;
    });
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw AdminProblem.badRequest(field + ": required");
      }
      return null;
    }
    if (!node.isString()) {
      throw AdminProblem.badRequest(field + ": must be a string");
    }
    return node.asString();
  }

  private static String reason(JsonNode body) {
    String reason = text(body, "reason", true);
    if (reason.isBlank()) {
      throw AdminProblem.badRequest("reason: must not be blank (it goes to the audit trail)");
    }
    if (reason.length() > 1000) {
      throw AdminProblem.badRequest("reason: at most 1000 characters");
    }
    return reason.trim();
  }

  private static boolean force(JsonNode body) {
    JsonNode node = body.get("force");
    if (node == null || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw AdminProblem.badRequest("force: must be true or false");
    }
    return node.asBoolean();
  }

  private static <T> Mono<T> fenced(Mono<T> call) {
    return call
        .onErrorMap(SwitchAbandonedException.class, e -> e.inProgress()
            ? AdminProblem.switchInProgress(e.getMessage()) : AdminProblem.switchAbandoned(e.getMessage()))
        .onErrorMap(UnknownRouteException.class, e -> AdminProblem.unknownRoute(e.getMessage()))
        .onErrorMap(IllegalArgumentException.class, e -> AdminProblem.badRequest(e.getMessage()));
  }

  private static String actor(ServerRequest request) {
    String actor = request.headers().firstHeader(ACTOR_HEADER);
    if (actor == null || actor.isBlank()) {
      return DEFAULT_ACTOR;
    }
    actor = actor.trim();
    return actor.length() > 200 ? actor.substring(0, 200) : actor;
  }

  private static <T> Mono<T> blocking(Callable<T> call) {
    return Mono.fromCallable(call).subscribeOn(Schedulers.boundedElastic())
        .onErrorMap(UnknownRouteException.class, e -> AdminProblem.unknownRoute(e.getMessage()))
        .onErrorMap(IllegalArgumentException.class, e -> AdminProblem.badRequest(e.getMessage()));
  }

  private Mono<ServerResponse> json(Object body) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsString(body));
  }

  private Mono<ServerResponse> problem(ServerRequest request, AdminProblem problem) {
    ServerResponse.BodyBuilder builder = ServerResponse.status(problem.status())
        .contentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (problem.status() == HttpStatus.UNAUTHORIZED) {
      builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
    return builder.bodyValue(mapper.writeValueAsString(problem.body(request.path())));
  }

  static Map<String, Object> view(ManagedRoute route, boolean withSamples) {
    RouteState state = route.state();
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("name", route.name());
    v.put("paths", route.paths());
    v.put("legacyUri", route.legacyUri().toString());
    v.put("extractedUri", route.extractedUri().toString());
    v.put("mode", state.mode().id());
    v.put("percent", state.percent());
    v.put("stickyKey", route.stickyKey().describe());
    v.put("version", state.version());
    v.put("previousMode", state.previousMode() == null ? null : state.previousMode().id());
    v.put("previousPercent", state.previousPercent());
    v.put("updatedAt", state.updatedAt().toString());
    v.put("updatedBy", state.updatedBy());
    v.put("reason", state.reason());
    ManagedRoute.Traffic traffic = route.traffic();
    v.put("traffic", Map.of("legacy", traffic.legacy(), "extracted", traffic.extracted(),
        "extractedErrors", traffic.extractedErrors(), "fallbacks", traffic.fallbacks(),
        "testers", traffic.testers(), "testersRefused", traffic.testersRefused()));
    OutcomeWindow.Snapshot window = route.window().snapshot(System.currentTimeMillis());
    v.put("window", Map.of("requests", window.requests(), "errors", window.errors(),
        "errorRate", window.errorRate(), "p99Millis", window.p99Millis()));
    var budget = route.budget();
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("enabled", budget.enabled());
    b.put("maxErrorRate", budget.maxErrorRate());
    b.put("maxP99Millis", budget.maxP99() == null ? null : budget.maxP99().toMillis());
    b.put("windowSeconds", budget.window().toSeconds());
    b.put("minRequests", budget.minRequests());
    v.put("autoRollback", b);
    ShadowPolicy.Counts counts = route.shadow().counts();
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("matched", counts.matched());
    s.put("mismatched", counts.mismatched());
    s.put("dropped", counts.dropped());
    s.put("failed", counts.failed());
    s.put("skipped", counts.skipped());
    if (withSamples) {
      s.put("mismatches", route.shadow().samples());
      s.put("noise", route.shadow().noise().view());
    }
    v.put("shadow", s);
    SwitchFencing fencing = route.fencing();
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("pipelines", fencing.pipelines());
    f.put("switchTimeoutMillis", fencing.switchTimeout().toMillis());
    f.put("maxHeld", fencing.maxHeld());
    f.put("holding", route.gate().closed());
    f.put("held", route.gate().held());
    f.put("inFlight", route.gate().inFlight());
    v.put("fence", f);
    RouteGate.LastSwitch last = route.gate().lastSwitch();
    Map<String, Object> l = null;
    if (last != null) {
      l = new LinkedHashMap<>();
      l.put("at", last.at().toString());
      l.put("holdMillis", last.holdMillis());
      l.put("outcome", last.outcome());
      l.put("detail", last.detail());
    }
    v.put("lastSwitch", l);
    return v;
  }

  private static Map<String, Object> view(AuditEntry e) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("id", e.id());
    v.put("route", e.route());
    v.put("at", e.at().toString());
    v.put("actor", e.actor());
    v.put("automatic", e.automatic());
    v.put("from", Map.of("mode", e.fromMode(), "percent", e.fromPercent()));
    v.put("to", Map.of("mode", e.toMode(), "percent", e.toPercent()));
    v.put("reason", e.reason());
    v.put("version", e.version());
    v.put("replica", e.replica());
    v.put("outcome", e.outcome());
    v.put("action", e.action());
    if (e.pipeline() != null) {
      v.put("pipeline", e.pipeline());
      v.put("detail", e.detail());
    }
    return v;
  }
}
