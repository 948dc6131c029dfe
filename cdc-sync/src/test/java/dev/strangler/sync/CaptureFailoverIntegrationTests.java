package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.web.client.HttpClientErrorException;

/**
 * Two cdc-sync processes with one configuration, control database and broker: one captures the
 * source (it holds the source's lease), the other stands by and applies. The owner killed with
 * {@code kill -9}: the other takes capture over and the target ends equal to the source. The new
 * owner paused with SIGSTOP past its lease (its connection still holding the slot): the first one
 * takes over, ending the old reader; woken up, the paused one finds its lease gone and stands by.
 * Then one deployment: a catch-up asked of the standby, a pause asked of one instance and a resume
 * of the other hold for both.
 */
class CaptureFailoverIntegrationTests {

  static final String PIPELINE = "failover";

  @Test
  void whenTheOwnerIsKilledOrPausedTheOtherInstanceTakesCaptureOverAndNothingIsLost(@TempDir Path home)
      throws Exception {
    TestDatabase source = TestInfrastructure.freshDatabase("fo_source");
    TestDatabase target = TestInfrastructure.freshDatabase("fo_target");
    TestDatabase control = TestInfrastructure.freshDatabase("fo_control");
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric, note text)").update();
    }
    jdbc(source).sql("INSERT INTO acct SELECT g, 'owner ' || g, g * 1.5, repeat('n', g % 50) "
        + "FROM generate_series(1, 3000) g").update();
    Path logs = Files.createDirectories(Path.of("target", "capture-failover"));
    int portA = KafkaOutageIntegrationTests.freePortPair();
    int portB = KafkaOutageIntegrationTests.freePortPair();
    KillNineIntegrationTests.Writer writer = new KillNineIntegrationTests.Writer(source);
    Process a = start(home, source, target, control, portA, logs.resolve("a-1.log"));
    Process b = null;
    List<Long> takeovers = new ArrayList<>();
    try {
      await().atMost(Duration.ofSeconds(180)).until(() -> KillNineIntegrationTests.streaming(portA, PIPELINE));
      String instanceA = capture(portA).get("instance").toString();
      b = start(home, source, target, control, portB, logs.resolve("b-1.log"));
      await().atMost(Duration.ofSeconds(180)).until(() -> "STANDBY".equals(state(portB)));
      assertThat(capture(portB).get("owner")).isEqualTo(instanceA);
      String instanceB = capture(portB).get("instance").toString();
      writer.start();
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.transactions.get() >= 40);

      // the owner dies
      KillNineIntegrationTests.kill(a);
      long killed = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
          .until(() -> instanceB.equals(capture(portB).get("owner")) && "STREAMING".equals(state(portB)));
      takeovers.add((System.nanoTime() - killed) / 1_000_000);
      a = start(home, source, target, control, portA, logs.resolve("a-2.log"));
      await().atMost(Duration.ofSeconds(180)).until(() -> "STANDBY".equals(state(portA)));
      await().atMost(Duration.ofSeconds(30)).until(() -> writer.transactions.get() >= 120);

      // the new owner hangs (a long GC pause, a frozen VM) with its connection holding the slot
      signal(b, "STOP");
      long paused = System.nanoTime();
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> instanceA.equals(capture(portA).get("owner")) && "STREAMING".equals(state(portA)));
        takeovers.add((System.nanoTime() - paused) / 1_000_000);
      } finally {
        signal(b, "CONT");
      }
      // woken, it finds its lease gone: it stands by, its engine stopped
      await().atMost(Duration.ofSeconds(30)).until(() -> "STANDBY".equals(state(portB)));
      assertThat(capture(portB).get("owner")).isEqualTo(instanceA);

      // one deployment: either instance says who captures the source ...
      for (int port : new int[] {portA, portB}) {
        Map<?, ?> deployment = KillNineIntegrationTests.admin(port).get().uri("/admin/deployment").retrieve()
            .body(Map.class);
        Map<?, ?> lease = (Map<?, ?>) ((Map<?, ?>) ((List<?>) deployment.get("sources")).get(0)).get("lease");
        assertThat(lease.get("owner")).as("owner seen from %s", deployment.get("instance")).isEqualTo(instanceA);
        assertThat(lease.get("held")).isEqualTo(true);
      }
      // ... and lists every instance with its role (b's heartbeat resumes within one beat of its SIGCONT)
      for (int port : new int[] {portA, portB}) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(roles(port))
            .as("instances seen from port %d", port)
            .containsEntry(instanceA, "live owner STREAMING").containsEntry(instanceB, "live standby STANDBY"));
      }
      // ... a catch-up asked of the standby sees the owner's fence ...
      assertThat(catchUp(portB).get("caughtUp")).as("catch-up asked of the standby").isEqualTo(true);
      // ... and a pause asked of it pauses the pipeline on both instances, until a resume asked of the other
      KillNineIntegrationTests.admin(portB).post().uri("/admin/pipelines/{p}/pause", PIPELINE).retrieve().toBodilessEntity();
      await().atMost(Duration.ofSeconds(10)).until(() -> "PAUSED".equals(state(portA)) && "PAUSED".equals(state(portB)));
      for (int port : new int[] {portA, portB}) {
        assertThatThrownBy(() -> catchUp(port)).as("catch-up of a paused pipeline")
            .isInstanceOf(HttpClientErrorException.Conflict.class).hasMessageContaining("paused");
      }
      KillNineIntegrationTests.admin(portA).post().uri("/admin/pipelines/{p}/resume", PIPELINE).retrieve().toBodilessEntity();
      await().atMost(Duration.ofSeconds(10)).until(() -> "STREAMING".equals(state(portA)) && "STANDBY".equals(state(portB)));
      assertThat(catchUp(portB).get("caughtUp")).as("catch-up asked of the standby after the resume").isEqualTo(true);

      writer.stopAndJoin();
      String expected = KillNineIntegrationTests.contents(source);
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
          .until(() -> KillNineIntegrationTests.contents(target).equals(expected));
      Map<?, ?> verified = KillNineIntegrationTests.admin(portA).post().uri("/admin/pipelines/{p}/verify", PIPELINE)
          .retrieve().body(Map.class);
      assertThat(verified.get("equal")).as("verify: %s", verified).isEqualTo(true);
      // a figure, not a bound: timing depends on the machine's load (lease.duration + check-every + an engine start)
      System.out.println("CAPTURE-TAKEOVER after kill -9, after SIGSTOP (ms): " + takeovers);
    } finally {
      writer.stopAndJoin();
      for (Process process : new Process[] {a, b}) {
        if (process != null) {
          process.destroyForcibly().waitFor();
        }
      }
    }
  }

  static Process start(Path home, TestDatabase source, TestDatabase target, TestDatabase control, int adminPort,
                       Path log) throws Exception {
    List<String> arguments = new ArrayList<>(KillNineIntegrationTests.pipeline(PIPELINE, "dst"));
    // a killed instance's partitions move to the other one within 20 s (Kafka's default: 45 s),
    // longer than the pause below: the paused instance keeps its partitions
    arguments.add("--spring.kafka.consumer.properties.session.timeout.ms=20000");
    return KillNineIntegrationTests.start(home, Map.of("src", source, "dst", target), control, adminPort, log, arguments);
  }

  /**
   * Per instance in {@code /admin/deployment} asked of {@code adminPort}: its status, its role for
   * the (one) source and its pipeline's state, e.g. {@code live owner STREAMING}.
   */
  static Map<String, String> roles(int adminPort) {
    Map<?, ?> deployment = KillNineIntegrationTests.admin(adminPort).get().uri("/admin/deployment").retrieve()
        .body(Map.class);
    Map<String, String> roles = new java.util.TreeMap<>();
    for (Object entry : (List<?>) deployment.get("instances")) {
      Map<?, ?> instance = (Map<?, ?>) entry;
      Map<?, ?> source = (Map<?, ?>) ((List<?>) instance.get("sources")).get(0);
      Map<?, ?> pipeline = (Map<?, ?>) ((List<?>) instance.get("pipelines")).get(0);
      roles.put(instance.get("instance").toString(), instance.get("status") + " " + source.get("role") + " "
          + pipeline.get("state"));
    }
    return roles;
  }

  static Map<?, ?> catchUp(int adminPort) {
    return KillNineIntegrationTests.admin(adminPort).post().uri("/admin/pipelines/{p}/catch-up", PIPELINE)
        .contentType(MediaType.APPLICATION_JSON).body(Map.of("timeoutMillis", 30_000)).retrieve().body(Map.class);
  }

  static String state(int adminPort) {
    try {
      return String.valueOf(KillNineIntegrationTests.admin(adminPort).get().uri("/admin/pipelines/{p}", PIPELINE)
          .retrieve().body(Map.class).get("state"));
    } catch (RuntimeException notUp) {
      return "DOWN";
    }
  }

  static Map<?, ?> capture(int adminPort) {
    Object capture = KillNineIntegrationTests.admin(adminPort).get().uri("/admin/pipelines/{p}", PIPELINE)
        .retrieve().body(Map.class).get("capture");
    return capture instanceof Map<?, ?> map ? map : Map.of();
  }

  static void signal(Process process, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }
}
