package dev.strangler.orders.problems;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.springframework.web.servlet.resource.NoResourceFoundException;

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
    List<Map<String, String>> errors = e.getBindingResult().getFieldErrors().stream()
        .map(error -> Map.of("field", error.getField(),
            "message", String.valueOf(error.getDefaultMessage())))
        .sorted(Comparator.<Map<String, String>, String>comparing(error -> error.get("field"))
            .thenComparing(error -> error.get("message")))
        .toList();
    ProblemDetail body = validation("The request body has invalid fields.", request);
    body.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(body);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ProblemDetail> unreadableBody(HttpServletRequest request) {
    return ResponseEntity.badRequest().body(validation("The request body is not readable JSON.", request));
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> badPathOrParameter(MethodArgumentTypeMismatchException e,
      HttpServletRequest request) {
    return ResponseEntity.badRequest().body(validation("'" + e.getName() + "' has an invalid value.", request));
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<ProblemDetail> noSuchPath(HttpServletRequest request) {
    return ResponseEntity.status(HttpStatus.NOT_FOUND).body(
        problem(HttpStatus.NOT_FOUND, "not-found", "Not found", "No such resource.", request));
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> other(Exception e, HttpServletRequest request) {
    if (e instanceof ErrorResponse spring) {
      // Spring MVC's own errors (405, 415, missing header...) keep their status
      HttpStatusCode status = spring.getStatusCode();
      HttpStatus resolved = HttpStatus.resolve(status.value());
      String title = resolved != null ? resolved.getReasonPhrase() : "Error";
      return ResponseEntity.status(status).body(problem(status, slug(title), title,
          spring.getBody().getDetail(), request));
    }
    log.error("Unexpected failure on {} {}", request.getMethod(), request.getRequestURI(), e);
    return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR,
        "internal", "Internal error", "The request could not be completed.", request));
  }

  private static ProblemDetail validation(String detail, HttpServletRequest request) {
    return problem(HttpStatus.BAD_REQUEST, "validation", "Invalid request", detail, request);
  }

  private static ProblemDetail problem(HttpStatusCode status, String slug, String title, String detail,
      HttpServletRequest request) {
    ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
    body.setType(URI.create(TYPE_BASE + slug));
    body.setTitle(title);
    body.setInstance(URI.create(request.getRequestURI()));
    return body;
  }

  private static String slug(String title) {
    return title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
  }
}
