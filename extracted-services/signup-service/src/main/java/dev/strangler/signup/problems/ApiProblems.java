package dev.strangler.signup.problems;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/** Problem details with the stable types of the delivery API ({@code docs/api.md}). */
public final class ApiProblems {

  /** Every problem type of the delivery API lives under this URI. */
  public static final String TYPE_PREFIX = "https://strangler.dev/problems/";

  private ApiProblems() {}

  /**
   * A problem of type {@code TYPE_PREFIX + slug}; {@code instance} is filled in with the request
   * path when the problem is written.
   */
  public static ProblemDetail problem(HttpStatus status, String slug, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create(TYPE_PREFIX + slug));
    problem.setTitle(title);
    return problem;
  }
}
