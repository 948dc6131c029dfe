package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/**
 * The catch-up call a consistent route switch relies on, and heartbeats that keep a slot moving
 * while only unmapped tables change; real PostgreSQL and Kafka from the test kit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("catchup-it")
class CatchUpIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("cu_control");
  static final TestDatabase src = TestInfrastructure.freshDatabase("cu_src");
  static final TestDatabase dst = TestInfrastructure.freshDatabase("cu_dst");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    String tables = """
        CREATE TABLE items (id bigint PRIMARY KEY, n int);
        CREATE TABLE parked (id bigint PRIMARY KEY, n int);
        CREATE TABLE quiet (id bigint PRIMARY KEY, n int);
        """;
    ReferenceSchemas.create(src, tables + "CREATE TABLE unmapped (id bigserial PRIMARY KEY, n int);");
    ReferenceSchemas.create(dst, tables);
    control.registerAsDataSource(registry);
    src.registerAs("strangler.sync.datasources.src", registry);
    src.registerAs("strangler.sync.datasources.src-quiet", registry);
    dst.registerAs("strangler.sync.datasources.dst", registry);
    TestInfrastructure.kafka().registerBootstrapServers(registry);
    registry.add("management.server.port", () -> "0");
  }

  @LocalManagementPort int managementPort;

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }

  RestClient admin() {
    org.springframework.http.client.JdkClientHttpRequestFactory requests =
        new org.springframework.http.client.JdkClientHttpRequestFactory();
    requests.setReadTimeout(Duration.ofSeconds(90));
    return RestClient.builder().baseUrl("http://127.0.0.1:" + managementPort).requestFactory(requests)
        .defaultHeader("Authorization", "Bearer test-token").build();
  }

  /** Status and body of a catch-up call. */
  record Answer(int status, Map<?, ?> body) {}

  Answer catchUp(String pipeline, String body) {
    RestClient.RequestBodySpec request = admin().post().uri("/admin/pipelines/{name}/catch-up", pipeline);
    if (body != null) {
      request.contentType(MediaType.APPLICATION_JSON).body(body);
    }
    return request.exchange((req, res) -> new Answer(res.getStatusCode().value(), res.bodyTo(Map.class)));
  }

  @BeforeEach
  void slotsStreaming() {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> jdbc(src)
        .sql("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name IN (?, ?)")
        .param("strangler_src_" + src.name()).param("strangler_src_quiet_" + src.name()).query(Long.class).single() == 2);
  }

  @Test
  void caughtUpRightAfterABurstOverEveryPartitionMeansTheTargetHoldsEveryWrite() {
    Answer warmUp = catchUp("cu-items", "{\"timeoutMillis\": 30000}");
    assertThat(warmUp.body().get("caughtUp")).isEqualTo(true);

    for (int i = 1; i <= 300; i++) { // one transaction each
      jdbc(src).sql("INSERT INTO items (id, n) VALUES (?, ?)").param(i).param(i).update();
    }
    jdbc(src).sql("INSERT INTO items (id, n) SELECT g, g FROM generate_series(301, 2300) g").update();
    jdbc(src).sql("UPDATE items SET n = -n WHERE id <= 100").update();

    Answer answer = catchUp("cu-items", "{\"timeoutMillis\": 20000}");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().get("caughtUp")).isEqualTo(true);
    assertThat(answer.body().get("pipeline")).isEqualTo("cu-items");
    assertThat(answer.body().get("pendingEvents")).isEqualTo(0);
    assertThat((String) answer.body().get("sourceLsn")).matches("[0-9A-F]+/[0-9A-F]+");
    assertThat(lsn((String) answer.body().get("capturedLsn"))).isGreaterThanOrEqualTo(lsn((String) answer.body().get("sourceLsn")));
    // no waiting here: caught up means applied
    assertThat(jdbc(dst).sql("SELECT count(*) FROM items WHERE id <= 2300").query(Long.class).single()).isEqualTo(2300);
    assertThat(jdbc(dst).sql("SELECT count(*) FROM items WHERE n < 0").query(Long.class).single()).isEqualTo(100);

    Map<?, ?> view = admin().get().uri("/admin/pipelines/cu-items").retrieve().body(Map.class);
    Map<?, ?> position = (Map<?, ?>) view.get("position");
    assertThat(position.get("capturedLsn")).isNotNull();
    // the default 4 partitions: the burst spread over all of them, and the position lists each one
    Map<?, ?> applied = (Map<?, ?>) position.get("appliedOffsets");
    assertThat(applied.keySet().stream().map(Object::toString).toList()).containsExactlyInAnyOrder("cu-items.public.items-0", "cu-items.public.items-1",
        "cu-items.public.items-2", "cu-items.public.items-3");
    assertThat(applied.values()).allSatisfy(offset -> assertThat(((Number) offset).longValue()).isPositive());
    assertThat(applied.values().stream().mapToLong(offset -> ((Number) offset).longValue()).sum())
        .isGreaterThanOrEqualTo(2400);
    assertThat(view.keySet().stream().map(Object::toString).toList()).contains("state", "eventsApplied", "lag");
  }

  @Test
  void catchesUpWhenTheMappedTablesAreIdleAndWithoutABody() {
    Answer answer = catchUp("cu-quiet", null);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().get("caughtUp")).isEqualTo(true);
    assertThat(((Number) answer.body().get("waitedMillis")).longValue()).isLessThan(2000);
  }

  @Test
  void aOneMillisecondTimeoutUnderABacklogAnswersNotCaughtUpQuickly() {
    assertThat(catchUp("cu-items", "{\"timeoutMillis\": 30000}").body().get("caughtUp")).isEqualTo(true); // warm clients
    jdbc(src).sql("INSERT INTO items (id, n) SELECT g, g FROM generate_series(100001, 105000) g").update();
    long start = System.nanoTime();
    Answer answer = catchUp("cu-items", "{\"timeoutMillis\": 1}");
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.body().get("caughtUp")).isEqualTo(false);
    assertThat(answer.body().get("sourceLsn")).isNotNull();
    assertThat(tookMillis).as("answer %s", answer.body()).isLessThan(1000);
    assertThat(catchUp("cu-items", "{\"timeoutMillis\": 60000}").body().get("caughtUp")).isEqualTo(true);
    assertThat(jdbc(dst).sql("SELECT count(*) FROM items WHERE id > 100000").query(Long.class).single()).isEqualTo(5000);
  }

  @Test
  void aPausedPipelineCannotCatchUp() {
    admin().post().uri("/admin/pipelines/cu-paused/pause").retrieve().toBodilessEntity();
    try {
      Answer answer = catchUp("cu-paused", "{\"timeoutMillis\": 500}");
      assertThat(answer.status()).isEqualTo(409);
      assertThat(answer.body().get("detail").toString()).contains("cu-paused", "paused");
    } finally {
      admin().post().uri("/admin/pipelines/cu-paused/resume").retrieve().toBodilessEntity();
    }
    assertThat(catchUp("cu-paused", "{}").body().get("caughtUp")).isEqualTo(true);
  }

  @Test
  void rejectsUnknownPipelinesAndTimeoutsOutOfRange() {
    assertThat(catchUp("nope", "{}").status()).isEqualTo(404);
    assertThat(catchUp("cu-items", "{\"timeoutMillis\": 0}").status()).isEqualTo(400);
    assertThat(catchUp("cu-items", "{\"timeoutMillis\": 60001}").status()).isEqualTo(400);
    assertThat(catchUp("cu-items", "{\"timeoutMillis\": \"soon\"}").status()).isEqualTo(400);
  }

  @Test
  void heartbeatsMoveTheSlotWhileOnlyUnmappedTablesChange() throws InterruptedException {
    long retainedBound = 16L * 1024 * 1024;
    jdbc(src).sql("INSERT INTO unmapped (n) SELECT g FROM generate_series(1, 1000) g").update();
    long after = lsn(jdbc(src).sql("SELECT pg_current_wal_lsn()::text").query(String.class).single());
    long[] heartbeatSlot = {0};
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
      jdbc(src).sql("INSERT INTO unmapped (n) VALUES (1)").update(); // only unmapped changes keep coming
      heartbeatSlot[0] = confirmedFlush("strangler_src_" + src.name());
      return heartbeatSlot[0] >= after;
    });
    long current = lsn(jdbc(src).sql("SELECT pg_current_wal_lsn()::text").query(String.class).single());
    assertThat(current - confirmedFlush("strangler_src_" + src.name())).isLessThan(retainedBound);
    // the same database, the same unmapped writes, a source without heartbeats: that slot stays where it was
    assertThat(confirmedFlush("strangler_src_quiet_" + src.name())).isLessThan(after);
  }

  long confirmedFlush(String slot) {
    return lsn(jdbc(src).sql("SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?")
        .param(slot).query(String.class).single());
  }

  static long lsn(String text) {
    String[] parts = text.split("/");
    return (Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16);
  }
}
