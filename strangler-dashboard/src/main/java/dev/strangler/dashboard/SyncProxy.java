package dev.strangler.dashboard;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Forwards the page's pipeline calls to cdc-sync's admin API with cdc-sync's own token, so the
 * browser holds only the gateway's token. A verify is recorded in the gateway's audit trail
 * ({@link ActionAudit}) with its reason and result, and remembered with who asked for it.
 */
final class SyncProxy {

  static final String ACTOR_HEADER = "X-Strangler-Actor";
  private static final Logger log = LoggerFactory.getLogger(SyncProxy.class);

  private final DashboardProperties.Sync sync;
  private final WebClient client;
  private final JsonMapper mapper;
  private final Map<String, List<String>> routePipelines;
  private final ActionAudit audit;
  private final Map<String, Map<String, Object>> lastVerify = new ConcurrentHashMap<>();

  /**
   * @param sync where cdc-sync is
   * @param routePipelines the pipelines listed under each route
   * @param audit where a verify is recorded; null: only logged
   * @param client calls it
   * @param mapper reads verify results
   */
  SyncProxy(DashboardProperties.Sync sync, Map<String, List<String>> routePipelines, ActionAudit audit,
            WebClient client, JsonMapper mapper) {
    this.sync = sync;
    this.routePipelines = routePipelines;
    this.audit = audit;
    this.client = client;
    this.mapper = mapper;
  }

  Mono<ServerResponse> list(ServerRequest request) {
    return forward(request, HttpMethod.GET).flatMap(Upstream::response);
  }

  Mono<ServerResponse> get(ServerRequest request) {
    return forward(request, HttpMethod.GET, request.pathVariable("name")).flatMap(Upstream::response);
  }

  /**
   * Runs cdc-sync's verify. The body carries the operator's reason ({@code {"reason": "..."}}):
   * cdc-sync keeps no audit, so the reason and actor are logged here and kept with the result.
   */
  Mono<ServerResponse> verify(ServerRequest request) {
    String name = request.pathVariable("name");
    String actor = request.headers().firstHeader(ACTOR_HEADER);
    String who = actor == null || actor.isBlank() ? "dashboard" : actor.strip();
    String by = who.length() > 200 ? who.substring(0, 200) : who;
    return request.bodyToMono(String.class).defaultIfEmpty("").flatMap(text -> {
      String reason;
      try {
        JsonNode body = text.isBlank() ? null : mapper.readTree(text);
        JsonNode r = body == null ? null : body.get("reason");
        reason = r == null || !r.isString() ? null : r.asString().strip();
      } catch (JacksonException e) {
        return Problems.of(request, HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON",
            "the body must be {\"reason\": \"...\"}");
      }
      if (reason == null || reason.isEmpty() || reason.length() > 1000) {
        return Problems.of(request, HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
            "reason: required, 1–1000 characters");
      }
      log.info("Dashboard: verify of pipeline {} requested by {}: {}", oneLine(name), oneLine(by), oneLine(reason));
      String why = reason;
      return forward(request, HttpMethod.POST, name, "verify").flatMap(upstream -> {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("at", Instant.now().toString());
        entry.put("actor", by);
        entry.put("reason", why);
        JsonNode result = upstream.status().is2xxSuccessful() ? json(upstream.body()) : null;
        entry.put("result", result);
        if (result != null) {
          lastVerify.put(name, entry);
        }
        Outcome outcome = outcome(upstream, result);
        if (outcome == null) { // refused as bad input (unknown pipeline...) or nowhere to send it: nothing ran
          return upstream.response();
        }
        return record(name, by, why, outcome).then(upstream.response());
      });
    });
  }

  private JsonNode json(String body) {
    try {
      return mapper.readTree(body);
    } catch (JacksonException e) {
      return null;
    }
  }

  /** What goes to the audit trail; null when the call is not an attempt worth recording. */
  private static Outcome outcome(Upstream upstream, JsonNode result) {
    int status = upstream.status().value();
    if (result != null && result.has("equal")) {
      String rows = result.path("sourceRows").asLong() + " source rows, " + result.path("targetRows").asLong() + " target rows";
      if (result.path("equal").asBoolean()) {
        return new Outcome("equal", rows);
      }
      JsonNode keys = result.path("differingKeys");
      StringBuilder detail = new StringBuilder(rows).append(", ").append(keys.size()).append(" differing keys");
      for (int i = 0; i < Math.min(3, keys.size()); i++) {
        detail.append(i == 0 ? ": " : "; ").append(keys.get(i).toString());
      }
      return new Outcome("different", detail.length() > 1000 ? detail.substring(0, 997) + "..." : detail.toString());
    }
    if (status == HttpStatus.SERVICE_UNAVAILABLE.value() && upstream.problem() != null) {
      return null; // cdc-sync not configured
    }
    if (status >= 400 && status < 500 && status != 401 && status != 403) {
      return null;
    }
    String why = upstream.problem() != null ? "cdc-sync unreachable" : "cdc-sync answered " + status;
    return new Outcome("failed", why);
  }

  private Mono<Void> record(String pipeline, String actor, String reason, Outcome outcome) {
    if (audit == null) {
      return Mono.empty();
    }
    List<String> routes = routePipelines.entrySet().stream()
        .filter(e -> e.getValue().contains(pipeline)).map(Map.Entry::getKey).sorted().toList();
    return Mono.fromRunnable(() -> audit.verified(pipeline, routes, actor, reason, outcome.outcome(), outcome.detail()))
        .subscribeOn(Schedulers.boundedElastic())
        .onErrorResume(e -> {
          log.error("Dashboard: the verify of pipeline {} ran but could not be written to the audit trail: {}",
              oneLine(pipeline), e.getMessage());
          return Mono.empty();
        })
        .then();
  }

  /** @param outcome {@code equal}, {@code different} or {@code failed}  @param detail what was seen */
  private record Outcome(String outcome, String detail) {}

  /** Operator text in a log line: no line breaks or other control characters (no forged lines). */
  static String oneLine(String text) {
    return text.replaceAll("\\p{Cntrl}", " ");
  }

  /** The last verify result per pipeline run through this dashboard since start-up. */
  Mono<ServerResponse> verifications(ServerRequest request) {
    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
        .bodyValue(mapper.writeValueAsString(Map.copyOf(lastVerify)));
  }

  private Mono<Upstream> forward(ServerRequest request, HttpMethod method, String... segments) {
    if (!sync.configured()) {
      return Mono.just(new Upstream(null, HttpStatus.SERVICE_UNAVAILABLE, null, null, Problems.of(request,
          HttpStatus.SERVICE_UNAVAILABLE, "sync-not-configured", "cdc-sync not configured",
          "set strangler.dashboard.sync.admin-url and strangler.dashboard.sync.token")));
    }
    UriComponentsBuilder builder = UriComponentsBuilder.fromUri(sync.adminUrl()).pathSegment("admin", "pipelines");
    for (String segment : segments) {
      if (segment != null) {
        builder.pathSegment(segment);
      }
    }
    URI uri = builder.build().encode().toUri();
    return client.method(method).uri(uri)
        .header(HttpHeaders.AUTHORIZATION, "Bearer " + sync.token())
        .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
        .exchangeToMono(r -> r.bodyToMono(String.class).defaultIfEmpty("")
            .map(body -> new Upstream(request, r.statusCode(), r.headers().contentType().orElse(null), body, null)))
        .timeout(sync.timeout())
        .onErrorResume(e -> {
          String why = e instanceof TimeoutException ? "no answer within " + sync.timeout() : e.getMessage();
          log.warn("Dashboard: cdc-sync at {} unreachable: {}", uri, why);
          return Mono.just(new Upstream(null, HttpStatus.BAD_GATEWAY, null, null, Problems.of(request,
              HttpStatus.BAD_GATEWAY, "sync-unreachable", "cdc-sync unreachable",
              "cdc-sync's admin API at " + sync.adminUrl() + " did not answer: " + why)));
        });
  }

  /** cdc-sync's answer, or the problem that stands in for it. */
  private record Upstream(ServerRequest request, HttpStatusCode status, MediaType type, String body,
                          Mono<ServerResponse> problem) {

    Mono<ServerResponse> response() {
      if (problem != null) {
        return problem;
      }
      if (status.value() == 401 || status.value() == 403) {
        // cdc-sync refused our token: not the operator's fault, and not the gateway token either
        return Problems.of(request, HttpStatus.BAD_GATEWAY, "sync-token-refused", "cdc-sync refused the token",
            "cdc-sync answered " + status.value() + ": check strangler.dashboard.sync.token");
      }
      ServerResponse.BodyBuilder builder = ServerResponse.status(status);
      if (type != null) {
        builder.contentType(type);
      }
      return body.isEmpty() ? builder.build() : builder.bodyValue(body);
    }
  }
}
