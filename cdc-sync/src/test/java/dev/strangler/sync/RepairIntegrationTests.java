package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.client.RestClient;

/**
 * Repair of a target tampered with behind cdc-sync's back (rows changed, deleted and added): the
 * dry run counts and writes nothing, the applied repair re-copies exactly those keys and a verify is
 * equal after; bad key lists are problem details that change nothing. A reverse pipeline ({@code back}:
 * the target's {@code acct} into the source's {@code acct_back}, so tampering never reaches {@code acct})
 * shows that repair writes are dropped as echoes; repairs racing the applier never set a row back.
 */
@SuppressWarnings("unchecked")
class RepairIntegrationTests {

  static final int ROWS = 2_000;
  /** the advisory lock the target's {@code hold_insert} trigger waits for */
  static final int HOLD = 4711;
  static TestDatabase source;
  static TestDatabase target;
  static TestDatabase control;
  static ConfigurableApplicationContext app;

  @BeforeAll
  static void start() {
    source = TestInfrastructure.freshDatabase("repair_source");
    target = TestInfrastructure.freshDatabase("repair_target");
    control = TestInfrastructure.freshDatabase("repair_control");
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric)").update();
    }
    jdbc(source).sql("CREATE TABLE acct_back (id bigint PRIMARY KEY, owner text, balance numeric)").update();
    // holds back any insert of owner 'held' (applier's or repair's, replica role or not) while the test has the lock
    jdbc(target).sql("""
        CREATE FUNCTION hold_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_xact_lock(%d); RETURN NEW; END $$;
        CREATE TRIGGER hold_insert BEFORE INSERT ON acct FOR EACH ROW WHEN (NEW.owner = 'held')
          EXECUTE FUNCTION hold_insert();
        ALTER TABLE acct ENABLE ALWAYS TRIGGER hold_insert;
        """.formatted(HOLD)).update();
    jdbc(source).sql("INSERT INTO acct SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, " + ROWS + ") g")
        .update();
    app = InProcessCdcSync.start(control, Map.of("src", source, "dst", target),
        "strangler.sync.pipelines.repair.source=src", "strangler.sync.pipelines.repair.target=dst",
        "strangler.sync.pipelines.repair.tables[0].source-table=acct",
        "strangler.sync.pipelines.repair.tables[0].key[0]=id",
        "strangler.sync.pipelines.back.source=dst", "strangler.sync.pipelines.back.target=src",
        "strangler.sync.pipelines.back.snapshot=never",
        "strangler.sync.pipelines.back.tables[0].source-table=acct",
        "strangler.sync.pipelines.back.tables[0].target-table=acct_back",
        "strangler.sync.pipelines.back.tables[0].key[0]=id");
    await().atMost(Duration.ofSeconds(120)).until(() -> "STREAMING".equals(InProcessCdcSync.view(app, "repair").get("state"))
        && "STREAMING".equals(InProcessCdcSync.view(app, "back").get("state")) && count(target) == ROWS);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void theCopiedSnapshotReportsTheRowsItCopiedAsItsTotal() {
    // the source table was never analyzed: no estimate while copying, the copy's own count once done
    assertThat((Map<String, Object>) InProcessCdcSync.view(app, "repair").get("snapshot"))
        .containsEntry("rowsDone", ROWS).containsEntry("rowsTotal", ROWS);
  }

  @Test
  void aDryRunCountsTheTamperedRowsAndChangesNothingThenApplyRepairsThemAndVerifyIsEqual() {
    jdbc(target).sql("UPDATE acct SET owner = 'tampered' WHERE id IN (10, 20, 30)").update();
    jdbc(target).sql("DELETE FROM acct WHERE id IN (40, 50)").update();
    jdbc(target).sql("INSERT INTO acct VALUES (999999, 'extra', 1)").update();
    String tampered = contents(target);

    Map<String, Object> dryRun = admin().post().uri("/admin/pipelines/repair/repair").retrieve().body(Map.class);
    assertThat(dryRun).containsEntry("applied", false).containsEntry("updates", 3).containsEntry("inserts", 2)
        .containsEntry("deletes", 1);
    assertThat(contents(target)).as("a dry run writes nothing").isEqualTo(tampered);

    Map<String, Object> applied = admin().post().uri("/admin/pipelines/repair/repair")
        .body(Map.of("apply", true, "by", "repair-test")).retrieve().body(Map.class);
    assertThat(applied).containsEntry("applied", true).containsEntry("updates", 3).containsEntry("inserts", 2)
        .containsEntry("deletes", 1);
    assertThat((List<?>) applied.get("stillDiffering")).isEmpty();
    assertThat(contents(target)).isEqualTo(contents(source));
    assertThat(admin().post().uri("/admin/pipelines/repair/verify").retrieve().body(Map.class))
        .containsEntry("equal", true);
    assertThat(jdbc(control).sql("SELECT repaired_by || ':' || inserts || ':' || updates || ':' || deletes "
        + "FROM strangler_sync_repairs WHERE applied AND repaired_by = 'repair-test'").query(String.class).list())
        .containsExactly("repair-test:2:3:1");
  }

  @Test
  void aReVerifyOfGivenKeysNamesOnlyThoseThatDiffer() {
    jdbc(target).sql("UPDATE acct SET balance = -1 WHERE id = 77").update();
    Map<String, Object> result = admin().post().uri("/admin/pipelines/repair/verify")
        .body(Map.of("keys", List.of(Map.of("table", "acct", "key", Map.of("id", "77")),
            Map.of("table", "public.acct", "key", Map.of("id", "78")))))
        .retrieve().body(Map.class);
    assertThat(result).containsEntry("equal", false);
    assertThat((List<?>) result.get("differingKeys")).hasSize(1).first().asString().contains("77", "different");
    Map<String, Object> repaired = admin().post().uri("/admin/pipelines/repair/repair?apply=true")
        .body(Map.of("keys", List.of(Map.of("table", "acct", "key", Map.of("id", "77"))))).retrieve().body(Map.class);
    assertThat(repaired).containsEntry("updates", 1);
    assertThat(jdbc(target).sql("SELECT balance::text FROM acct WHERE id = 77").query(String.class).single())
        .isEqualTo("115.5");
  }

  @Test
  void aMalformedKeyListIsAProblemDetailNamingTheEntryAndChangesNothing() {
    String before = contents(target);
    Map<String, Object> problem = admin().post().uri("/admin/pipelines/repair/repair?apply=true")
        .body(Map.of("keys", List.of(Map.of("table", "acct", "key", Map.of("id", "1")),
            Map.of("table", "acct", "key", Map.of("nope", "1")))))
        .exchange((request, response) -> {
          assertThat(response.getStatusCode()).isEqualTo(HttpStatusCode.valueOf(400));
          return (Map<String, Object>) response.bodyTo(Map.class);
        });
    assertThat(problem.get("type").toString()).endsWith("/invalid-keys");
    assertThat(problem.get("detail").toString()).contains("keys[1].key", "[id]");
    Map<String, Object> unknownTable = admin().post().uri("/admin/pipelines/repair/verify")
        .body(Map.of("keys", List.of(Map.of("table", "nosuch", "key", Map.of("id", "1")))))
        .exchange((request, response) -> (Map<String, Object>) response.bodyTo(Map.class));
    assertThat(unknownTable.get("detail").toString()).contains("keys[0].table", "nosuch");
    Map<String, Object> unknownPipeline = admin().post().uri("/admin/pipelines/nosuch/repair")
        .exchange((request, response) -> (Map<String, Object>) response.bodyTo(Map.class));
    assertThat(unknownPipeline.get("type").toString()).endsWith("/pipeline-not-found");
    assertThat(contents(target)).isEqualTo(before);
  }

  @Test
  void repairedRowsAreDroppedAsEchoesByTheReversePipelineAndNeverCapturedBack() {
    awaitQuiet();
    long captured = InProcessCdcSync.count(app, "back", "eventsCaptured");
    jdbc(target).sql("UPDATE acct SET owner = 'tampered' WHERE id BETWEEN 301 AND 305").update();
    jdbc(target).sql("DELETE FROM acct WHERE id IN (306, 307)").update();
    // the tampering is an ordinary target change: the reverse pipeline captures it
    await().atMost(Duration.ofSeconds(30)).until(() -> InProcessCdcSync.count(app, "back", "eventsCaptured") == captured + 7);
    awaitQuiet();
    long capturedBefore = InProcessCdcSync.count(app, "back", "eventsCaptured");
    long echoes = InProcessCdcSync.count(app, "back", "echoesDropped");

    Map<String, Object> repaired = admin().post().uri("/admin/pipelines/repair/repair?apply=true")
        .body(Map.of("keys", keys(301, 302, 303, 304, 305, 306, 307))).retrieve().body(Map.class);
    assertThat(repaired).containsEntry("updates", 5).containsEntry("inserts", 2);
    assertThat((List<?>) repaired.get("stillDiffering")).isEmpty();

    await().atMost(Duration.ofSeconds(30))
        .until(() -> InProcessCdcSync.count(app, "back", "echoesDropped") == echoes + 7);
    awaitQuiet();
    assertThat(InProcessCdcSync.count(app, "back", "eventsCaptured")).isEqualTo(capturedBefore);
    assertThat(InProcessCdcSync.count(app, "back", "echoesDropped")).isEqualTo(echoes + 7);
    assertThat(jdbc(source).sql("SELECT count(*) FROM acct_back WHERE id BETWEEN 301 AND 307 AND owner = 'tampered'")
        .query(Long.class).single()).as("the tampered rows copied back, not overwritten by the repair").isEqualTo(5);
  }

  @Test
  void aRepairOfARowMissingInTheTargetKeepsTheNewerChangeTheApplierInsertedMeanwhile() throws Exception {
    jdbc(source).sql("UPDATE acct SET owner = 'held' WHERE id = 500").update();
    await().atMost(Duration.ofSeconds(30)).until(() -> "held".equals(owner(target, 500)));
    try (Connection hold = DriverManager.getConnection(target.jdbcUrl(), target.username(), target.password())) {
      hold.createStatement().execute("SELECT pg_advisory_lock(" + HOLD + ")");
      jdbc(target).sql("DELETE FROM acct WHERE id = 500").update();
      CompletableFuture<Map<String, Object>> repair = CompletableFuture.supplyAsync(() -> admin().post()
          .uri("/admin/pipelines/repair/repair?apply=true").body(Map.of("keys", keys(500))).retrieve().body(Map.class));
      // the repair read the source row ('held') and its insert waits in the trigger
      await().atMost(Duration.ofSeconds(30)).until(() -> jdbc(target).sql("SELECT count(*) FROM pg_locks WHERE "
          + "locktype = 'advisory' AND objid = " + HOLD + " AND NOT granted").query(Long.class).single() == 1);
      // meanwhile the source changes the row and the applier inserts the newer value
      jdbc(source).sql("UPDATE acct SET owner = 'newest' WHERE id = 500").update();
      await().atMost(Duration.ofSeconds(30)).until(() -> "newest".equals(owner(target, 500)));
      hold.createStatement().execute("SELECT pg_advisory_unlock(" + HOLD + ")");

      Map<String, Object> repaired = repair.get(30, TimeUnit.SECONDS);
      assertThat(repaired).containsEntry("inserts", 1);
      assertThat((List<?>) repaired.get("stillDiffering")).isEmpty();
    }
    assertThat(owner(target, 500)).as("the repair did not set the row back to the value it read").isEqualTo("newest");
    assertThat(admin().post().uri("/admin/pipelines/repair/verify").body(Map.of("keys", keys(500)))
        .retrieve().body(Map.class)).containsEntry("equal", true);
  }

  @Test
  void aRepairWhileTheSourceKeepsWritingTheSameKeysEndsEqualWithTheNewestSourceValues() throws Exception {
    jdbc(target).sql("UPDATE acct SET owner = 'tampered' WHERE id BETWEEN 601 AND 620").update();
    jdbc(target).sql("DELETE FROM acct WHERE id BETWEEN 621 AND 640").update();
    AtomicInteger rounds = new AtomicInteger();
    AtomicBoolean writing = new AtomicBoolean(true);
    CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
      try (Connection connection = DriverManager.getConnection(source.jdbcUrl(), source.username(), source.password());
           PreparedStatement update = connection.prepareStatement("UPDATE acct SET balance = ? WHERE id = ?")) {
        for (int round = 1; writing.get(); round++) {
          for (int id = 601; id <= 640; id++) {
            update.setInt(1, round);
            update.setInt(2, id);
            update.executeUpdate();
          }
          rounds.set(round);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    });
    await().atMost(Duration.ofSeconds(30)).until(() -> rounds.get() >= 2);
    Map<String, Object> repaired = admin().post().uri("/admin/pipelines/repair/repair?apply=true")
        .body(Map.of("keys", keys(IntStream.rangeClosed(601, 640).toArray()))).retrieve().body(Map.class);
    assertThat(repaired).containsEntry("applied", true);
    int roundAfterRepair = rounds.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> rounds.get() >= roundAfterRepair + 2);
    writing.set(false);
    writes.get(30, TimeUnit.SECONDS);
    int lastRound = rounds.get();

    await().atMost(Duration.ofSeconds(60)).until(() -> Boolean.TRUE.equals(admin().post()
        .uri("/admin/pipelines/repair/verify").body(Map.of("keys", keys(IntStream.rangeClosed(601, 640).toArray())))
        .retrieve().body(Map.class).get("equal")));
    assertThat(jdbc(target).sql("SELECT count(*) FROM acct WHERE id BETWEEN 601 AND 640 AND balance = " + lastRound
        + " AND owner = 'owner ' || id").query(Long.class).single()).isEqualTo(40);
  }

  static List<Map<String, Object>> keys(int... ids) {
    return java.util.Arrays.stream(ids).mapToObj(id -> Map.<String, Object>of("table", "acct", "key",
        Map.of("id", String.valueOf(id)))).toList();
  }

  static String owner(TestDatabase database, long id) {
    return jdbc(database).sql("SELECT owner FROM acct WHERE id = ?").param(id).query(String.class).optional().orElse(null);
  }

  /** Waits until the counters of both pipelines stop moving for a moment. */
  static void awaitQuiet() {
    long[] last = {-1};
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(700)).until(() -> {
      long sum = 0;
      for (String pipeline : List.of("repair", "back")) {
        for (String counter : List.of("eventsCaptured", "eventsApplied", "echoesDropped")) {
          sum += InProcessCdcSync.count(app, pipeline, counter);
        }
      }
      boolean quiet = sum == last[0];
      last[0] = sum;
      return quiet;
    });
  }

  static RestClient admin() {
    return RestClient.builder().baseUrl("http://127.0.0.1:" + app.getEnvironment().getProperty("local.management.port"))
        .defaultHeader("Authorization", "Bearer " + InProcessCdcSync.TOKEN).build();
  }

  static long count(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) FROM acct").query(Long.class).single();
  }

  static String contents(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || ',' || owner || ',' || balance, "
        + "';' ORDER BY id)), '') FROM acct").query(String.class).single();
  }
}
