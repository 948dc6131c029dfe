package dev.strangler.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** RFC 9457 problem answers of the dashboard's endpoints, shaped like the gateway admin API's. */
final class Problems {

  static final String TYPE_BASE = "https://strangler.dev/problems/";
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Problems() {}

  static Mono<ServerResponse> of(ServerRequest request, HttpStatus status, String type, String title, String detail) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", TYPE_BASE + type);
    body.put("title", title);
    body.put("status", status.value());
    body.put("detail", detail);
    body.put("instance", request.path());
    ServerResponse.BodyBuilder builder = ServerResponse.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
    if (status == HttpStatus.UNAUTHORIZED) {
      builder.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    }
    return builder.bodyValue(MAPPER.writeValueAsString(body));
  }

  static Mono<ServerResponse> unauthorized(ServerRequest request) {
    return of(request, HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
        "send Authorization: Bearer <strangler.gateway.admin.token>");
  }
}
