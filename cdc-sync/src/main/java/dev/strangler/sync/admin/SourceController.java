package dev.strangler.sync.admin;

import dev.strangler.sync.deployment.Pipelines;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Source datasources on the admin API (management port, same Bearer token). */
@RestController
@RequestMapping("/admin/sources")
class SourceController {

  private final Pipelines pipelines;

  SourceController(Pipelines pipelines) {
    this.pipelines = pipelines;
  }

  /**
   * The Debezium PostgreSQL connector's configuration for Kafka Connect, as the body of
   * {@code PUT /connectors/<name>/config}: the slot, publication, tables, heartbeats and topic names
   * the embedded engine uses; the password as a config-provider placeholder. The connector's name is
   * in {@code name}.
   */
  @GetMapping("/{name}/connector")
  Map<String, String> connector(@PathVariable String name) {
    return pipelines.connectorConfig(name).config();
  }
}
