package dev.strangler.monolith.problems;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The app's one place that turns failures into RFC 9457 problem details with the stable types
 * of docs/api.md ({@code https://strangler.dev/problems/<slug>}). Framework errors (bad JSON,
 * unknown path, wrong method) get the same shape; nothing ever answers a stack trace.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

  static final String TYPE_PREFIX = "https://strangler.dev/problems/";

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  @ExceptionHandler(ApiProblem.class)
  ResponseEntity<ProblemDetail> apiProblem(ApiProblem problem, HttpServletRequest request) {
    ProblemDetail body = problem(problem.status(), problem.slug(), problem.title(),
        problem.getMessage(), request);
    problem.properties().forEach(body::setProperty);
    return ResponseEntity.status(problem.status()).body(body);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException ex,
      HttpServletRequest request) {
    ProblemDetail body = problem(HttpStatus.BAD_REQUEST, "validation", "Invalid request",
        "'" + ex.getName() + "' has an invalid value", request);
    return ResponseEntity.badRequest().body(body);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<ProblemDetail> unexpected(Exception ex, HttpServletRequest request) {
    log.error("Unexpected error on {} {}", request.getMethod(), request.getRequestURI(), ex);
    ProblemDetail body = problem(HttpStatus.INTERNAL_SERVER_ERROR, null, "Internal server error",
        "The request could not be completed.", request);
    return ResponseEntity.internalServerError().body(body);
  }

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    List<FieldProblem> errors = ex.getBindingResult().getFieldErrors().stream()
        .map(ProblemHandler::fieldError)
        .sorted(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message))
        .toList();
    ProblemDetail body = problem(HttpStatus.BAD_REQUEST, "validation", "Invalid request",
        "The request body has invalid fields.", servletRequest(request));
    body.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(body);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ProblemDetail body = problem(HttpStatus.BAD_REQUEST, "validation", "Invalid request",
        "The request body is not valid JSON for this resource.", servletRequest(request));
    return ResponseEntity.badRequest().body(body);
  }

  /** Every other framework error: keep Spring's status, give it our shape. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body,
      HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
    HttpStatus status = HttpStatus.resolve(statusCode.value());
    String slug = switch (statusCode.value()) {
      case 400 -> "validation";
      case 404 -> "not-found";
      default -> null;
    };
    String title = switch (statusCode.value()) {
      case 400 -> "Invalid request";
      case 404 -> "Not found";
      default -> status != null ? status.getReasonPhrase() : "Error";
    };
    String detail = body instanceof ProblemDetail pd && pd.getDetail() != null
        ? pd.getDetail() : title;
    ProblemDetail problem = problem(statusCode, slug, title, detail, servletRequest(request));
    return ResponseEntity.status(statusCode).headers(headers).body(problem);
  }

  private static ProblemDetail problem(HttpStatusCode status, String slug, String title,
      String detail, HttpServletRequest request) {
    ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
    if (slug != null) {
      body.setType(URI.create(TYPE_PREFIX + slug));
    }
    body.setTitle(title);
    if (request != null) {
      body.setInstance(URI.create(request.getRequestURI()));
    }
    return body;
  }

  private static FieldProblem fieldError(FieldError error) {
    String message = error.getDefaultMessage() != null ? error.getDefaultMessage() : "is invalid";
    return new FieldProblem(error.getField(), message);
  }

  /** One entry of a 400's {@code errors}. */
  record FieldProblem(String field, String message) {}

  private static HttpServletRequest servletRequest(WebRequest request) {
    return request instanceof NativeWebRequest nativeRequest
        ? nativeRequest.getNativeRequest(HttpServletRequest.class) : null;
  }
}
