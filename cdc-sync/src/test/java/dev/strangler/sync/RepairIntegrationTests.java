package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.client.RestClient;

/**
 * Repair of a target tampered with behind cdc-sync's back (rows changed, deleted and added): the
 * dry run counts and writes nothing, the applied repair re-copies exactly those keys and a verify is
 * equal after; bad key lists are problem details that change nothing.
 */
@SuppressWarnings("unchecked")
class RepairIntegrationTests {

  static final int ROWS = 2_000;
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
    jdbc(source).sql("INSERT INTO acct SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, " + ROWS + ") g")
        .update();
    app = InProcessCdcSync.start(control, Map.of("src", source, "dst", target),
        "strangler.sync.pipelines.repair.source=src", "strangler.sync.pipelines.repair.target=dst",
        "strangler.sync.pipelines.repair.tables[0].source-table=acct",
        "strangler.sync.pipelines.repair.tables[0].key[0]=id");
    await().atMost(Duration.ofSeconds(120)).until(() -> "STREAMING".equals(InProcessCdcSync.view(app, "repair").get("state"))
        && count(target) == ROWS);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
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
        + "FROM strangler_sync_repairs WHERE applied AND inserts > 0").query(String.class).list())
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
