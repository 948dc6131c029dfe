package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test (not run by {@code verify}): two cdc-sync processes on one source, the one capturing
 * it killed with {@code kill -9} {@code bench.kills} times (default 10), each time started again
 * as the standby before the next kill, under a steady writer. Per kill it measures the takeover:
 * from the kill until the other instance holds the lease and streams. At the end the target must
 * equal the source. Prints {@code TAKEOVER} with p50/p99/max for docs/benchmarks.md. Run with
 * {@code ./mvnw -B -pl cdc-sync -am verify -Dtest=TakeoverBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class TakeoverBenchmark {

  static final int KILLS = Integer.getInteger("bench.kills", 10);

  @Test
  void takeoverAfterKillNineOfTheCapturingInstance(@TempDir Path home) throws Exception {
    TestDatabase source = TestInfrastructure.freshDatabase("to_source");
    TestDatabase target = TestInfrastructure.freshDatabase("to_target");
    TestDatabase control = TestInfrastructure.freshDatabase("to_control");
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric, note text)").update();
    }
    jdbc(source).sql("INSERT INTO acct SELECT g, 'owner ' || g, g * 1.5, 'n' FROM generate_series(1, 1000) g").update();
    Path logs = Files.createDirectories(Path.of("target", "takeover-bench"));
    int[] ports = {KafkaOutageIntegrationTests.freePortPair(), KafkaOutageIntegrationTests.freePortPair()};
    Process[] processes = new Process[2];
    KillNineIntegrationTests.Writer writer = new KillNineIntegrationTests.Writer(source);
    List<Long> takeovers = new ArrayList<>();
    try {
      processes[0] = CaptureFailoverIntegrationTests.start(home, source, target, control, ports[0], logs.resolve("0-0.log"));
      await().atMost(Duration.ofSeconds(180)).until(() -> KillNineIntegrationTests.streaming(ports[0],
          CaptureFailoverIntegrationTests.PIPELINE));
      processes[1] = CaptureFailoverIntegrationTests.start(home, source, target, control, ports[1], logs.resolve("1-0.log"));
      await().atMost(Duration.ofSeconds(180)).until(() -> "STANDBY".equals(CaptureFailoverIntegrationTests.state(ports[1])));
      writer.start();
      int owner = 0;
      for (int kill = 1; kill <= KILLS; kill++) {
        int other = 1 - owner;
        String otherName = CaptureFailoverIntegrationTests.capture(ports[other]).get("instance").toString();
        KillNineIntegrationTests.kill(processes[owner]);
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() ->
            otherName.equals(CaptureFailoverIntegrationTests.capture(ports[other]).get("owner"))
                && "STREAMING".equals(CaptureFailoverIntegrationTests.state(ports[other])));
        long millis = (System.nanoTime() - killed) / 1_000_000;
        takeovers.add(millis);
        System.out.printf("takeover %d: %d ms%n", kill, millis);
        processes[owner] = CaptureFailoverIntegrationTests.start(home, source, target, control, ports[owner],
            logs.resolve(owner + "-" + kill + ".log"));
        int restarted = owner;
        await().atMost(Duration.ofSeconds(180)).until(() ->
            "STANDBY".equals(CaptureFailoverIntegrationTests.state(ports[restarted])));
        owner = other;
      }
      writer.stopAndJoin();
      String expected = KillNineIntegrationTests.contents(source);
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
          .until(() -> KillNineIntegrationTests.contents(target).equals(expected));
      List<Long> sorted = takeovers.stream().sorted().toList();
      System.out.printf(Locale.ROOT, "TAKEOVER %d kills -9 of the capturing instance: p50 %d ms, p99 %d ms, max %d ms; "
              + "all %s; target equal to the source (%d writer transactions)%n", KILLS, percentile(sorted, 0.50),
          percentile(sorted, 0.99), sorted.get(sorted.size() - 1), takeovers, writer.transactions.get());
      assertThat(takeovers).hasSize(KILLS);
    } finally {
      writer.stopAndJoin();
      for (Process process : processes) {
        if (process != null) {
          process.destroyForcibly().waitFor();
        }
      }
    }
  }

  private static long percentile(List<Long> sorted, double p) {
    int index = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
