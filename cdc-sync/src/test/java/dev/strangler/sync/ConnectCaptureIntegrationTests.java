package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.sync.capture.ConnectCapture;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code capture: connect}: the Debezium PostgreSQL connector runs on a real Kafka Connect cluster of
 * two distributed workers (each a process, on the test kit's broker) with the configuration cdc-sync
 * writes, and cdc-sync only applies. The worker running the task is killed with {@code kill -9} under
 * writes; the task moves to the other worker and nothing is lost: catch-up answers caught up with the
 * target equal to the source, and verify says equal.
 */
class ConnectCaptureIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("cc_control");
  static final TestDatabase src = TestInfrastructure.freshDatabase("cc_src");
  static final TestDatabase dst = TestInfrastructure.freshDatabase("cc_dst");
  static final JsonMapper json = JsonMapper.builder().build();

  @Test
  void theTaskMovesToTheOtherWorkerWhenItsWorkerIsKilledAndNothingIsLost() throws Exception {
    long started = System.nanoTime();
    String table = "CREATE TABLE acct (id bigint PRIMARY KEY, n int NOT NULL, note text);";
    ReferenceSchemas.create(src, table);
    ReferenceSchemas.create(dst, table);
    JdbcClient source = InProcessCdcSync.jdbc(src);
    source.sql("INSERT INTO acct (id, n, note) SELECT g, g, 'before' FROM generate_series(1, 200) g").update();

    Path dir = Files.createDirectories(Path.of("target", "connect-it"));
    try (ConnectWorkers workers = new ConnectWorkers(TestInfrastructure.kafka().bootstrapServers(), dir,
        Map.of(ConnectCapture.passwordVariable("src"), src.password()))) {
      workers.start();
      workers.start();
      try (ConfigurableApplicationContext app = InProcessCdcSync.start(control, Map.of("src", src, "dst", dst),
          "strangler.sync.datasources.src.capture=connect",
          "strangler.sync.datasources.src.connect.urls=" + workers.url(0) + "," + workers.url(1),
          "strangler.sync.datasources.src.heartbeat-interval=1s",
          "strangler.sync.pipelines.fwd.source=src", "strangler.sync.pipelines.fwd.target=dst",
          "strangler.sync.pipelines.fwd.tables[0].source-table=acct",
          "strangler.sync.pipelines.fwd.tables[0].key[0]=id")) {
        RestClient admin = admin(app);
        // the configuration cdc-sync writes: its slot, publication and tables, its topic names, no secret
        Map<String, Object> config = admin.get().uri("/admin/sources/src/connector").retrieve()
            .body(new org.springframework.core.ParameterizedTypeReference<>() {});
        String name = (String) config.get("name");
        assertThat(config).containsEntry("connector.class", "io.debezium.connector.postgresql.PostgresConnector")
            .containsEntry("slot.name", "strangler_src_" + src.name())
            .containsEntry("publication.name", "strangler_src")
            .containsEntry("database.password", "${env:STRANGLER_SYNC_SRC_PASSWORD}")
            .containsEntry("transforms.route0.replacement", "fwd.$1")
            .containsEntry("key.converter.schemas.enable", "false")
            .containsEntry("snapshot.mode", "initial");

        workers.awaitRest(0, Duration.ofSeconds(90));
        workers.awaitRest(1, Duration.ofSeconds(90));
        assertThat(workers.put(0, "/connectors/" + name + "/config", json.writeValueAsString(config)).statusCode())
            .isIn(200, 201);
        String first = awaitTaskRunning(workers, name, null);
        int doomed = workers.url(0).endsWith(first.substring(first.indexOf(':'))) ? 0 : 1;

        // the snapshot through Connect
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> count(dst) == 200);

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger written = new AtomicInteger();
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
          try {
            for (int i = 1001; writing.get(); i++) { // small transactions: insert, update, delete
              source.sql("INSERT INTO acct (id, n, note) VALUES (?, 0, 'new')").param(i).update();
              source.sql("UPDATE acct SET n = n + 1, note = 'changed' WHERE id = ?").param(1 + i % 200).update();
              if (i % 5 == 0) {
                source.sql("DELETE FROM acct WHERE id = ?").param(i - 3).update();
              }
              written.incrementAndGet();
              Thread.sleep(10);
            }
          } catch (Throwable e) {
            writerFailed.set(e);
          }
        }, "writer");
        writer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= 100);

        workers.kill(doomed); // abruptly: the task's worker leaves no goodbye and commits nothing more
        long killed = System.nanoTime();
        String second = awaitTaskRunning(workers, name, first);
        long movedMillis = (System.nanoTime() - killed) / 1_000_000;
        System.out.printf("Connect task moved from %s to %s %d ms after the kill%n", first, second, movedMillis);
        assertThat(second).isNotEqualTo(first);

        int atMove = written.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= atMove + 100);
        writing.set(false);
        writer.join();
        assertThat(writerFailed.get()).isNull();

        Map<?, ?> caughtUp = admin.post().uri("/admin/pipelines/fwd/catch-up").contentType(MediaType.APPLICATION_JSON)
            .body("{\"timeoutMillis\": 45000}").retrieve().body(Map.class);
        assertThat(caughtUp.get("caughtUp")).as("catch-up %s", caughtUp).isEqualTo(true);
        // caught up means applied: no waiting here
        assertThat(contents(dst)).isEqualTo(contents(src));
        Map<?, ?> verify = admin.post().uri("/admin/pipelines/fwd/verify").retrieve().body(Map.class);
        assertThat(verify.get("equal")).as("verify %s", verify).isEqualTo(true);
        assertThat(InProcessCdcSync.view(app, "fwd").get("state")).isEqualTo("STREAMING");
        System.out.printf("ConnectCaptureIntegrationTests: %d writer transactions, %d rows; wall %d ms%n", written.get(),
            count(src), (System.nanoTime() - started) / 1_000_000);
      }
    }
  }

  /** Waits until the connector's task runs on a worker other than {@code not}; returns that worker's id. */
  static String awaitTaskRunning(ConnectWorkers workers, String connector, String not) {
    AtomicReference<String> worker = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
      for (int i = 0; i < 2; i++) {
        if (!workers.process(i).isAlive()) {
          continue;
        }
        JsonNode status = json.readTree(workers.get(i, "/connectors/" + connector + "/status").body());
        JsonNode task = status.path("tasks").path(0);
        if ("RUNNING".equals(task.path("state").asString()) && !task.path("worker_id").asString().equals(not)) {
          worker.set(task.path("worker_id").asString());
          return true;
        }
        if ("FAILED".equals(task.path("state").asString())) {
          throw new AssertionError("connector task failed: " + task.path("trace").asString());
        }
      }
      return false;
    });
    return worker.get();
  }

  static RestClient admin(ConfigurableApplicationContext app) {
    org.springframework.http.client.JdkClientHttpRequestFactory requests =
        new org.springframework.http.client.JdkClientHttpRequestFactory();
    requests.setReadTimeout(Duration.ofSeconds(90));
    return RestClient.builder().requestFactory(requests)
        .baseUrl("http://127.0.0.1:" + app.getEnvironment().getProperty("local.management.port"))
        .defaultHeader("Authorization", "Bearer " + InProcessCdcSync.TOKEN).build();
  }

  static long count(TestDatabase database) {
    return InProcessCdcSync.jdbc(database).sql("SELECT count(*) FROM acct").query(Long.class).single();
  }

  static String contents(TestDatabase database) {
    return InProcessCdcSync.jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || ',' || n || ','"
        + " || coalesce(note, '~'), ';' ORDER BY id)), '') FROM acct").query(String.class).single();
  }
}
