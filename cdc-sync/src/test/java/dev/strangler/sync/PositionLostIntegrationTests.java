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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stored offsets are checked against the source before they are used: offsets of a slot that is
 * gone (dropped, the source restored or replaced) or of another server are not trusted. By default
 * the pipeline snapshots again and its target ends equal to the source, rows the source lost
 * meanwhile deleted; with {@code position-lost: stop} it fails, naming source, slot and finding.
 * The same checks run when capture reconnects to a running source.
 */
class PositionLostIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("lost_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("lost_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("lost_target");

  static ConfigurableApplicationContext start(String... extra) {
    List<String> properties = new java.util.ArrayList<>(List.of(
        "strangler.sync.pipelines.lost.source=src", "strangler.sync.pipelines.lost.target=dst",
        "strangler.sync.pipelines.lost.tables[0].source-table=acct",
        "strangler.sync.pipelines.lost.tables[0].key[0]=id"));
    properties.addAll(List.of(extra));
    return InProcessCdcSync.start(control, Map.of("src", source, "dst", target), properties.toArray(String[]::new));
  }

  @Test
  void offsetsOfADroppedSlotAreNotTrustedTheTargetIsSnapshottedAgainAndEndsEqual() {
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric)").update();
    }
    jdbc(source).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(1, 500) g").update();
    String slot;
    try (ConfigurableApplicationContext app = start()) {
      Pipelines pipelines = app.getBean(Pipelines.class);
      slot = pipelines.get("lost").slotName();
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(target).equals(contents(source)));
      // offsets stored past the snapshot
      jdbc(source).sql("INSERT INTO acct VALUES (501, 'o501', 501)").update();
      await().atMost(Duration.ofSeconds(30)).until(() -> count(target) == 501);
    }
    // while cdc-sync is down the slot goes (as with a restored or replaced source) and rows change
    await().atMost(Duration.ofSeconds(10)).until(() -> jdbc(source)
        .sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND NOT active").param(slot)
        .query(Long.class).single() == 1);
    jdbc(source).sql("SELECT pg_drop_replication_slot(?)").param(slot).query().singleRow();
    jdbc(source).sql("DELETE FROM acct WHERE id <= 50").update();
    jdbc(source).sql("UPDATE acct SET balance = balance + 1000 WHERE id > 450").update();
    jdbc(source).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(1000, 1099) g").update();

    try (ConfigurableApplicationContext app = start("strangler.sync.datasources.src.position-lost=stop")) {
      Pipelines pipelines = app.getBean(Pipelines.class);
      assertThat(pipelines.get("lost").state()).isEqualTo(PipelineState.FAILED);
      assertThat(pipelines.get("lost").lastError()).contains("position lost", "source src", slot, "does not exist");
    }
    try (ConfigurableApplicationContext app = start()) {
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(target).equals(contents(source)));
      assertThat(app.getBean(Verifier.class).verify("lost").equal()).isTrue();
      jdbc(source).sql("DELETE FROM acct WHERE id = 1000").update();
      await().atMost(Duration.ofSeconds(30)).until(() -> contents(target).equals(contents(source)));
    }
  }

  static final TestDatabase liveControl = TestInfrastructure.freshDatabase("lostlive_control");
  static final TestDatabase liveSource = TestInfrastructure.freshDatabase("lostlive_source");
  static final TestDatabase liveTarget = TestInfrastructure.freshDatabase("lostlive_target");

  /**
   * Debezium's own reconnect would create the slot again and stream on from its new position:
   * capture stops on a source error instead and reconnects through the same checks as a start.
   */
  @Test
  void aSlotDroppedWhileCaptureRunsIsCaughtAtTheReconnectAndTheTargetEndsEqual() {
    for (TestDatabase database : List.of(liveSource, liveTarget)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric)").update();
    }
    jdbc(liveSource).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(1, 300) g").update();
    try (ConfigurableApplicationContext app = InProcessCdcSync.start(liveControl,
        Map.of("src", liveSource, "dst", liveTarget),
        "strangler.sync.pipelines.lostlive.source=src", "strangler.sync.pipelines.lostlive.target=dst",
        "strangler.sync.pipelines.lostlive.tables[0].source-table=acct",
        "strangler.sync.pipelines.lostlive.tables[0].key[0]=id")) {
      Pipelines pipelines = app.getBean(Pipelines.class);
      String slot = pipelines.get("lostlive").slotName();
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(liveTarget).equals(contents(liveSource)));

      // the connection goes (a source restart, a network cut): capture reconnects and loses nothing
      terminateWalsender(slot);
      jdbc(liveSource).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(301, 350) g").update();
      await().atMost(Duration.ofSeconds(60)).until(() -> contents(liveTarget).equals(contents(liveSource)));

      // the slot goes while capture runs, and rows change before anything reads the WAL again
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
        terminateWalsender(slot);
        jdbc(liveSource).sql("SELECT pg_drop_replication_slot(?)").param(slot).query().singleRow();
        return true;
      });
      jdbc(liveSource).sql("DELETE FROM acct WHERE id <= 40").update();
      jdbc(liveSource).sql("UPDATE acct SET balance = balance + 1000 WHERE id > 320").update();
      jdbc(liveSource).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(1000, 1049) g").update();
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(liveTarget).equals(contents(liveSource)));
      assertThat(app.getBean(Verifier.class).verify("lostlive").equal()).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> pipelines.get("lostlive").state() == PipelineState.STREAMING);
    }
  }

  static final TestDatabase pendingControl = TestInfrastructure.freshDatabase("lostrec_control");
  static final TestDatabase pendingSource = TestInfrastructure.freshDatabase("lostrec_source");
  static final TestDatabase pendingTarget = TestInfrastructure.freshDatabase("lostrec_target");

  @Test
  void aReconcileACrashInterruptedIsDoneAtTheNextStart() {
    for (TestDatabase database : List.of(pendingSource, pendingTarget)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric)").update();
    }
    jdbc(pendingSource).sql("INSERT INTO acct SELECT g, 'o' || g, g FROM generate_series(1, 100) g").update();
    String[] pipeline = {"strangler.sync.pipelines.lostrec.source=src", "strangler.sync.pipelines.lostrec.target=dst",
        "strangler.sync.pipelines.lostrec.tables[0].source-table=acct",
        "strangler.sync.pipelines.lostrec.tables[0].key[0]=id"};
    String slot;
    try (ConfigurableApplicationContext app = InProcessCdcSync.start(pendingControl,
        Map.of("src", pendingSource, "dst", pendingTarget), pipeline)) {
      slot = app.getBean(Pipelines.class).get("lostrec").slotName();
      await().atMost(Duration.ofSeconds(90)).until(() -> contents(pendingTarget).equals(contents(pendingSource)));
    }
    // as a process killed after a lost position's new snapshot and before its reconcile leaves it:
    // the target still has rows the source deleted while no position was kept
    jdbc(pendingTarget).sql("INSERT INTO acct SELECT g, 'gone' || g, g FROM generate_series(5000, 5004) g").update();
    jdbc(pendingControl).sql("INSERT INTO strangler_sync_reconciles (slot, pipeline) VALUES (?, 'lostrec')")
        .param(slot).update();
    try (ConfigurableApplicationContext app = InProcessCdcSync.start(pendingControl,
        Map.of("src", pendingSource, "dst", pendingTarget), pipeline)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> contents(pendingTarget).equals(contents(pendingSource)));
      await().atMost(Duration.ofSeconds(10)).until(() -> jdbc(pendingControl)
          .sql("SELECT count(*) FROM strangler_sync_reconciles").query(Long.class).single() == 0);
    }
  }

  static void terminateWalsender(String slot) {
    jdbc(liveSource).sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ? "
        + "AND active_pid IS NOT NULL").param(slot).query().listOfRows();
  }

  @Test
  void offsetsOfAnotherServerAreNotTrusted() {
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE IF NOT EXISTS other (id bigint PRIMARY KEY, n int)").update();
    }
    // the control database says the slot's offsets belong to another server
    jdbc(control).sql("CREATE TABLE IF NOT EXISTS strangler_sync_sources (slot text PRIMARY KEY, system_identifier text NOT NULL)")
        .update();
    String slot = "strangler_other_" + source.name();
    jdbc(control).sql("INSERT INTO strangler_sync_sources VALUES (?, '1234567890123456789')").param(slot).update();
    try (ConfigurableApplicationContext app = InProcessCdcSync.start(control, Map.of("other", source, "dst", target),
        "strangler.sync.datasources.other.position-lost=stop",
        "strangler.sync.pipelines.o.source=other", "strangler.sync.pipelines.o.target=dst",
        "strangler.sync.pipelines.o.tables[0].source-table=other", "strangler.sync.pipelines.o.tables[0].key[0]=id")) {
      Pipelines pipelines = app.getBean(Pipelines.class);
      assertThat(pipelines.get("o").state()).isEqualTo(PipelineState.FAILED);
      assertThat(pipelines.get("o").lastError()).contains("1234567890123456789", "system identifier", slot);
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
