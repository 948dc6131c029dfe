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
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.web.client.RestClient;

/**
 * cdc-sync as a process, killed with SIGKILL again and again while a writer inserts, updates and
 * deletes in small transactions: during the initial snapshot, while streaming (at a random
 * point), and during the incremental snapshot of a pipeline added later. Restarted each time, the
 * targets end equal to the source row for row (a checksum over every column) and {@code verify}
 * says equal. Once on the embedded default (control store and Kafka broker in the process, on its
 * data directory), once with an external control database and broker.
 */
class KillNineIntegrationTests {

  static final int ROWS = 15_000;
  /**
   * Pipeline names no other test uses: topics and consumer groups are named after pipelines, and
   * the external variant shares the test kit's broker with the other tests of this JVM.
   */
  static final String PIPELINE = "killnine";
  static final String MIRROR = "killninemirror";
  /** kills while streaming, at random points; {@code -Dkill9.streaming=8} for a longer run */
  static final int STREAMING_KILLS = Integer.getInteger("kill9.streaming", 1);

  @Test
  void onTheEmbeddedDefaultKilledAgainAndAgainTheTargetsEndEqualToTheSource(@TempDir Path home) throws Exception {
    run("emb", home, false);
  }

  @Test
  void withAnExternalControlDatabaseKilledAgainAndAgainTheTargetsEndEqualToTheSource(@TempDir Path home)
      throws Exception {
    run("ext", home, true);
  }

  private void run(String name, Path home, boolean external) throws Exception {
    TestDatabase source = TestInfrastructure.freshDatabase("k9_" + name + "_source");
    TestDatabase target = TestInfrastructure.freshDatabase("k9_" + name + "_target");
    TestDatabase mirror = TestInfrastructure.freshDatabase("k9_" + name + "_mirror");
    TestDatabase control = external ? TestInfrastructure.freshDatabase("k9_" + name + "_control") : null;
    for (TestDatabase database : List.of(source, target, mirror)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric, note text)").update();
    }
    jdbc(source).sql("INSERT INTO acct SELECT g, 'owner ' || g, g * 1.5, repeat('n', g % 50) "
        + "FROM generate_series(1, " + ROWS + ") g").update();
    Path logs = Files.createDirectories(Path.of("target", "kill9-" + name));
    int adminPort = KafkaOutageIntegrationTests.freePortPair();
    Writer writer = new Writer(source);
    writer.start();
    int kills = 0;
    Process sync = null;
    try {
      // 1. during the initial snapshot
      sync = start(home, source, target, mirror, control, false, adminPort, logs.resolve("0.log"));
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(20))
          .until(() -> count(target) > 1000);
      kill(sync);
      kills++;
      assertThat(count(target)).as("killed during the snapshot").isLessThan(ROWS);
      // 2. while streaming, at random points
      for (int i = 0; i < STREAMING_KILLS; i++) {
        sync = start(home, source, target, mirror, control, false, adminPort, logs.resolve(kills + ".log"));
        long writes = writer.transactions.get() + ThreadLocalRandom.current().nextInt(20, 100);
        await().atMost(Duration.ofSeconds(240)).until(() -> streaming(adminPort, PIPELINE));
        await().atMost(Duration.ofSeconds(60)).until(() -> writer.transactions.get() >= writes);
        kill(sync);
        kills++;
      }
      // 3. during the incremental snapshot of a pipeline added later, on the table already captured
      sync = start(home, source, target, mirror, control, true, adminPort, logs.resolve(kills + ".log"));
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(20))
          .until(() -> count(mirror) > 1000);
      kill(sync);
      kills++;
      assertThat(count(mirror)).as("killed during the incremental snapshot").isLessThan(ROWS);
      // 4. once more while it catches up
      sync = start(home, source, target, mirror, control, true, adminPort, logs.resolve(kills + ".log"));
      long writes = writer.transactions.get() + ThreadLocalRandom.current().nextInt(20, 100);
      await().atMost(Duration.ofSeconds(60)).until(() -> writer.transactions.get() >= writes);
      kill(sync);
      kills++;

      sync = start(home, source, target, mirror, control, true, adminPort, logs.resolve(kills + ".log"));
      try {
        writer.stopAndJoin();
        String expected = contents(source);
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
            .until(() -> contents(target).equals(expected) && contents(mirror).equals(expected));
        for (String pipeline : List.of(PIPELINE, MIRROR)) {
          Map<?, ?> verified = admin(adminPort).post().uri("/admin/pipelines/{p}/verify", pipeline).retrieve()
              .body(Map.class);
          assertThat(verified.get("equal")).as("verify %s after %d kills: %s", pipeline, kills, verified).isEqualTo(true);
        }
        assertThat(writer.transactions.get()).isGreaterThan(0);
      } finally {
        sync.destroy();
        sync.waitFor();
      }
    } finally {
      writer.stopAndJoin();
      if (sync != null) {
        sync.destroyForcibly(); // a failed wait leaves no cdc-sync behind
      }
    }
  }

  static void kill(Process process) throws InterruptedException {
    process.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no flush, no clean close
  }

  static boolean streaming(int adminPort, String pipeline) {
    try {
      Map<?, ?> view = admin(adminPort).get().uri("/admin/pipelines/{p}", pipeline).retrieve().body(Map.class);
      return "STREAMING".equals(view.get("state"));
    } catch (RuntimeException notUpYet) {
      return false;
    }
  }

  static RestClient admin(int port) {
    return RestClient.builder().baseUrl("http://127.0.0.1:" + port)
        .defaultHeader("Authorization", "Bearer kill9-token").build();
  }

  static Process start(Path home, TestDatabase source, TestDatabase target, TestDatabase mirror, TestDatabase control,
                       boolean withMirror, int adminPort, Path log) throws Exception {
    List<String> pipelines = new ArrayList<>(pipeline(PIPELINE, "dst"));
    // the initial copy in ranges of one block, one at a time: a kill lands in the middle of it
    pipelines.addAll(List.of("--strangler.sync.initial-snapshot.threads=1",
        "--strangler.sync.initial-snapshot.range-blocks=1"));
    if (withMirror) {
      pipelines.addAll(pipeline(MIRROR, "mir"));
    }
    return start(home, Map.of("src", source, "dst", target, "mir", mirror), control, adminPort, log, pipelines);
  }

  /** The arguments of a pipeline {@code name} from {@code src}'s {@code acct} into {@code target}'s, keyed by id. */
  static List<String> pipeline(String name, String target) {
    return List.of("--strangler.sync.pipelines." + name + ".source=src", "--strangler.sync.pipelines." + name + ".target=" + target,
        "--strangler.sync.pipelines." + name + ".tables[0].source-table=acct",
        "--strangler.sync.pipelines." + name + ".tables[0].key[0]=id");
  }

  /**
   * cdc-sync as a process: on its embedded default without {@code control}, else on that control
   * database and the test kit's broker.
   */
  static Process start(Path home, Map<String, TestDatabase> datasources, TestDatabase control, int adminPort, Path log,
                       List<String> arguments) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // C1 only and the serial collector, as the sandbox starts its apps: a start costs about a third
    // less CPU, which the suite's many restarts on a 2-core box feel most
    List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Duser.home=" + home.toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), CdcSyncApplication.class.getName(), "--server.port=0",
        "--management.server.port=" + adminPort, "--strangler.sync.admin.token=kill9-token",
        "--logging.level.io.debezium=WARN", "--logging.level.org.apache.kafka=WARN", "--logging.level.kafka=WARN"));
    if (control != null) {
      command.addAll(List.of("--spring.datasource.url=" + control.jdbcUrl(),
          "--spring.datasource.username=" + control.username(), "--spring.datasource.password=" + control.password(),
          "--spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers()));
    }
    for (Map.Entry<String, TestDatabase> db : datasources.entrySet()) {
      command.add("--strangler.sync.datasources." + db.getKey() + ".url=" + db.getValue().jdbcUrl());
      command.add("--strangler.sync.datasources." + db.getKey() + ".username=" + db.getValue().username());
      command.add("--strangler.sync.datasources." + db.getKey() + ".password=" + db.getValue().password());
    }
    command.addAll(arguments);
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static long count(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) FROM acct").query(Long.class).single();
  }

  static String contents(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || ',' || owner || ',' || balance "
        + "|| ',' || coalesce(note, '~'), ';' ORDER BY id)), '') FROM acct").query(String.class).single();
  }

  /**
   * Small transactions: insert one row, update 20, delete one; 20 a second (about 440 changed rows
   * a second, what cdc-sync applies on a busy 2-core machine with room to catch up after a kill).
   */
  static final class Writer extends Thread {
    final AtomicLong transactions = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final TestDatabase source;

    Writer(TestDatabase source) {
      super("kill9-writer");
      this.source = source;
    }

    @Override
    public void run() {
      SingleConnectionDataSource connection = new SingleConnectionDataSource(source.jdbcUrl(), source.username(),
          source.password(), true);
      JdbcClient db = JdbcClient.create(connection);
      long next = ROWS + 1;
      long due = System.nanoTime();
      while (writing.get()) {
        due += 50_000_000;
        java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime()); // pace, not a wait
        long id = next++;
        long from = ThreadLocalRandom.current().nextLong(1, ROWS);
        db.sql("WITH i AS (INSERT INTO acct VALUES (?, 'new', 0, NULL)), "
            + "u AS (UPDATE acct SET balance = balance + 1, note = 'upd ' || ? WHERE id BETWEEN ? AND ?) "
            + "DELETE FROM acct WHERE id = ?").param(id).param(id).param(from).param(from + 19)
            .param(ThreadLocalRandom.current().nextLong(1, id)).update();
        transactions.incrementAndGet();
      }
      connection.destroy();
    }

    void stopAndJoin() throws InterruptedException {
      writing.set(false);
      join();
    }
  }
}
