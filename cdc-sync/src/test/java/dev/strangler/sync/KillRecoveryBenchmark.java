package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Not a test (not run by {@code verify}): cdc-sync as a process, {@code kill -9}'d
 * {@code bench.kills} times (default 10) at random moments under a steady writer
 * ({@code bench.rate} single-row writes a second in their own transactions, default 1 000: half
 * inserts, the rest updates and, one in twenty, deletes), restarted each time. For each restart it measures how long until cdc-sync
 * has caught up again (the oldest change the target lacks is under 500 ms old), and at the end
 * compares source and target row for row. Run with
 * {@code ./mvnw -B -pl cdc-sync -am verify -Dtest=KillRecoveryBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.embedded=false} for an external control database and broker).
 */
class KillRecoveryBenchmark {

  static final int KILLS = Integer.getInteger("bench.kills", 10);
  static final int RATE = Integer.getInteger("bench.rate", 1000);
  static final boolean EMBEDDED = Boolean.parseBoolean(System.getProperty("bench.embedded", "true"));
  static final long CAUGHT_UP_MILLIS = 500;

  @Test
  void restartToCaughtUpAfterKillNineAtSteadyWrites(@TempDir Path home) throws Exception {
    TestDatabase source = TestInfrastructure.freshDatabase("kr_source");
    TestDatabase target = TestInfrastructure.freshDatabase("kr_target");
    TestDatabase unused = TestInfrastructure.freshDatabase("kr_unused");
    TestDatabase control = EMBEDDED ? null : TestInfrastructure.freshDatabase("kr_control");
    for (TestDatabase database : List.of(source, target, unused)) {
      jdbc(database).sql("CREATE TABLE acct (id bigint PRIMARY KEY, owner text, balance numeric, note text)").update();
    }
    jdbc(source).sql("INSERT INTO acct SELECT g, 'owner ' || g, g, 'n' FROM generate_series(1, 10000) g").update();
    Path logs = Files.createDirectories(Path.of("target", "kill-recovery"));
    int adminPort = KafkaOutageIntegrationTests.freePortPair();
    Process sync = KillNineIntegrationTests.start(home, source, target, unused, control, false, adminPort,
        logs.resolve("first.log"));
    await().atMost(Duration.ofSeconds(180)).until(() -> KillNineIntegrationTests.streaming(adminPort, KillNineIntegrationTests.PIPELINE));
    SteadyWriter writer = new SteadyWriter(source, 10_001);
    writer.start();
    List<Long> restartToCaughtUp = new ArrayList<>();
    try {
      awaitCaughtUp(writer, target, 0, Duration.ofSeconds(60));
      for (int kill = 1; kill <= KILLS; kill++) {
        // a random moment of steady streaming
        long until = System.nanoTime() + ThreadLocalRandom.current().nextLong(1_000, 5_000) * 1_000_000;
        await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() >= until);
        KillNineIntegrationTests.kill(sync);
        long restarted = System.nanoTime();
        long writtenBeforeRestart = writer.lastInserted();
        sync = KillNineIntegrationTests.start(home, source, target, unused, control, false, adminPort,
            logs.resolve(kill + ".log"));
        awaitCaughtUp(writer, target, writtenBeforeRestart, Duration.ofSeconds(300));
        restartToCaughtUp.add((System.nanoTime() - restarted) / 1_000_000);
        System.out.printf("kill %d: restart -> caught up in %d ms%n", kill, restartToCaughtUp.get(kill - 1));
      }
      writer.stopAndJoin();
      String expected = KillNineIntegrationTests.contents(source);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
          .until(() -> KillNineIntegrationTests.contents(target).equals(expected));
    } finally {
      writer.stopAndJoin();
      sync.destroy();
      sync.waitFor();
    }
    List<Long> sorted = restartToCaughtUp.stream().sorted().toList();
    long sourceRows = KillNineIntegrationTests.count(source);
    System.out.printf("%n| kills | writes/s achieved | restart -> caught up p50 (ms) | max (ms) | rows source / target "
        + "| lost | extra |%n|---|---|---|---|---|---|---|%n| %d (%s) | %.0f | %d | %d | %d / %d | 0 | 0 |%n", KILLS,
        EMBEDDED ? "embedded control store and broker" : "external control database and broker", writer.rate(),
        sorted.get((sorted.size() - 1) / 2), sorted.get(sorted.size() - 1), sourceRows,
        KillNineIntegrationTests.count(target));
  }

  /**
   * Until the target holds what was inserted before the restart (so the new process applied it)
   * and the oldest insert it does not hold yet was committed less than 500 ms ago.
   */
  private static void awaitCaughtUp(SteadyWriter writer, TestDatabase target, long writtenBefore, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(20)).until(() -> {
      long applied = jdbc(target).sql("SELECT coalesce(max(id), 0) FROM acct").query(Long.class).single();
      long oldestMissing = writer.committedAt(applied + 1);
      return applied >= writtenBefore
          && (oldestMissing == 0 || System.nanoTime() - oldestMissing < CAUGHT_UP_MILLIS * 1_000_000);
    });
  }

  /** One connection, ids in commit order, so the target's highest id says what it holds. */
  static final class SteadyWriter extends Thread {
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLongArray committed = new AtomicLongArray(4_000_000);
    private final AtomicLong transactions = new AtomicLong();
    private final TestDatabase source;
    private final long first;
    private long startedAt;
    private long stoppedAt;
    private volatile long lastInserted;

    SteadyWriter(TestDatabase source, long first) {
      super("steady-writer");
      this.source = source;
      this.first = first;
    }

    @Override
    public void run() {
      SingleConnectionDataSource connection = new SingleConnectionDataSource(source.jdbcUrl(), source.username(),
          source.password(), true);
      JdbcClient db = JdbcClient.create(connection);
      long id = first;
      startedAt = System.nanoTime();
      long due = startedAt;
      while (writing.get()) {
        due += 1_000_000_000L / RATE;
        LockSupport.parkNanos(due - System.nanoTime()); // pace, not a wait
        long n = transactions.incrementAndGet();
        if (n % 2 == 0) {
          db.sql("INSERT INTO acct VALUES (?, 'new', 0, NULL)").param(id).update();
          committed.set((int) (id - first), System.nanoTime());
          lastInserted = id;
          id++;
        } else if (n % 20 == 1) {
          db.sql("DELETE FROM acct WHERE id = ?").param(ThreadLocalRandom.current().nextLong(1, first)).update();
        } else {
          db.sql("UPDATE acct SET balance = balance + 1, note = 'upd ' || ? WHERE id = ?").param(n)
              .param(ThreadLocalRandom.current().nextLong(1, id)).update();
        }
      }
      stoppedAt = System.nanoTime();
      connection.destroy();
    }

    /** The id of the last insert committed, or the one before the first. */
    long lastInserted() {
      return lastInserted;
    }

    /** When the insert of {@code id} was committed (nanoTime), 0 if not yet. */
    long committedAt(long id) {
      int index = (int) (id - first);
      return index < 0 ? 1 : index >= committed.length() ? 0 : committed.get(index);
    }

    double rate() {
      return transactions.get() * 1e9 / (stoppedAt - startedAt);
    }

    void stopAndJoin() throws InterruptedException {
      writing.set(false);
      join();
    }
  }
}
