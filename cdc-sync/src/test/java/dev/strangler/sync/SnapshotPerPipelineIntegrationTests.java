package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * Every pipeline that starts gets its snapshot, whether or not the source's engine already
 * captures its table: a pipeline added later for a table another pipeline reads, a pipeline
 * disabled and enabled again, a target emptied while cdc-sync was down, and the snapshot command.
 */
class SnapshotPerPipelineIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("perpipe_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("perpipe_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("perpipe_target");
  static final TestDatabase mirror = TestInfrastructure.freshDatabase("perpipe_mirror");

  static ConfigurableApplicationContext start(boolean withMirror, boolean mirrorEnabled) {
    List<String> properties = new ArrayList<>(List.of(
        "strangler.sync.pipelines.first.source=src", "strangler.sync.pipelines.first.target=dst",
        "strangler.sync.pipelines.first.tables[0].source-table=acct",
        "strangler.sync.pipelines.first.tables[0].key[0]=id"));
    if (withMirror) {
      properties.addAll(List.of("strangler.sync.pipelines.mirror.source=src", "strangler.sync.pipelines.mirror.target=mir",
          "strangler.sync.pipelines.mirror.enabled=" + mirrorEnabled,
          "strangler.sync.pipelines.mirror.tables[0].source-table=acct",
          "strangler.sync.pipelines.mirror.tables[0].key[0]=id"));
    }
    return InProcessCdcSync.start(control, Map.of("src", source, "dst", target, "mir", mirror),
        properties.toArray(String[]::new));
  }

  @Test
  void aPipelineAddedLaterReEnabledOrWithAnEmptiedTargetGetsEveryRowOfAnAlreadyCapturedTable() {
    for (TestDatabase database : List.of(source, target, mirror)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric)").update();
    }
    jdbc(source).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(1, 30) g").update();

    try (ConfigurableApplicationContext app = start(false, false)) {
      await().atMost(Duration.ofSeconds(90)).until(() -> count(target) == 30);
    }
    // the engine already captures acct: the new pipeline still gets its 30 rows
    try (ConfigurableApplicationContext app = start(true, true)) {
      Pipelines pipelines = app.getBean(Pipelines.class);
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(mirror).equals(contents(source)));
      await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.get("mirror").state() == PipelineState.STREAMING);
      assertThat(app.getBean(Verifier.class).verify("mirror").equal()).isTrue();
    }
    // disabled, rows change, the mirror is emptied by hand; enabled again: everything comes back
    try (ConfigurableApplicationContext app = start(true, false)) {
      jdbc(source).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(31, 210) g").update();
      await().atMost(Duration.ofSeconds(60)).until(() -> count(target) == 210);
    }
    jdbc(mirror).sql("DELETE FROM acct WHERE id > 5").update();
    try (ConfigurableApplicationContext app = start(true, true)) {
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(mirror).equals(contents(source)));
      assertThat(app.getBean(Verifier.class).verify("mirror").equal()).isTrue();
    }
    // emptied while cdc-sync was down: snapshotted again at start
    jdbc(target).sql("TRUNCATE acct").update();
    try (ConfigurableApplicationContext app = start(true, true)) {
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(target).equals(contents(source)));
      // emptied while running: the snapshot command fills it
      Pipelines pipelines = app.getBean(Pipelines.class);
      await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.get("first").state() == PipelineState.STREAMING);
      jdbc(target).sql("TRUNCATE acct").update();
      @SuppressWarnings("unchecked")
      Map<String, Object> view = RestClient.builder()
          .baseUrl("http://127.0.0.1:" + app.getEnvironment().getProperty("local.management.port"))
          .defaultHeader("Authorization", "Bearer " + InProcessCdcSync.TOKEN).build()
          .post().uri("/admin/pipelines/first/snapshot").retrieve().body(Map.class);
      assertThat(view).containsEntry("state", "SNAPSHOT");
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(target).equals(contents(source)));
      assertThat(contents(mirror)).isEqualTo(contents(source));
      assertThat(app.getBean(Verifier.class).verify("first").equal()).isTrue();
    }
  }

  static long count(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) FROM acct").query(Long.class).single();
  }

  static String contents(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || ',' || owner || ',' || balance, "
        + "';' ORDER BY id)), '') FROM acct").query(String.class).single();
  }
}
