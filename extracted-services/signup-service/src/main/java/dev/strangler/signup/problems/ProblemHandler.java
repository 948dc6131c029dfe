package dev.strangler.signup.problems;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place errors become RFC 9457 problem details. Feature exceptions extend
 * {@link org.springframework.web.ErrorResponseException} with a problem from {@link ApiProblems};
 * bad bodies become {@code 400 validation}; anything unexpected a bare {@code 500} (logged here,
 * never with a stack trace in the answer).
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    List<Map<String, String>> errors = ex.getBindingResult().getFieldErrors().stream()
        .sorted(Comparator.comparing(FieldError::getField)
            .thenComparing(error -> String.valueOf(error.getDefaultMessage())))
        .map(error -> Map.of("field", error.getField(),
            "message", String.valueOf(error.getDefaultMessage())))
        .toList();
    ProblemDetail problem = ApiProblems.problem(HttpStatus.BAD_REQUEST, "validation",
        "Invalid request", "The request has invalid fields.");
    problem.setProperty("errors", errors);
    return ResponseEntity.badRequest().body(problem);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
      HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    return ResponseEntity.badRequest().body(ApiProblems.problem(HttpStatus.BAD_REQUEST,
        "validation", "Invalid request", "The request body is not valid JSON."));
  }

  @ExceptionHandler
  ResponseEntity<ProblemDetail> handleUnexpected(Exception ex) {
    log.error("Unexpected error", ex);
    return ResponseEntity.internalServerError().body(ApiProblems.problem(
        HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
        "The request could not be completed."));
  }
}
