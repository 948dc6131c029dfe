package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole verify of a cdc-sync process killed with SIGKILL half-way goes on after a restart from the
 * chunk its control database stored, not from the start, and still reports the key that differed in
 * a chunk done before the kill.
 */
@SuppressWarnings("unchecked")
class VerifyResumeIntegrationTests {

  static final int ROWS = 200_000;
  static final String PIPELINE = "verifyresume";

  @Test
  void aVerifyKilledHalfWayResumesFromItsStoredChunkAndStillReportsTheKeysFoundBefore(@TempDir Path home)
      throws Exception {
    TestDatabase source = TestInfrastructure.freshDatabase("vr_source");
    TestDatabase target = TestInfrastructure.freshDatabase("vr_target");
    TestDatabase control = TestInfrastructure.freshDatabase("vr_control");
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric)").update();
      jdbc(database).sql("INSERT INTO acct SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, " + ROWS + ") g")
          .update();
    }
    jdbc(target).sql("UPDATE acct SET owner = 'tampered' WHERE id = 5").update(); // in the first chunk
    Path logs = Files.createDirectories(Path.of("target", "verify-resume"));
    int adminPort = KafkaOutageIntegrationTests.freePortPair();
    List<String> pipeline = List.of("--strangler.sync.pipelines." + PIPELINE + ".source=src",
        "--strangler.sync.pipelines." + PIPELINE + ".target=dst",
        "--strangler.sync.pipelines." + PIPELINE + ".snapshot=never", // the rows are there already
        "--strangler.sync.pipelines." + PIPELINE + ".tables[0].source-table=acct",
        "--strangler.sync.pipelines." + PIPELINE + ".tables[0].key[0]=id");
    Map<String, TestDatabase> datasources = Map.of("src", source, "dst", target);
    Process sync = KillNineIntegrationTests.start(home, datasources, control, adminPort, logs.resolve("0.log"), pipeline);
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> KillNineIntegrationTests.streaming(adminPort, PIPELINE));
      CompletableFuture.runAsync(() -> KillNineIntegrationTests.admin(adminPort).post()
          .uri("/admin/pipelines/{p}/verify", PIPELINE).retrieve().toBodilessEntity());
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> chunksStored(control) >= 3);
      KillNineIntegrationTests.kill(sync);
      int stored = chunksStored(control);
      assertThat(stored).as("killed half-way").isBetween(3, ROWS / 10_000 - 2);

      sync = KillNineIntegrationTests.start(home, datasources, control, adminPort, logs.resolve("1.log"), pipeline);
      await().atMost(Duration.ofSeconds(120)).until(() -> KillNineIntegrationTests.streaming(adminPort, PIPELINE));
      Map<String, Object> result = KillNineIntegrationTests.admin(adminPort).post()
          .uri("/admin/pipelines/{p}/verify", PIPELINE).retrieve().body(Map.class);
      assertThat(result.get("resumedChunks")).as("resumed, not started over").isEqualTo(stored);
      assertThat(result.get("equal")).isEqualTo(false);
      assertThat(result.get("differingKeys").toString()).contains("id=5", "different");
      assertThat(((List<Map<String, Object>>) result.get("tables")).get(0).get("chunks")).isEqualTo(ROWS / 10_000);
      assertThat(chunksStored(control)).as("progress deleted once finished").isEqualTo(-1);
    } finally {
      sync.destroyForcibly().waitFor();
    }
  }

  /** Chunks the stored progress says are done, -1 without one. */
  static int chunksStored(TestDatabase control) {
    try {
      return jdbc(control).sql("SELECT coalesce((SELECT chunks FROM strangler_sync_verify_progress WHERE pipeline = ?), -1)")
          .param(PIPELINE).query(Integer.class).single();
    } catch (RuntimeException noTableYet) {
      return -1;
    }
  }
}
