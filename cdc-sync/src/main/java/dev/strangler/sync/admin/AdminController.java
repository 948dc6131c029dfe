package dev.strangler.sync.admin;

import dev.strangler.sync.pipeline.CatchUpResult;
import dev.strangler.sync.pipeline.Pipelines;
import dev.strangler.sync.verify.Verifier;
import dev.strangler.sync.verify.VerifyResult;
import java.util.List;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The admin API, served by the management child context only (management port). */
@RestController
@RequestMapping("/admin/pipelines")
class AdminController {

  static final long DEFAULT_CATCH_UP_MILLIS = 2000;
  static final long MAX_CATCH_UP_MILLIS = 60_000;

  private final Pipelines pipelines;
  private final Verifier verifier;

  AdminController(Pipelines pipelines, Verifier verifier) {
    this.pipelines = pipelines;
    this.verifier = verifier;
  }

  @GetMapping
  List<PipelineView> list() {
    return pipelines.all().stream().map(p -> PipelineView.of(p, pipelines, verifier)).toList();
  }

  @GetMapping("/{name}")
  PipelineView get(@PathVariable String name) {
    return PipelineView.of(pipelines.get(name), pipelines, verifier);
  }

  @PostMapping("/{name}/verify")
  VerifyResult verify(@PathVariable String name) {
    return verifier.verify(name);
  }

  @PostMapping("/{name}/pause")
  PipelineView pause(@PathVariable String name) {
    return PipelineView.of(pipelines.pause(name), pipelines, verifier);
  }

  /** Takes the pipeline's snapshot again while streaming goes on (e.g. into an emptied target). */
  @PostMapping("/{name}/snapshot")
  PipelineView snapshot(@PathVariable String name) {
    return PipelineView.of(pipelines.snapshot(name), pipelines, verifier);
  }

  @PostMapping("/{name}/resume")
  PipelineView resume(@PathVariable String name) {
    return PipelineView.of(pipelines.resume(name), pipelines, verifier);
  }

  /**
   * Waits until every change committed on the pipeline's source before the call is applied, or the
   * timeout passed ({@code caughtUp: false}, still 200).
   */
  @PostMapping("/{name}/catch-up")
  CatchUpResult catchUp(@PathVariable String name, @RequestBody(required = false) CatchUpRequest request)
      throws InterruptedException {
    long timeout = request == null || request.timeoutMillis() == null ? DEFAULT_CATCH_UP_MILLIS : request.timeoutMillis();
    if (timeout < 1 || timeout > MAX_CATCH_UP_MILLIS) {
      throw new InvalidRequestException("timeoutMillis must be between 1 and " + MAX_CATCH_UP_MILLIS + ", was " + timeout);
    }
    pipelines.get(name);
    return pipelines.catchUp(name, timeout);
  }

  /** @param timeoutMillis how long to wait at most; default 2000 */
  record CatchUpRequest(Long timeoutMillis) {}

  @DeleteMapping("/{name}/slot")
  PipelineView retire(@PathVariable String name) {
    return PipelineView.of(pipelines.retire(name), pipelines, verifier);
  }
}
