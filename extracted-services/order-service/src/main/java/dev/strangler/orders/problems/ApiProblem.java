package dev.strangler.orders.problems;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A failure a client must see as an RFC 9457 problem with a stable type
 * ({@code https://strangler.dev/problems/<slug>}), as docs/api.md lists them.
 */
public class ApiProblem extends RuntimeException {

  private final HttpStatus status;
  private final String slug;
  private final String title;
  private final Map<String, Object> properties = new LinkedHashMap<>();

  public ApiProblem(HttpStatus status, String slug, String title, String detail) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.title = title;
  }

  public static ApiProblem notFound(String detail) {
    return new ApiProblem(HttpStatus.NOT_FOUND, "not-found", "Not found", detail);
  }

  /** Adds a member to the problem body, e.g. {@code orderId}. */
  public ApiProblem with(String name, Object value) {
    properties.put(name, value);
    return this;
  }

  public HttpStatus status() {
    return status;
  }

  public String slug() {
    return slug;
  }

  public String title() {
    return title;
  }

  public Map<String, Object> properties() {
    return Map.copyOf(properties);
  }
}
