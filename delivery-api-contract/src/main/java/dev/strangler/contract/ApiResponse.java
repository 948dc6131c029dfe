package dev.strangler.contract;

import java.net.http.HttpHeaders;
import tools.jackson.databind.JsonNode;

/**
 * One HTTP answer as a contract test sees it.
 *
 * @param method the request method
 * @param path the request path (with query)
 * @param status the HTTP status code
 * @param headers the response headers
 * @param body the response body as text, empty when there is none
 */
public record ApiResponse(String method, String path, int status, HttpHeaders headers, String body) {

  /** The first value of a response header, or {@code null}. */
  public String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  /** The media type of the body without parameters, e.g. {@code application/problem+json}. */
  public String mediaType() {
    String contentType = header("Content-Type");
    return contentType == null ? null : contentType.split(";", 2)[0].trim();
  }

  /** The body parsed as JSON; fails the test if it is not JSON. */
  public JsonNode json() {
    return Json.read(body, this);
  }

  @Override
  public String toString() {
    return method + " " + path + " -> " + status + " " + body;
  }
}
