package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.sync.pipeline.PipelineState;
import dev.strangler.sync.pipeline.Pipelines;
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
