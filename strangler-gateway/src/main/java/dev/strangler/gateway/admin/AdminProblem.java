package dev.strangler.gateway.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * An RFC 9457 problem the admin API answers with; nothing was changed.
 */
final class AdminProblem extends RuntimeException {

  static final String TYPE_BASE = "https://strangler.dev/problems/";

  private final HttpStatus status;
  private final String type;
  private final String title;

  AdminProblem(HttpStatus status, String type, String title, String detail) {
    super(detail);
    this.status = status;
    this.type = type;
    this.title = title;
  }

  static AdminProblem badRequest(String detail) {
    return new AdminProblem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail);
  }

  static AdminProblem malformedJson(String detail) {
    return new AdminProblem(HttpStatus.BAD_REQUEST, "malformed-json", "Malformed JSON", detail);
  }

  /** A switch, rollback or audit filter naming no configured route (bad admin input). */
  static AdminProblem unknownRoute(String detail) {
    return new AdminProblem(HttpStatus.BAD_REQUEST, "unknown-route", "Unknown route", detail);
  }

  /** A read of a route that does not exist. */
  static AdminProblem notFound(String detail) {
    return new AdminProblem(HttpStatus.NOT_FOUND, "unknown-route", "Unknown route", detail);
  }

  /** A fenced switch that did not go ahead (cdc-sync behind, timed out, or another switch running). */
  static AdminProblem switchAbandoned(String detail) {
    return new AdminProblem(HttpStatus.CONFLICT, "switch-abandoned", "Switch abandoned", detail);
  }

  static AdminProblem switchInProgress(String detail) {
    return new AdminProblem(HttpStatus.CONFLICT, "switch-in-progress", "Switch in progress", detail);
  }

  static AdminProblem unauthorized() {
    return new AdminProblem(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized",
        "send Authorization: Bearer <strangler.gateway.admin.token>");
  }

  HttpStatus status() {
    return status;
  }

  Map<String, Object> body(String instance) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", TYPE_BASE + type);
    body.put("title", title);
    body.put("status", status.value());
    body.put("detail", getMessage());
    body.put("instance", instance);
    return body;
  }
}
