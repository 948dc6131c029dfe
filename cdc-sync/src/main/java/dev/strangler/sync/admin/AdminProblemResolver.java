package dev.strangler.sync.admin;

import dev.strangler.sync.deployment.PipelineCannotCatchUpException;
import dev.strangler.sync.deployment.PipelineNotFoundException;
import dev.strangler.sync.pipeline.PipelineStateException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.web.ErrorResponse;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import tools.jackson.databind.json.JsonMapper;

/**
 * Errors of the admin API as RFC 9457 problem details. A resolver rather than a
 * {@code @RestControllerAdvice}: the management child context's dispatcher only consults the
 * {@link HandlerExceptionResolver} beans of that context.
 */
final class AdminProblemResolver implements HandlerExceptionResolver, Ordered {

  private final JsonMapper json;

  AdminProblemResolver(JsonMapper json) {
    this.json = json;
  }

  @Override
  public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
                                       Exception error) {
    if (!request.getRequestURI().startsWith("/admin")) {
      return null;
    }
    try {
      if (error instanceof PipelineNotFoundException) {
        write(request, response, 404, "pipeline-not-found", "Pipeline not found", error.getMessage());
      } else if (error instanceof dev.strangler.sync.deployment.SourceNotFoundException) {
        write(request, response, 404, "source-not-found", "Source not found", error.getMessage());
      } else if (error instanceof PipelineCannotCatchUpException) {
        write(request, response, 409, "pipeline-cannot-catch-up", "Pipeline cannot catch up", error.getMessage());
      } else if (error instanceof dev.strangler.sync.verify.InvalidKeysException) {
        write(request, response, 400, "invalid-keys", "Invalid key list", error.getMessage());
      } else if (error instanceof dev.strangler.sync.verify.VerifyRunningException) {
        write(request, response, 409, "verify-running", "Verify already running", error.getMessage());
      } else if (error instanceof InvalidRequestException) {
        write(request, response, 400, "request", "Bad request", error.getMessage());
      } else if (error instanceof org.springframework.http.converter.HttpMessageNotReadableException) {
        write(request, response, 400, "request", "Bad request", "the body is not valid JSON of the expected shape");
      } else if (error instanceof PipelineStateException) {
        write(request, response, 400, "pipeline-state", "Not possible in the pipeline's state", error.getMessage());
      } else if (error instanceof ErrorResponse spring) {
        write(request, response, spring.getStatusCode().value(), "request", "Bad request",
            spring.getBody().getDetail());
      } else {
        write(request, response, 500, "operation-failed", "Operation failed", error.getMessage());
      }
      return new ModelAndView();
    } catch (IOException e) {
      return null;
    }
  }

  private void write(HttpServletRequest request, HttpServletResponse response, int status, String type, String title,
                     String detail) throws IOException {
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "https://strangler.dev/problems/" + type);
    problem.put("title", title);
    problem.put("status", status);
    problem.put("detail", detail);
    problem.put("instance", request.getRequestURI());
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.getOutputStream().write(json.writeValueAsBytes(problem));
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
