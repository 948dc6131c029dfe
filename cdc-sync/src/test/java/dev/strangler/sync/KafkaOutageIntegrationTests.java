package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.sync.pipeline.PipelineState;
import dev.strangler.sync.deployment.Pipelines;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Kafka goes down while changes stream: the source's capture engine waits at its WAL position (both
 * pipelines of the source show it), and nothing is lost when Kafka is back.
 */
class KafkaOutageIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("outage_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("outage_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("outage_target");

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }

  @Test
  void captureWaitsWhileKafkaIsDownAndLosesNothing() throws Exception {
    String ddl = "CREATE TABLE items (id bigint PRIMARY KEY, note text)";
    jdbc(source).sql(ddl).update();
    jdbc(target).sql(ddl).update();
    jdbc(target).sql("CREATE TABLE items_too (id bigint PRIMARY KEY, note text)").update();
    Path logs = Files.createTempDirectory("outage-kafka");
    int port = freePortPair();
    RestartableKafka kafka = RestartableKafka.start(logs, port);
    ConfigurableApplicationContext app = new SpringApplicationBuilder(CdcSyncApplication.class).properties(
        "server.port=0", "management.server.port=0",
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
        "spring.kafka.producer.properties.delivery.timeout.ms=5000",
        "spring.kafka.producer.properties.request.timeout.ms=2000",
        "spring.kafka.producer.properties.linger.ms=5",
        "strangler.sync.datasources.src.url=" + source.jdbcUrl(),
        "strangler.sync.datasources.src.username=" + source.username(),
        "strangler.sync.datasources.src.password=" + source.password(),
        "strangler.sync.datasources.dst.url=" + target.jdbcUrl(),
        "strangler.sync.datasources.dst.username=" + target.username(),
        "strangler.sync.datasources.dst.password=" + target.password(),
        "strangler.sync.pipelines.outage.source=src", "strangler.sync.pipelines.outage.target=dst",
        "strangler.sync.pipelines.outage.tables[0].source-table=items",
        "strangler.sync.pipelines.outage.tables[0].key[0]=id",
        "strangler.sync.pipelines.outage-too.source=src", "strangler.sync.pipelines.outage-too.target=dst",
        "strangler.sync.pipelines.outage-too.tables[0].source-table=items",
        "strangler.sync.pipelines.outage-too.tables[0].target-table=items_too",
        "strangler.sync.pipelines.outage-too.tables[0].key[0]=id")
        .run("--server.port=0", "--management.server.port=0"); // as arguments: application.yml's ports win over defaults
    try {
      Pipelines pipelines = app.getBean(Pipelines.class);
      for (int i = 1; i <= 20; i++) {
        jdbc(source).sql("INSERT INTO items VALUES (?, 'before')").param(i).update();
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> count(target) == 20 && count(target, "items_too") == 20);

      kafka.close();
      for (int i = 21; i <= 60; i++) {
        jdbc(source).sql("INSERT INTO items VALUES (?, 'during')").param(i).update();
      }
      await().atMost(Duration.ofSeconds(60))
          .until(() -> pipelines.get("outage").state() == PipelineState.CAPTURE_BLOCKED
              // one engine per source: the other pipeline of the source waits with it
              && pipelines.get("outage-too").state() == PipelineState.CAPTURE_BLOCKED);
      assertThat(count(target)).isEqualTo(20);

      kafka = RestartableKafka.start(logs, port);
      for (int i = 61; i <= 80; i++) {
        jdbc(source).sql("INSERT INTO items VALUES (?, 'after')").param(i).update();
      }
      await().atMost(Duration.ofSeconds(90)).until(() -> count(target) == 80 && count(target, "items_too") == 80);
      assertThat(jdbc(target).sql("SELECT string_agg(id || note, ',' ORDER BY id) FROM items").query(String.class)
          .single()).isEqualTo(jdbc(source).sql("SELECT string_agg(id || note, ',' ORDER BY id) FROM items")
          .query(String.class).single());
      assertThat(jdbc(target).sql("SELECT string_agg(id || note, ',' ORDER BY id) FROM items_too").query(String.class)
          .single()).isEqualTo(jdbc(source).sql("SELECT string_agg(id || note, ',' ORDER BY id) FROM items")
          .query(String.class).single());
      await().atMost(Duration.ofSeconds(30))
          .until(() -> pipelines.get("outage").state() == PipelineState.STREAMING
              && pipelines.get("outage-too").state() == PipelineState.STREAMING);
    } finally {
      app.close();
      kafka.close();
    }
  }

  /** A free port whose successor is free too (the controller takes port + 1). */
  static int freePortPair() throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket socket = new ServerSocket(0)) {
        int port = socket.getLocalPort();
        try (ServerSocket next = new ServerSocket(port + 1)) {
          return port;
        } catch (java.io.IOException busy) {
          // try another
        }
      }
    }
    throw new IllegalStateException("no free pair of ports");
  }

  static long count(TestDatabase database) {
    return count(database, "items");
  }

  static long count(TestDatabase database, String table) {
    return jdbc(database).sql("SELECT count(*) FROM " + table).query(Long.class).single();
  }
}
