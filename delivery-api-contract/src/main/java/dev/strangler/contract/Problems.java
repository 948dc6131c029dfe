package dev.strangler.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Assertions for RFC 9457 problem details as {@code docs/api.md} defines them: a stable
 * {@code type} {@code https://strangler.dev/problems/<slug>}, a {@code title}, {@code status},
 * {@code detail} and {@code instance} (the request path), and never a stack trace.
 */
public final class Problems {

  /** Where every problem type of the delivery API lives. */
  public static final String TYPE_PREFIX = "https://strangler.dev/problems/";

  private Problems() {}

  /**
   * Asserts that {@code response} is the problem {@code slug} with {@code status}.
   *
   * @return the problem body, for further assertions (e.g. {@code orderId})
   */
  public static JsonNode assertProblem(ApiResponse response, int status, String slug) {
    assertThat(response.status()).as("status of %s", response).isEqualTo(status);
    assertThat(response.mediaType()).as("content type of %s", response)
        .isEqualTo("application/problem+json");
    JsonNode problem = response.json();
    assertThat(problem.path("type").stringValue(null)).as("type of %s", response)
        .isEqualTo(TYPE_PREFIX + slug);
    assertThat(problem.path("title").stringValue(null)).as("title of %s", response).isNotBlank();
    assertThat(problem.path("status").isIntegralNumber()).as("numeric status of %s", response).isTrue();
    assertThat(problem.path("status").intValue()).as("status field of %s", response).isEqualTo(status);
    assertThat(problem.path("detail").stringValue(null)).as("detail of %s", response).isNotBlank();
    assertThat(problem.path("instance").stringValue(null)).as("instance of %s", response)
        .isEqualTo(pathWithoutQuery(response.path()));
    assertThat(problem.propertyNames()).as("no stack trace in %s", response)
        .doesNotContain("trace", "stackTrace", "exception");
    return problem;
  }

  /**
   * Asserts a {@code 400 validation} problem whose {@code errors} name exactly {@code fields}
   * (each at least once, nothing else), sorted by field, each with a message.
   */
  public static JsonNode assertValidationProblem(ApiResponse response, String... fields) {
    JsonNode problem = assertProblem(response, 400, "validation");
    JsonNode errors = problem.path("errors");
    assertThat(errors.isArray()).as("errors array in %s", response).isTrue();
    List<String> named = new ArrayList<>();
    for (JsonNode error : errors) {
      assertThat(error.path("field").stringValue(null)).as("error field in %s", response).isNotBlank();
      assertThat(error.path("message").stringValue(null)).as("error message in %s", response).isNotBlank();
      named.add(error.path("field").stringValue());
    }
    assertThat(named).as("errors sorted by field in %s", response).isSorted();
    assertThat(named.stream().distinct().toList()).as("fields in error in %s", response)
        .containsExactly(List.of(fields).stream().sorted().toArray(String[]::new));
    return problem;
  }

  private static String pathWithoutQuery(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }
}
