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
 * {@code capture: connect}: a source captured by cdc-sync's embedded engine is handed over, under
 * writes, to the Debezium PostgreSQL connector on a real Kafka Connect cluster of two distributed
 * workers (each a process, on the test kit's broker), registered with the configuration cdc-sync
 * writes; cdc-sync then only applies. The worker running the task is killed with {@code kill -9}
 * under writes; the task moves to the other worker and nothing is lost or applied twice: catch-up
 * answers caught up with the target equal to the source, verify says equal, no conflict. A reverse
 * pipeline (embedded capture of the target) writes back into the Connect-captured source: none of
 * its changes returns (counted).
 */
class ConnectCaptureIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("cc_control");
  static final TestDatabase src = TestInfrastructure.freshDatabase("cc_src");
  static final TestDatabase dst = TestInfrastructure.freshDatabase("cc_dst");
  static final JsonMapper json = JsonMapper.builder().build();

  @Test
  void switchedFromEmbeddedCaptureTheTaskMovesWhenItsWorkerIsKilledAndNothingIsLostOrEchoed() throws Exception {
    long started = System.nanoTime();
    String table = "CREATE TABLE acct (id bigint PRIMARY KEY, n int NOT NULL, note text);";
    ReferenceSchemas.create(src, table);
    ReferenceSchemas.create(dst, table);
    JdbcClient source = InProcessCdcSync.jdbc(src);
    source.sql("INSERT INTO acct (id, n, note) SELECT g, g, 'before' FROM generate_series(1, 200) g").update();

    Path dir = Files.createDirectories(Path.of("target", "connect-it"));
    try (ConnectWorkers workers = new ConnectWorkers(TestInfrastructure.kafka().bootstrapServers(), dir,
        Map.of(ConnectCapture.passwordVariable("src"), src.password()));
         Writer writer = new Writer(source)) {
      workers.start(); // they take a while: meanwhile cdc-sync captures src itself
      workers.start();
      String urls = workers.url(0) + "," + workers.url(1);

      // 1. embedded capture: the snapshot, then writes
      Map<String, Object> config;
      try (ConfigurableApplicationContext embedded = start("embedded", urls)) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> count(dst) == 200);
        writer.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.written() >= 30);
        // the configuration cdc-sync writes: its slot, publication and tables, its topic names, no secret;
        // the slot exists, so the connector streams on from it instead of snapshotting
        config = admin(embedded).get().uri("/admin/sources/src/connector").retrieve()
            .body(new org.springframework.core.ParameterizedTypeReference<>() {});
        assertThat(config).containsEntry("connector.class", "io.debezium.connector.postgresql.PostgresConnector")
            .containsEntry("name", "strangler_src_" + src.name())
            .containsEntry("slot.name", "strangler_src_" + src.name())
            .containsEntry("publication.name", "strangler_src")
            .containsEntry("database.password", "${env:STRANGLER_SYNC_SRC_PASSWORD}")
            .containsEntry("transforms.route0.replacement", "fwd.$1")
            .containsEntry("key.converter.schemas.enable", "false")
            .containsEntry("snapshot.mode", "no_data");
      } // 2. a clean stop: the engine confirms the slot up to what Kafka has; the writer goes on
      String name = (String) config.get("name");
      workers.awaitRest(0, Duration.ofSeconds(90));
      workers.awaitRest(1, Duration.ofSeconds(90));
      assertThat(workers.put(0, "/connectors/" + name + "/config", json.writeValueAsString(config)).statusCode())
          .isIn(200, 201);
      try (ConfigurableApplicationContext app = start("connect", urls)) {
        RestClient admin = admin(app);
        String first = awaitTaskRunning(workers, name, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.written() >= 90);

        // 3. the task's worker dies abruptly: no goodbye to the group, no last offset commit
        int doomed = workers.url(0).endsWith(first.substring(first.indexOf(':'))) ? 0 : 1;
        workers.kill(doomed);
        long killed = System.nanoTime();
        String second = awaitTaskRunning(workers, name, first);
        long movedMillis = (System.nanoTime() - killed) / 1_000_000;
        assertThat(second).isNotEqualTo(first);
        int atMove = writer.written();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.written() >= atMove + 60);
        writer.close();

        Map<?, ?> caughtUp = catchUp(admin, "fwd");
        assertThat(caughtUp.get("caughtUp")).as("catch-up %s", caughtUp).isEqualTo(true);
        // caught up means applied: no waiting here
        assertThat(contents(dst)).isEqualTo(contents(src));
        Map<?, ?> verify = admin.post().uri("/admin/pipelines/fwd/verify").retrieve().body(Map.class);
        assertThat(verify.get("equal")).as("verify %s", verify).isEqualTo(true);
        Map<String, Object> view = InProcessCdcSync.view(app, "fwd");
        assertThat(view.get("state")).isEqualTo("STREAMING");
        assertThat(view.get("conflicts")).isEqualTo(0);

        // 4. the other way: changes written on the target reach the Connect-captured source through
        // the reverse pipeline (embedded capture of dst), the connector captures them there, and the
        // forward applier drops every one of them
        long echoesBefore = InProcessCdcSync.count(app, "fwd", "echoesDropped");
        JdbcClient target = InProcessCdcSync.jdbc(dst);
        for (int i = 1; i <= 50; i++) {
          target.sql("UPDATE acct SET n = ?, note = 'from the new side' WHERE id = ?").param(-i).param(i).update();
        }
        Map<?, ?> back = catchUp(admin, "back");
        assertThat(back.get("caughtUp")).as("catch-up %s", back).isEqualTo(true);
        assertThat(source.sql("SELECT count(*) FROM acct WHERE note = 'from the new side'").query(Long.class).single())
            .isEqualTo(50);
        Map<?, ?> forward = catchUp(admin, "fwd");
        assertThat(forward.get("caughtUp")).as("catch-up %s", forward).isEqualTo(true);
        assertThat(InProcessCdcSync.count(app, "fwd", "echoesDropped") - echoesBefore).isEqualTo(50);
        assertThat(InProcessCdcSync.count(app, "fwd", "conflicts")).isZero();
        assertThat(contents(dst)).isEqualTo(contents(src));
        System.out.printf("ConnectCaptureIntegrationTests: task moved from %s to %s %d ms after the kill; %d writer "
            + "transactions across the switch and the kill, %d rows; wall %d ms%n", first, second, movedMillis,
            writer.written(), count(src), (System.nanoTime() - started) / 1_000_000);
      }
    }
  }

  /** cdc-sync with pipelines src → dst ({@code fwd}) and dst → src ({@code back}), src captured as {@code capture} says. */
  static ConfigurableApplicationContext start(String capture, String connectUrls) {
    return InProcessCdcSync.start(control, Map.of("src", src, "dst", dst),
        "strangler.sync.datasources.src.capture=" + capture,
        "strangler.sync.datasources.src.connect.urls=" + connectUrls,
        "strangler.sync.datasources.src.heartbeat-interval=1s",
        "strangler.sync.pipelines.fwd.source=src", "strangler.sync.pipelines.fwd.target=dst",
        "strangler.sync.pipelines.fwd.tables[0].source-table=acct",
        "strangler.sync.pipelines.fwd.tables[0].key[0]=id",
        "strangler.sync.pipelines.back.source=dst", "strangler.sync.pipelines.back.target=src",
        "strangler.sync.pipelines.back.snapshot=never", "strangler.sync.pipelines.back.conflict-winner=target",
        "strangler.sync.pipelines.back.tables[0].source-table=acct",
        "strangler.sync.pipelines.back.tables[0].key[0]=id");
  }

  static Map<?, ?> catchUp(RestClient admin, String pipeline) {
    return admin.post().uri("/admin/pipelines/{name}/catch-up", pipeline).contentType(MediaType.APPLICATION_JSON)
        .body("{\"timeoutMillis\": 45000}").retrieve().body(Map.class);
  }

  /** Small transactions on the source, one after the other: insert a row, update another, every fifth a delete. */
  static final class Writer implements AutoCloseable {
    private final JdbcClient source;
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicReference<Throwable> failed = new AtomicReference<>();
    private final Thread thread = new Thread(this::write, "writer");

    Writer(JdbcClient source) {
      this.source = source;
    }

    void start() {
      thread.start();
    }

    int written() {
      return written.get();
    }

    private void write() {
      try {
        for (int i = 1001; writing.get(); i++) {
          source.sql("INSERT INTO acct (id, n, note) VALUES (?, 0, 'new')").param(i).update();
          source.sql("UPDATE acct SET n = n + 1, note = 'changed' WHERE id = ?").param(51 + i % 150).update();
          if (i % 5 == 0) {
            source.sql("DELETE FROM acct WHERE id = ?").param(i - 3).update();
          }
          written.incrementAndGet();
          Thread.sleep(10);
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    }

    /** Stops writing; fails if a write failed. */
    @Override
    public void close() throws InterruptedException {
      writing.set(false);
      if (thread.isAlive()) {
        thread.join();
      }
      assertThat(failed.get()).isNull();
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
