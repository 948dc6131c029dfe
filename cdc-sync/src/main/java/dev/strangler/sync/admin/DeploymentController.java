package dev.strangler.sync.admin;

import dev.strangler.sync.deployment.Pipelines;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The whole deployment from any instance: who captures which source, what is paused. */
@RestController
class DeploymentController {

  private final Pipelines pipelines;

  DeploymentController(Pipelines pipelines) {
    this.pipelines = pipelines;
  }

  @GetMapping("/admin/deployment")
  Pipelines.Deployment deployment() {
    return pipelines.deployment();
  }
}
