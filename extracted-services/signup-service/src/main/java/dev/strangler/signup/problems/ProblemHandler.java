package dev.strangler.signup.problems;

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
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place errors become RFC 9457 problem details. Feature exceptions extend
 * {@link org.springframework.web.ErrorResponseException} with a problem from {@link ApiProblems};
 * bad bodies become {@code 400 validation}; framework errors keep their status in the same
 * shape; anything unexpected a bare {@code 500}, never with a stack trace. Titles and details
 * are the monolith's, word for word, so a shadow comparison sees no difference.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    List<FieldProblem> errors = ex.getBindingResult().getFieldErrors().stream()
        .map(FieldProblem::of)
        .sorted(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message))
        .toList();
    ProblemDetail problem = ApiProblems.problem(HttpStatus.BAD_REQUEST, "validation",
        "Invalid request", "The request body has invalid fields.");
    problem.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(problem);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    return ResponseEntity.badRequest().body(ApiProblems.problem(HttpStatus.BAD_REQUEST,
        "validation", "Invalid request", "The request body is not valid JSON for this resource."));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> handleTypeMismatch(MethodArgumentTypeMismatchException ex) {
    return ResponseEntity.badRequest().body(ApiProblems.problem(HttpStatus.BAD_REQUEST,
        "validation", "Invalid request", "'" + ex.getName() + "' has an invalid value"));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> handleUnexpected(Exception ex) {
    log.error("Unexpected error", ex);
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
        "The request could not be completed.");
    problem.setTitle("Internal server error");
    return ResponseEntity.internalServerError().body(problem);
  }

  /** Framework errors (unknown path, wrong method, ...): keep the status, give our shape. */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body,
      HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
    // Spring passes a null body for ErrorResponse exceptions (ours included) and reads theirs.
    ProblemDetail given = body instanceof ProblemDetail pd ? pd
        : ex instanceof ErrorResponse errorResponse ? errorResponse.getBody() : null;
    if (given != null && given.getType() != null
        && given.getType().toString().startsWith(ApiProblems.TYPE_PREFIX)) {
      return ResponseEntity.status(statusCode).headers(headers).body(given);
    }
    HttpStatus status = HttpStatus.resolve(statusCode.value());
    String title = status != null ? status.getReasonPhrase() : "Error";
    // As the monolith: a framework's own detail only when it passed one (never "No static resource ...").
    String detail = body instanceof ProblemDetail pd && pd.getDetail() != null ? pd.getDetail() : title;
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(statusCode, detail);
    switch (statusCode.value()) {
      case 400 -> problem.setType(URI.create(ApiProblems.TYPE_PREFIX + "validation"));
      case 404 -> problem.setType(URI.create(ApiProblems.TYPE_PREFIX + "not-found"));
      default -> { }
    }
    problem.setTitle(title);
    return ResponseEntity.status(statusCode).headers(headers).body(problem);
  }

  /**
   * One entry of a 400's {@code errors}.
   *
   * @param field the JSON property
   * @param message what is wrong with it
   */
  record FieldProblem(String field, String message) {
    static FieldProblem of(FieldError error) {
      return new FieldProblem(error.getField(),
          error.getDefaultMessage() != null ? error.getDefaultMessage() : "is invalid");
    }
  }
}
