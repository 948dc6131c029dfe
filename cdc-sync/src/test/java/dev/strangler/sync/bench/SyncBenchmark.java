package dev.strangler.sync.bench;

import dev.strangler.sync.CdcSyncApplication;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Not a test: cdc-sync against PostgreSQL's own logical replication, in one run on the same
 * server (embedded PostgreSQL and Kafka from the test kit). Run with
 * {@code ./mvnw -B -o -pl cdc-sync verify -Dtest=SyncBenchmark -Dbench.rows=1000000}.
 * Prints a Markdown table.
 */
class SyncBenchmark {

  static final long ROWS = Long.getLong("bench.rows", 1_000_000);
  static final long STREAM_ROWS = Long.getLong("bench.stream.rows", 200_000);
  static final int RATE = Integer.getInteger("bench.rate", 1000);
  static final int LAG_SECONDS = Integer.getInteger("bench.lag.seconds", 30);
  /** streamed before the measured stream: a copied snapshot leaves the streaming path cold (JIT) */
  static final long WARM_ROWS = Long.getLong("bench.warm.rows", 50_000);

  static final String DDL = "CREATE TABLE bench (id bigint PRIMARY KEY, n int NOT NULL, note text, "
      + "amount numeric(10,2), created_at timestamptz NOT NULL DEFAULT clock_timestamp())";
  static final String TARGET_DDL = "CREATE TABLE bench (id bigint PRIMARY KEY, n int NOT NULL, note text, "
      + "amount numeric(10,2), created_at timestamptz NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())";

  @Test
  void cdcSyncAgainstNativeLogicalReplication() throws Exception {
    TestDatabase source = TestInfrastructure.freshDatabase("bench_src");
    TestDatabase nativeTarget = TestInfrastructure.freshDatabase("bench_native");
    TestDatabase cdcTarget = TestInfrastructure.freshDatabase("bench_cdc");
    TestDatabase control = TestInfrastructure.freshDatabase("bench_control");
    execute(source, DDL);
    execute(nativeTarget, TARGET_DDL);
    execute(cdcTarget, TARGET_DDL);
    execute(source, "INSERT INTO bench (id, n, note, amount) SELECT g, g % 100, 'row ' || g, (g % 10000) / 100.0 "
        + "FROM generate_series(1, " + ROWS + ") g");
    List<String> results = new ArrayList<>();

    // 1. snapshot, native: publication + slot + subscription copying the data
    long start = System.nanoTime();
    execute(source, "CREATE PUBLICATION bench_native FOR TABLE bench");
    execute(source, "SELECT pg_create_logical_replication_slot('bench_native', 'pgoutput')");
    execute(nativeTarget, "CREATE SUBSCRIPTION bench_native CONNECTION 'host=" + source.host() + " port=" + source.port()
        + " dbname=" + source.name() + " user=" + source.username() + " password=" + source.password()
        + "' PUBLICATION bench_native WITH (create_slot = false, slot_name = 'bench_native', copy_data = true)");
    awaitCount(nativeTarget, ROWS);
    double nativeSnapshot = seconds(start);

    // 1. snapshot, cdc-sync (time from the app's start, and without its start-up)
    start = System.nanoTime();
    ConfigurableApplicationContext app = new SpringApplicationBuilder(CdcSyncApplication.class).properties(
        "server.port=0", "management.server.port=0", "logging.level.io.debezium=WARN",
        "logging.level.org.apache.kafka=WARN",
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "strangler.sync.datasources.src.url=" + source.jdbcUrl(),
        "strangler.sync.datasources.src.username=" + source.username(),
        "strangler.sync.datasources.src.password=" + source.password(),
        "strangler.sync.datasources.dst.url=" + cdcTarget.jdbcUrl(),
        "strangler.sync.datasources.dst.username=" + cdcTarget.username(),
        "strangler.sync.datasources.dst.password=" + cdcTarget.password(),
        "strangler.sync.pipelines.bench.source=src", "strangler.sync.pipelines.bench.target=dst",
        "strangler.sync.pipelines.bench.tables[0].source-table=bench",
        "strangler.sync.pipelines.bench.tables[0].key[0]=id").run();
    double appStart = seconds(start);
    dev.strangler.sync.pipeline.PipelineStats stats = app.getBean(dev.strangler.sync.deployment.Pipelines.class)
        .get("bench").stats();
    ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
    // heap of this whole JVM (cdc-sync, the in-process broker, the benchmark): used, and live after the last GC
    AtomicLong heapUsed = new AtomicLong();
    AtomicLong heapAfterGc = new AtomicLong();
    progress.scheduleAtFixedRate(() -> {
      heapUsed.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
      long afterGc = ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null)
          .mapToLong(pool -> pool.getCollectionUsage().getUsed()).sum();
      heapAfterGc.accumulateAndGet(afterGc, Math::max);
    }, 0, 100, TimeUnit.MILLISECONDS);
    long progressStart = System.nanoTime();
    progress.scheduleAtFixedRate(() -> System.out.printf("bench progress %.0f s: captured %d applied %d%n",
        seconds(progressStart), stats.capturedCount(), stats.appliedCount()), 1, 2, TimeUnit.SECONDS);
    awaitCount(cdcTarget, ROWS);
    double cdcSnapshot = seconds(start);
    try {
      results.add(row("snapshot of " + ROWS + " rows (s)", nativeSnapshot,
          cdcSnapshot, String.format("%.1f s of it app start-up; %.2f× native's time (the copy's own rate: see the log)",
              appStart, cdcSnapshot / nativeSnapshot)));

      // 2. streaming throughput: both read the same WAL at the same time, after a warm-up stream
      for (long from = ROWS + 1; from <= ROWS + WARM_ROWS; from += 10_000) {
        execute(source, "INSERT INTO bench (id, n, note, amount) SELECT g, 1, 'warm', 1.5 FROM generate_series("
            + from + ", " + Math.min(from + 9_999, ROWS + WARM_ROWS) + ") g");
      }
      awaitCount(nativeTarget, ROWS + WARM_ROWS);
      awaitCount(cdcTarget, ROWS + WARM_ROWS);
      long base = ROWS + WARM_ROWS + 1;
      start = System.nanoTime();
      for (long from = base; from < base + STREAM_ROWS; from += 10_000) {
        execute(source, "INSERT INTO bench (id, n, note, amount) SELECT g, 1, 'stream', 1.5 FROM generate_series("
            + from + ", " + Math.min(from + 9_999, base + STREAM_ROWS - 1) + ") g");
      }
      double written = seconds(start);
      long nativeDone = awaitCountNanos(nativeTarget, ROWS + WARM_ROWS + STREAM_ROWS, start);
      long cdcDone = awaitCountNanos(cdcTarget, ROWS + WARM_ROWS + STREAM_ROWS, start);
      double nativeRate = STREAM_ROWS / (nativeDone / 1e9);
      double cdcRate = STREAM_ROWS / (cdcDone / 1e9);
      results.add(row("streaming " + STREAM_ROWS + " inserts in 10 000-row transactions (rows/s, until all visible)",
          nativeRate, cdcRate, String.format("ratio %.2f× native (goal ≥ 0.5×); writing took %.1f s",
              cdcRate / nativeRate, written)));

      // 3. lag at a fixed rate of single-row transactions
      long lagFrom = ROWS + WARM_ROWS + STREAM_ROWS + 1;
      AtomicLong nextId = new AtomicLong(lagFrom);
      ScheduledExecutorService writers = Executors.newScheduledThreadPool(4);
      List<Connection> connections = new ArrayList<>();
      long periodMicros = 4_000_000L / RATE;
      for (int i = 0; i < 4; i++) {
        Connection connection = DriverManager.getConnection(source.jdbcUrl(), source.username(), source.password());
        connections.add(connection);
        PreparedStatement insert = connection.prepareStatement("INSERT INTO bench (id, n, note, amount) VALUES (?, 2, 'lag', 2.5)");
        writers.scheduleAtFixedRate(() -> {
          try {
            insert.setLong(1, nextId.getAndIncrement());
            insert.executeUpdate();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
      }
      long lagStart = System.nanoTime();
      Thread.sleep(LAG_SECONDS * 1000L);
      writers.shutdownNow();
      writers.awaitTermination(10, TimeUnit.SECONDS);
      double lagSeconds = seconds(lagStart);
      for (Connection connection : connections) {
        connection.close();
      }
      long lastId = nextId.get() - 1;
      long lagRows = count(source, "id >= " + lagFrom);
      awaitCount(nativeTarget, ROWS + WARM_ROWS + STREAM_ROWS + lagRows);
      awaitCount(cdcTarget, ROWS + WARM_ROWS + STREAM_ROWS + lagRows);
      double[] nativeLag = lag(nativeTarget, lagFrom);
      double[] cdcLag = lag(cdcTarget, lagFrom);
      String achieved = String.format("%.0f writes/s achieved (%d rows)", lagRows / lagSeconds, lagRows);
      results.add(row("lag p50 at " + RATE + " writes/s (ms)", nativeLag[0], cdcLag[0], achieved));
      results.add(row("lag p99 at " + RATE + " writes/s (ms)", nativeLag[1], cdcLag[1], "goal p99 ≤ 100 ms"));
    } finally {
      progress.shutdownNow();
      app.close();
      execute(nativeTarget, "DROP SUBSCRIPTION bench_native");
    }
    System.out.println("\n| measure | native logical replication | cdc-sync | note |\n|---|---|---|---|");
    results.forEach(System.out::println);
    System.out.println("cpus=" + Runtime.getRuntime().availableProcessors() + " java=" + System.getProperty("java.version"));
    System.out.printf("heap of the whole JVM (cdc-sync + in-process broker + benchmark), sampled every 100 ms: max used "
        + "%d MB, max live after a GC %d MB, -Xmx %d MB%n", heapUsed.get() >> 20, heapAfterGc.get() >> 20,
        Runtime.getRuntime().maxMemory() >> 20);
  }

  static String row(String measure, double nativeValue, double cdcValue, String note) {
    return String.format("| %s | %.1f | %.1f | %s |", measure, nativeValue, cdcValue, note);
  }

  static double[] lag(TestDatabase target, long fromId) throws Exception {
    try (Connection connection = connect(target); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), "
             + "percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) FROM (SELECT extract(epoch FROM applied_at - created_at) "
             + "* 1000 AS ms FROM bench WHERE id >= " + fromId + ") x")) {
      rows.next();
      return new double[] {rows.getDouble(1), rows.getDouble(2)};
    }
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static void awaitCount(TestDatabase database, long rows) throws Exception {
    awaitCountNanos(database, rows, System.nanoTime());
  }

  static long awaitCountNanos(TestDatabase database, long rows, long startNanos) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
    while (count(database, "true") < rows) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(database.name() + " did not reach " + rows + " rows");
      }
      Thread.sleep(100);
    }
    return System.nanoTime() - startNanos;
  }

  static long count(TestDatabase database, String where) throws Exception {
    try (Connection connection = connect(database); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT count(*) FROM bench WHERE " + where)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  static void execute(TestDatabase database, String sql) throws Exception {
    try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  static Connection connect(TestDatabase database) throws Exception {
    return DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password());
  }
}
