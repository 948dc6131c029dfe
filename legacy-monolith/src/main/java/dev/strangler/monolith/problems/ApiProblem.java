package dev.strangler.monolith.problems;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A failure with a stable problem type of docs/api.md, answered as an RFC 9457 problem detail
 * by {@link ProblemHandler}. Thrown by use cases; never carries a stack trace to the client.
 */
public class ApiProblem extends RuntimeException {

  private final HttpStatus status;
  private final String slug;
  private final String title;
  private final Map<String, Object> properties;

  /**
   * @param status the HTTP status
   * @param slug the problem type's last path segment, e.g. {@code coupon-used}
   * @param title short, stable summary of the problem type
   * @param detail what happened in this occurrence
   * @param properties extra members of the problem body (e.g. {@code orderId}), may be empty
   */
  public ApiProblem(HttpStatus status, String slug, String title, String detail,
      Map<String, Object> properties) {
    super(detail, null, false, false);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.properties = new LinkedHashMap<>(properties);
  }

  public static ApiProblem notFound(String detail) {
    return new ApiProblem(HttpStatus.NOT_FOUND, "not-found", "Not found", detail, Map.of());
  }

  public static ApiProblem conflict(String slug, String title, String detail) {
    return new ApiProblem(HttpStatus.CONFLICT, slug, title, detail, Map.of());
  }

  public static ApiProblem unprocessable(String slug, String title, String detail) {
    return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, slug, title, detail, Map.of());
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
    return properties;
  }
}
