package dev.strangler.embedded.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * A property tree shaped like the apps' (maps of records, lists of records, maps of scalars).
 *
 * @param legacyUri a scalar
 * @param routes records by name
 * @param pipelines records by name holding a list of records
 * @param nested a nested record
 */
@ConfigurationProperties("strangler.example")
public record ExampleProperties(URI legacyUri, Map<String, Route> routes, Map<String, Pipeline> pipelines,
                                Nested nested) {

  /** @param paths scalars  @param mode a scalar  @param canary a record */
  public record Route(List<String> paths, String mode, Canary canary) {}

  /** @param percent a number  @param stickyKey a camel-case name */
  public record Canary(double percent, String stickyKey) {}

  /** @param source a scalar  @param tables a list of records */
  public record Pipeline(String source, List<Table> tables) {}

  /** @param sourceTable a scalar  @param key scalars  @param columns free-form  @param convert free-form */
  public record Table(String sourceTable, List<String> key, Map<String, String> columns, Map<String, String> convert) {}

  /** @param timeout a duration  @param methods scalars */
  public record Nested(Duration timeout, List<String> methods) {}
}
