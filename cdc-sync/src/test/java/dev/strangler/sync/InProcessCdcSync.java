package dev.strangler.sync;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.web.client.RestClient;

/** Starts cdc-sync in this JVM on test-kit databases and Kafka, so a test can stop it and start it with another mapping. */
final class InProcessCdcSync {

  static final String TOKEN = "failure-modes";

  private InProcessCdcSync() {}

  /** The pipeline's view on the admin API (state, lastError, counters). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> view(ConfigurableApplicationContext app, String pipeline) {
    return RestClient.builder()
        .baseUrl("http://127.0.0.1:" + app.getEnvironment().getProperty("local.management.port"))
        .defaultHeader("Authorization", "Bearer " + TOKEN).build()
        .get().uri("/admin/pipelines/{name}", pipeline).retrieve().body(Map.class);
  }

  static long count(ConfigurableApplicationContext app, String pipeline, String counter) {
    return ((Number) view(app, pipeline).get(counter)).longValue();
  }

  /**
   * @param control the control database (offsets)
   * @param datasources datasource name → database
   * @param pipelineProperties {@code strangler.sync.pipelines...=value} lines
   */
  static ConfigurableApplicationContext start(TestDatabase control, Map<String, TestDatabase> datasources,
                                              String... pipelineProperties) {
    List<String> properties = new ArrayList<>(List.of("server.port=0", "management.server.port=0",
        "strangler.sync.admin.token=" + TOKEN,
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers()));
    datasources.forEach((name, database) -> {
      properties.add("strangler.sync.datasources." + name + ".url=" + database.jdbcUrl());
      properties.add("strangler.sync.datasources." + name + ".username=" + database.username());
      properties.add("strangler.sync.datasources." + name + ".password=" + database.password());
    });
    properties.addAll(List.of(pipelineProperties));
    // as arguments: they win over application.yml, unlike the builder's default properties
    return new SpringApplicationBuilder(CdcSyncApplication.class)
        .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
  }

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }
}
