package dev.strangler.sync.admin;

import dev.strangler.sync.pipeline.Pipelines;
import dev.strangler.sync.verify.Verifier;
import dev.strangler.sync.verify.VerifyResult;
import java.util.List;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The admin API, served by the management child context only (management port). */
@RestController
@RequestMapping("/admin/pipelines")
class AdminController {

  private final Pipelines pipelines;
  private final Verifier verifier;

  AdminController(Pipelines pipelines, Verifier verifier) {
    this.pipelines = pipelines;
    this.verifier = verifier;
  }

  @GetMapping
  List<PipelineView> list() {
    return pipelines.all().stream().map(PipelineView::of).toList();
  }

  @GetMapping("/{name}")
  PipelineView get(@PathVariable String name) {
    return PipelineView.of(pipelines.get(name));
  }

  @PostMapping("/{name}/verify")
  VerifyResult verify(@PathVariable String name) {
    return verifier.verify(name);
  }

  @PostMapping("/{name}/pause")
  PipelineView pause(@PathVariable String name) {
    return PipelineView.of(pipelines.pause(name));
  }

  @PostMapping("/{name}/resume")
  PipelineView resume(@PathVariable String name) {
    return PipelineView.of(pipelines.resume(name));
  }

  @DeleteMapping("/{name}/slot")
  PipelineView retire(@PathVariable String name) {
    return PipelineView.of(pipelines.retire(name));
  }
}
