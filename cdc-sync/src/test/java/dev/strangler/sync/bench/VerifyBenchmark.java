package dev.strangler.sync.bench;

import dev.strangler.sync.CdcSyncApplication;
import dev.strangler.sync.verify.Verifier;
import dev.strangler.sync.verify.VerifyResult;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Not a test: a whole verify of {@code bench.rows} rows (default 1 M) that are equal on both sides
 * but one, a re-verify of 100 given keys, and a dry-run repair, on embedded PostgreSQL from the test
 * kit (source and target databases on one server, as on one box). Run with
 * {@code ./mvnw -B -pl cdc-sync -am verify -Dtest=VerifyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Prints a Markdown table.
 */
class VerifyBenchmark {

  static final long ROWS = Long.getLong("bench.rows", 1_000_000);

  @Test
  void verifyRowsPerSecond() {
    TestDatabase source = TestInfrastructure.freshDatabase("vbench_src");
    TestDatabase target = TestInfrastructure.freshDatabase("vbench_dst");
    TestDatabase control = TestInfrastructure.freshDatabase("vbench_control");
    for (TestDatabase database : List.of(source, target)) {
      jdbc(database).sql("CREATE TABLE bench (id bigint PRIMARY KEY, n int NOT NULL, note text, amount numeric(10,2), "
          + "created_at timestamptz NOT NULL)").update();
      jdbc(database).sql("INSERT INTO bench SELECT g, g % 100, 'row ' || g, (g % 10000) / 100.0, "
          + "timestamptz '2026-01-01' + g * interval '1 second' FROM generate_series(1, " + ROWS + ") g").update();
      jdbc(database).sql("VACUUM ANALYZE bench").update();
    }
    jdbc(target).sql("UPDATE bench SET note = 'tampered' WHERE id = " + ROWS / 2).update();
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(CdcSyncApplication.class).properties(
        "server.port=0", "management.server.port=0", "logging.level.io.debezium=WARN",
        "logging.level.org.apache.kafka=WARN",
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "strangler.sync.datasources.src.url=" + source.jdbcUrl(),
        "strangler.sync.datasources.src.username=" + source.username(),
        "strangler.sync.datasources.src.password=" + source.password(),
        "strangler.sync.datasources.dst.url=" + target.jdbcUrl(),
        "strangler.sync.datasources.dst.username=" + target.username(),
        "strangler.sync.datasources.dst.password=" + target.password(),
        "strangler.sync.pipelines.vbench.source=src", "strangler.sync.pipelines.vbench.target=dst",
        "strangler.sync.pipelines.vbench.snapshot=never",
        "strangler.sync.pipelines.vbench.tables[0].source-table=bench",
        "strangler.sync.pipelines.vbench.tables[0].key[0]=id").run()) {
      Verifier verifier = app.getBean(Verifier.class);
      verifier.verify("vbench"); // warm-up: caches and JIT, as a second verify in a real run would be
      long start = System.nanoTime();
      VerifyResult whole = verifier.verify("vbench");
      double wholeSeconds = (System.nanoTime() - start) / 1e9;
      List<Verifier.RequestedKey> keys = new java.util.ArrayList<>();
      for (long id = 1; id <= 100; id++) {
        keys.add(new Verifier.RequestedKey("bench", Map.of("id", Long.toString(id * (ROWS / 100)))));
      }
      start = System.nanoTime();
      VerifyResult some = verifier.verifyKeys("vbench", keys);
      double keysSeconds = (System.nanoTime() - start) / 1e9;
      System.out.println("| what | rows | seconds | rows/s | differing |");
      System.out.println("|---|---|---|---|---|");
      System.out.printf("| whole verify | %d | %.2f | %.0f | %d |%n", whole.sourceRows(), wholeSeconds,
          whole.sourceRows() / wholeSeconds, whole.differingKeys().size());
      System.out.printf("| re-verify of given keys | %d | %.3f | %.0f | %d |%n", keys.size(), keysSeconds,
          keys.size() / keysSeconds, some.differingKeys().size());
    }
  }

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }
}
