package dev.strangler.dashboard;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
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
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Forwards the page's pipeline calls to cdc-sync's admin API with cdc-sync's own token, so the
 * browser holds only the gateway's token. Remembers each pipeline's last verify result (cdc-sync
 * does not keep one) for as long as this gateway runs.
 */
final class SyncProxy {

  static final String ACTOR_HEADER = "X-Strangler-Actor";
  private static final Logger log = LoggerFactory.getLogger(SyncProxy.class);

  private final DashboardProperties.Sync sync;
  private final WebClient client;
  private final JsonMapper mapper;
  private final Map<String, Map<String, Object>> lastVerify = new ConcurrentHashMap<>();

  /**
   * @param sync where cdc-sync is
   * @param client calls it
   * @param mapper reads verify results
   */
  SyncProxy(DashboardProperties.Sync sync, WebClient client, JsonMapper mapper) {
    this.sync = sync;
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
        if (upstream.status().is2xxSuccessful()) {
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("at", Instant.now().toString());
          entry.put("actor", by);
          entry.put("reason", why);
          try {
            entry.put("result", mapper.readTree(upstream.body()));
          } catch (JacksonException e) {
            entry.put("result", null);
          }
          lastVerify.put(name, entry);
        }
        return upstream.response();
      });
    });
  }

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
