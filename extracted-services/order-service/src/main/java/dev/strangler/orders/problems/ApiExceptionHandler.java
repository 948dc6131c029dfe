package dev.strangler.orders.problems;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/** The one place that turns failures into problem details; never leaks a stack trace. */
@RestControllerAdvice
class ApiExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
  private static final String TYPE_BASE = "https://strangler.dev/problems/";

  @ExceptionHandler(ApiProblem.class)
  ResponseEntity<ProblemDetail> apiProblem(ApiProblem problem, HttpServletRequest request) {
    ProblemDetail body = problem(problem.status(), problem.slug(), problem.title(),
        problem.getMessage(), request);
    problem.properties().forEach(body::setProperty);
    return ResponseEntity.status(problem.status()).body(body);
  }

  @ExceptionHandler(MethodArgumentNotValidException.class)
  ResponseEntity<ProblemDetail> invalidBody(MethodArgumentNotValidException e, HttpServletRequest request) {
    List<FieldProblem> errors = e.getBindingResult().getFieldErrors().stream()
        .map(error -> new FieldProblem(error.getField(),
            error.getDefaultMessage() != null ? error.getDefaultMessage() : "is invalid"))
        .sorted(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message))
        .toList();
    ProblemDetail body = validation("The request body has invalid fields.", request);
    body.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(body);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadableBody(HttpServletRequest request) {
    return ResponseEntity.badRequest().body(
        validation("The request body is not valid JSON for this resource.", request));
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> badPathOrParameter(MethodArgumentTypeMismatchException e,
      HttpServletRequest request) {
    return ResponseEntity.badRequest().body(validation("'" + e.getName() + "' has an invalid value", request));
  }

  /**
   * Everything else. Spring MVC's own errors (unknown path, wrong method, missing header...) keep
   * their status and detail, worded like the monolith's: 400 {@code validation}, 404
   * {@code not-found}, other statuses without a type.
   */
  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> other(Exception e, HttpServletRequest request) {
    if (e instanceof ErrorResponse spring) {
      HttpStatusCode status = spring.getStatusCode();
      String slug = switch (status.value()) {
        case 400 -> "validation";
        case 404 -> "not-found";
        default -> null;
      };
      HttpStatus resolved = HttpStatus.resolve(status.value());
      String title = switch (status.value()) {
        case 400 -> "Invalid request";
        case 404 -> "Not found";
        default -> resolved != null ? resolved.getReasonPhrase() : "Error";
      };
      String detail = spring.getBody().getDetail() != null ? spring.getBody().getDetail() : title;
      return ResponseEntity.status(status).headers(spring.getHeaders())
          .body(problem(status, slug, title, detail, request));
    }
    log.error("Unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
    return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR,
        null, "Internal server error", "The request could not be completed.", request));
  }

  private static ProblemDetail validation(String detail, HttpServletRequest request) {
    return problem(HttpStatus.BAD_REQUEST, "validation", "Invalid request", detail, request);
  }

  private static ProblemDetail problem(HttpStatusCode status, String slug, String title, String detail,
      HttpServletRequest request) {
    ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
    if (slug != null) {
      body.setType(URI.create(TYPE_BASE + slug));
    }
    body.setTitle(title);
    body.setInstance(URI.create(request.getRequestURI()));
    return body;
  }

  /** One entry of a 400's {@code errors}. */
  record FieldProblem(String field, String message) {}
}
