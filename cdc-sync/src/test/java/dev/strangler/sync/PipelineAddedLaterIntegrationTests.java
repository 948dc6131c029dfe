package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.sync.pipeline.PipelineState;
import dev.strangler.sync.deployment.Pipelines;
import dev.strangler.sync.verify.Verifier;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A pipeline added to a source whose capture engine already has offsets: its tables never went
 * through the engine's initial snapshot, so they get an incremental snapshot of their own while
 * the source's other pipeline keeps streaming; none of their existing rows is skipped.
 */
class PipelineAddedLaterIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("later_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("later_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("later_target");

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }

  static ConfigurableApplicationContext start(boolean withLaterPipeline) {
    List<String> properties = new ArrayList<>(List.of("server.port=0", "management.server.port=0",
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "strangler.sync.datasources.src.url=" + source.jdbcUrl(),
        "strangler.sync.datasources.src.username=" + source.username(),
        "strangler.sync.datasources.src.password=" + source.password(),
        "strangler.sync.datasources.dst.url=" + target.jdbcUrl(),
        "strangler.sync.datasources.dst.username=" + target.username(),
        "strangler.sync.datasources.dst.password=" + target.password(),
        "strangler.sync.pipelines.first.source=src", "strangler.sync.pipelines.first.target=dst",
        "strangler.sync.pipelines.first.tables[0].source-table=early",
        "strangler.sync.pipelines.first.tables[0].key[0]=id"));
    if (withLaterPipeline) {
      properties.addAll(List.of("strangler.sync.pipelines.later.source=src", "strangler.sync.pipelines.later.target=dst",
          "strangler.sync.pipelines.later.tables[0].source-table=late",
          "strangler.sync.pipelines.later.tables[0].key[0]=id"));
    }
    // ports as arguments: default properties would lose to application.yml's fixed ports
    return new SpringApplicationBuilder(CdcSyncApplication.class).properties(properties.toArray(String[]::new))
        .run("--server.port=0", "--management.server.port=0");
  }

  @Test
  void aPipelineAddedLaterGetsItsExistingRowsWhileTheSourceKeepsStreaming() throws Exception {
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE early (id bigint PRIMARY KEY, n int NOT NULL)").update();
      jdbc(database).sql("CREATE TABLE late (id bigint PRIMARY KEY, n int NOT NULL)").update();
    }
    jdbc(source).sql("INSERT INTO early SELECT g, g FROM generate_series(1, 100) g").update();
    jdbc(source).sql("INSERT INTO late SELECT g, g FROM generate_series(1, 5000) g").update();

    try (ConfigurableApplicationContext first = start(false)) {
      await().atMost(Duration.ofSeconds(90)).until(() -> count(target, "early") == 100);
      jdbc(source).sql("INSERT INTO early VALUES (101, 101)").update();
      await().atMost(Duration.ofSeconds(30)).until(() -> count(target, "early") == 101);
    }
    // rows of the later pipeline's table written while it did not exist yet
    jdbc(source).sql("INSERT INTO late SELECT g, g FROM generate_series(5001, 6000) g").update();

    AtomicBoolean writing = new AtomicBoolean(true);
    try (ConfigurableApplicationContext second = start(true)) {
      Pipelines pipelines = second.getBean(Pipelines.class);
      assertThat(pipelines.get("later").slotName()).isEqualTo(pipelines.get("first").slotName()).isEqualTo("strangler_src_" + source.name());
      // both tables change while the incremental snapshot runs
      Thread writer = new Thread(() -> {
        var connection = new org.springframework.jdbc.datasource.SingleConnectionDataSource(source.jdbcUrl(),
            source.username(), source.password(), true);
        JdbcClient db = JdbcClient.create(connection);
        for (int i = 0; writing.get() && i < 400; i++) {
          db.sql("UPDATE late SET n = n + 1 WHERE id = ?").param(1 + (i * 37) % 6000).update();
          db.sql("INSERT INTO late VALUES (?, 0)").param(10_000 + i).update();
          if (i % 10 == 0) {
            db.sql("DELETE FROM late WHERE id = ?").param(2 + (i * 53) % 6000).update();
            db.sql("INSERT INTO early VALUES (?, 0)").param(1000 + i).update();
          }
        }
        connection.destroy();
      }, "later-writer");
      writer.start();
      writer.join();
      String expected = contents(source, "late");
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .until(() -> contents(target, "late").equals(expected));
      assertThat(contents(target, "early")).isEqualTo(contents(source, "early"));
      assertThat(second.getBean(Verifier.class).verify("later").equal()).isTrue();
      assertThat(pipelines.get("later").stats().snapshotRowsTotal()).isEqualTo(6000);
      await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.get("later").state() == PipelineState.STREAMING);
      assertThat(jdbc(source).sql("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")
          .query(Long.class).single()).isEqualTo(1);
    } finally {
      writing.set(false);
    }
  }

  static long count(TestDatabase database, String table) {
    return jdbc(database).sql("SELECT count(*) FROM " + table).query(Long.class).single();
  }

  static String contents(TestDatabase database, String table) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || ',' || n, ';' ORDER BY id)), '') "
        + "FROM " + table).query(String.class).single();
  }
}
