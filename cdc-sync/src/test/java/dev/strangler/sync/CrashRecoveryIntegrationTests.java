package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * cdc-sync runs in a child JVM and is killed with SIGKILL while changes stream (no shutdown hook,
 * no offset flush, no clean engine close); a new process resumes from the offsets in the control
 * database and the target ends up equal to the source, no row lost or doubled.
 */
class CrashRecoveryIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("crash_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("crash_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("crash_target");

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }

  Process startCdcSync(Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-cp", System.getProperty("java.class.path"),
        CdcSyncApplication.class.getName(), "--server.port=0", "--management.server.port=0",
        "--spring.datasource.url=" + control.jdbcUrl(), "--spring.datasource.username=" + control.username(),
        "--spring.datasource.password=" + control.password(),
        "--spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "--logging.level.io.debezium=WARN", "--logging.level.org.apache.kafka=WARN"));
    for (TestDatabase db : List.of(source, target)) {
      String name = db == source ? "src" : "dst";
      command.add("--strangler.sync.datasources." + name + ".url=" + db.jdbcUrl());
      command.add("--strangler.sync.datasources." + name + ".username=" + db.username());
      command.add("--strangler.sync.datasources." + name + ".password=" + db.password());
    }
    command.addAll(List.of("--strangler.sync.pipelines.crash.source=src", "--strangler.sync.pipelines.crash.target=dst",
        "--strangler.sync.pipelines.crash.tables[0].source-table=items",
        "--strangler.sync.pipelines.crash.tables[0].key[0]=id"));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  @Test
  void killedMidStreamResumesWithoutLosingOrDoublingRows() throws Exception {
    String ddl = "CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL, note text)";
    jdbc(source).sql(ddl).update();
    jdbc(target).sql(ddl).update();
    for (int i = 1; i <= 200; i++) {
      jdbc(source).sql("INSERT INTO items VALUES (?, 0, 'snapshot')").param(i).update();
    }
    Path logs = Files.createDirectories(Path.of("target", "crash-test"));
    Process first = startCdcSync(logs.resolve("first.log"));
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger nextId = new AtomicInteger(201);
    Thread writer = new Thread(() -> {
      JdbcClient db = jdbc(source);
      while (writing.get()) {
        int id = nextId.getAndIncrement();
        db.sql("INSERT INTO items VALUES (?, 0, 'stream')").param(id).update();
        db.sql("UPDATE items SET n = n + 1 WHERE id = ?").param(id % 150 + 1).update();
        if (id % 10 == 0) {
          db.sql("DELETE FROM items WHERE id = ?").param(id - 5).update();
        }
        try {
          Thread.sleep(3);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "crash-test-writer");
    writer.start();
    try {
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> count(target, "id > 200") > 300);
      first.destroyForcibly().waitFor(); // SIGKILL while the writer keeps writing
      long appliedBeforeKill = count(target, "true");
      Thread.sleep(1500);
      Process second = startCdcSync(logs.resolve("second.log"));
      try {
        Thread.sleep(3000);
        writing.set(false);
        writer.join();
        String expected = contents(source);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .until(() -> contents(target).equals(expected));
        assertThat(count(target, "true")).isEqualTo(count(source, "true")).isGreaterThan(appliedBeforeKill);
        assertThat(jdbc(target).sql("SELECT count(*) - count(DISTINCT id) FROM items").query(Long.class).single())
            .isZero();
      } finally {
        second.destroy();
        second.waitFor();
      }
    } finally {
      writing.set(false);
      first.destroyForcibly();
    }
  }

  static long count(TestDatabase database, String where) {
    return jdbc(database).sql("SELECT count(*) FROM items WHERE " + where).query(Long.class).single();
  }

  static String contents(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || ',' || n || ',' || "
        + "coalesce(note, ''), ';' ORDER BY id)), '') FROM items").query(String.class).single();
  }
}
