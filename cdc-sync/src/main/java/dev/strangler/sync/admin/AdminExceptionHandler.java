package dev.strangler.sync.admin;

import dev.strangler.sync.pipeline.PipelineNotFoundException;
import dev.strangler.sync.pipeline.PipelineStateException;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Errors of the admin API as RFC 9457 problem details. */
@RestControllerAdvice(assignableTypes = AdminController.class)
class AdminExceptionHandler {

  @ExceptionHandler(PipelineNotFoundException.class)
  ProblemDetail notFound(PipelineNotFoundException e) {
    return problem(HttpStatus.NOT_FOUND, "pipeline-not-found", "Pipeline not found", e.getMessage());
  }

  @ExceptionHandler(PipelineStateException.class)
  ProblemDetail badState(PipelineStateException e) {
    return problem(HttpStatus.BAD_REQUEST, "pipeline-state", "Not possible in the pipeline's state", e.getMessage());
  }

  @ExceptionHandler(IllegalStateException.class)
  ProblemDetail failed(IllegalStateException e) {
    return problem(HttpStatus.INTERNAL_SERVER_ERROR, "operation-failed", "Operation failed", e.getMessage());
  }

  static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(URI.create("https://strangler.dev/problems/" + type));
    problem.setTitle(title);
    return problem;
  }
}
