package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import dev.strangler.sync.deployment.Pipelines;

/**
 * Forward (legacy members → signup accounts) and reverse (accounts → members) pipelines and a
 * pipeline with every conversion, on real PostgreSQL and Kafka from the test kit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("sync-it")
class SyncIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("sync_control");
  static final TestDatabase legacy = TestInfrastructure.freshDatabase("sync_legacy");
  static final TestDatabase signup = TestInfrastructure.freshDatabase("sync_signup");
  static final TestDatabase mirror = TestInfrastructure.freshDatabase("sync_mirror");

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    ReferenceSchemas.create(legacy, ReferenceSchemas.LEGACY + """
        CREATE TABLE stop_src (id bigint PRIMARY KEY, n int);
        CREATE TABLE conv_src (id bigint PRIMARY KEY, code int, amount numeric(12,4), happened_at timestamptz,
          noted text, label varchar(50), secret text, qty int, created timestamp);
        INSERT INTO members (id, email, password_hash, name, phone, created_at) VALUES
          (1, ' Ann@Example.com', 'h1', 'Ann', '111', '2024-01-02 03:04:05.123456'),
          (2, 'bob@example.com', 'h2', 'Bob', null, '2024-02-03 04:05:06'),
          (3, 'Cy@Example.com', 'h3', 'Cy', '333', '2024-03-04 05:06:07');
        """);
    ReferenceSchemas.create(signup, ReferenceSchemas.SIGNUP + """
        CREATE TABLE conv_dst (id bigint PRIMARY KEY, code_text text, amount numeric(10,2), happened_at timestamp,
          noted timestamptz, label varchar(50), qty bigint, created timestamptz, tier varchar(10) NOT NULL,
          copied_at timestamptz NOT NULL);
        CREATE TABLE stop_dst (id bigint PRIMARY KEY, n int CHECK (n < 100));
        CREATE TABLE menus_copy (id bigint PRIMARY KEY, name varchar(100), price numeric(10,2), available boolean);
        CREATE TABLE menus_archive (id bigint PRIMARY KEY, name varchar(100), price numeric(10,2), available boolean);
        """);
    ReferenceSchemas.create(mirror, "CREATE TABLE members_copy (id bigint PRIMARY KEY, email varchar(254), name varchar(100));");
    control.registerAsDataSource(registry);
    legacy.registerAs("strangler.sync.datasources.legacy", registry);
    signup.registerAs("strangler.sync.datasources.signup", registry);
    mirror.registerAs("strangler.sync.datasources.mirror", registry);
    legacy.registerAs("strangler.sync.datasources.archive", registry); // a second source on the same database
    TestInfrastructure.kafka().registerBootstrapServers(registry);
    registry.add("management.server.port", () -> "0");
  }

  @LocalServerPort int serverPort;
  @LocalManagementPort int managementPort;
  @Autowired Pipelines pipelines;

  static JdbcClient jdbc(TestDatabase database) {
    return JdbcClient.create(new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
  }

  RestClient admin() {
    return RestClient.builder().baseUrl("http://127.0.0.1:" + managementPort)
        .defaultHeader("Authorization", "Bearer test-token").build();
  }

  static void awaitTrue(java.util.concurrent.Callable<Boolean> condition) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(condition);
  }

  static String account(long id) {
    return jdbc(signup).sql("SELECT email_normalized || '|' || display_name || '|' || coalesce(phone, '-') || '|' "
        + "|| created_at::text FROM accounts WHERE id = ?").param(id).query(String.class).optional().orElse(null);
  }

  static String member(long id) {
    return jdbc(legacy).sql("SELECT email || '|' || name || '|' || coalesce(phone, '-') || '|' || created_at::text "
        + "FROM members WHERE id = ?").param(id).query(String.class).optional().orElse(null);
  }

  @Test
  void snapshotCopiesExistingRowsThroughTheMapping() {
    awaitTrue(() -> account(3) != null);
    assertThat(jdbc(signup).sql("SET TIME ZONE 'UTC'").update()).isZero();
    assertThat(jdbc(signup).sql("SELECT email_normalized || '|' || display_name || '|' || "
            + "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') FROM accounts WHERE id = 1")
        .query(String.class).single())
        .isEqualTo("ann@example.com|Ann|2024-01-02 03:04:05.123456");
    assertThat(jdbc(signup).sql("SELECT count(*) FROM accounts WHERE id <= 3").query(Long.class).single()).isEqualTo(3);
  }

  @Test
  void streamsInsertUpdateAndDelete() {
    jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, phone, created_at) "
        + "VALUES (10, 'Dee@Example.com', 'h', 'Dee', '10', '2025-05-05 05:05:05')").update();
    awaitTrue(() -> account(10) != null);
    assertThat(account(10)).startsWith("dee@example.com|Dee|10|");

    jdbc(legacy).sql("UPDATE members SET name = 'Deedee', phone = null WHERE id = 10").update();
    awaitTrue(() -> account(10).startsWith("dee@example.com|Deedee|-|"));

    jdbc(legacy).sql("DELETE FROM members WHERE id = 10").update();
    awaitTrue(() -> account(10) == null);
  }

  @Test
  void appliedChangesAreNeverCapturedBackAsNewChanges() {
    awaitQuiet();
    long reverseCaptured = view("it-members-rev").get("eventsCaptured");
    long reverseEchoes = view("it-members-rev").get("echoesDropped");
    long forwardCaptured = view("it-members-fwd").get("eventsCaptured");
    for (int i = 0; i < 20; i++) {
      jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, created_at) "
          + "VALUES (?, ?, 'h', 'n', now())").param(100 + i).param("echo" + i + "@example.com").update();
    }
    jdbc(legacy).sql("UPDATE members SET phone = '42' WHERE id BETWEEN 100 AND 119").update();
    awaitTrue(() -> "42".equals(jdbc(signup).sql("SELECT coalesce(min(phone), '') FROM accounts WHERE id BETWEEN 100 AND 119")
        .query(String.class).single()) && jdbc(signup).sql("SELECT count(*) FROM accounts WHERE phone = '42'")
        .query(Long.class).single() == 20);
    // the reverse engine read the 40 applied changes from the signup WAL and dropped every one
    awaitTrue(() -> view("it-members-rev").get("echoesDropped") - reverseEchoes == 40);
    awaitQuiet();
    assertThat(view("it-members-rev").get("eventsCaptured") - reverseCaptured).isZero();
    assertThat(view("it-members-fwd").get("eventsCaptured") - forwardCaptured).isEqualTo(40);

    // and the other way round: a change made on the new side reaches legacy once and stops there
    long forwardEchoes = view("it-members-fwd").get("echoesDropped");
    long forwardCapturedBefore = view("it-members-fwd").get("eventsCaptured");
    jdbc(signup).sql("INSERT INTO accounts (id, email_normalized, password_hash, display_name, created_at) "
        + "VALUES (1000000000001, 'new@example.com', 'h', 'New', now())").update();
    awaitTrue(() -> member(1000000000001L) != null);
    awaitTrue(() -> view("it-members-fwd").get("echoesDropped") - forwardEchoes == 1);
    awaitQuiet();
    assertThat(view("it-members-fwd").get("eventsCaptured")).isEqualTo(forwardCapturedBefore);
    // the same record, read once from the legacy WAL, is no echo for a pipeline whose target is not signup
    awaitTrue(() -> mirrored(1000000000001L) != null);
    assertThat(mirrored(1000000000001L)).isEqualTo("new@example.com|New");
  }

  static String mirrored(long id) {
    return jdbc(mirror).sql("SELECT email || '|' || name FROM members_copy WHERE id = ?").param(id).query(String.class)
        .optional().orElse(null);
  }

  @Test
  void pipelinesOfOneSourceShareOneSlotAndEachGetsTheChangesOfItsTables() {
    for (String pipeline : List.of("it-members-fwd", "it-members-mirror", "it-conversions", "it-stop")) {
      Map<?, ?> body = admin().get().uri("/admin/pipelines/{name}", pipeline).retrieve().body(Map.class);
      assertThat(body.get("slot")).as(pipeline).isEqualTo(legacySlot());
      assertThat(body.get("publication")).as(pipeline).isEqualTo("strangler_legacy");
    }
    awaitTrue(() -> jdbc(legacy).sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ? AND active")
        .param(legacySlot()).query(Long.class).single() == 1);
    assertThat(jdbc(legacy).sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'strangler_it%'")
        .query(Long.class).single()).isZero();
    // the snapshot reached both pipelines of the members table
    awaitTrue(() -> mirrored(3) != null);
    assertThat(mirrored(1)).isEqualTo(" Ann@Example.com|Ann");

    jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, created_at) "
        + "VALUES (300, 'both@example.com', 'h', 'Both', now())").update();
    awaitTrue(() -> account(300) != null && mirrored(300) != null);
    jdbc(legacy).sql("DELETE FROM members WHERE id = 300").update();
    awaitTrue(() -> account(300) == null && mirrored(300) == null);
  }

  @Test
  void pausingOnePipelineLeavesTheOthersOfItsSourceRunning() throws InterruptedException {
    admin().post().uri("/admin/pipelines/it-members-mirror/pause").retrieve().toBodilessEntity();
    try {
      jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, created_at) "
          + "VALUES (301, 'paused@example.com', 'h', 'Paused', now())").update();
      awaitTrue(() -> account(301) != null);
      Thread.sleep(500);
      assertThat(mirrored(301)).isNull();
      assertThat(admin().get().uri("/admin/pipelines/it-members-mirror").retrieve().body(Map.class).get("state"))
          .isEqualTo("PAUSED");
      assertThat(admin().get().uri("/admin/pipelines/it-members-fwd").retrieve().body(Map.class).get("state"))
          .isEqualTo("STREAMING");
    } finally {
      admin().post().uri("/admin/pipelines/it-members-mirror/resume").retrieve().toBodilessEntity();
    }
    // its changes waited in Kafka
    awaitTrue(() -> mirrored(301) != null);
  }

  @Test
  void convertsEveryKindOfMapping() {
    jdbc(legacy).sql("""
        INSERT INTO conv_src (id, code, amount, happened_at, noted, label, secret, qty, created)
        VALUES (1, 7, 12.3456, '2024-06-01 12:00:00+02', '2024-06-01T10:00:00Z', '  hi there ', 's', 5,
                '2024-06-01 10:00:00.5')""").update();
    awaitTrue(() -> jdbc(signup).sql("SELECT count(*) FROM conv_dst WHERE id = 1").query(Long.class).single() == 1);
    Map<String, Object> row = jdbc(signup).sql("""
        SELECT code_text, amount::text AS amount, happened_at::text AS happened_at,
               to_char(noted AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS noted, label, qty,
               to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS created, tier,
               copied_at > now() - interval '5 minutes' AS copied_recently
        FROM conv_dst WHERE id = 1""").query().singleRow();
    assertThat(row).containsEntry("code_text", "7").containsEntry("amount", "12.35")
        .containsEntry("happened_at", "2024-06-01 10:00:00").containsEntry("noted", "2024-06-01 10:00:00")
        .containsEntry("label", "HI THERE").containsEntry("qty", 5L).containsEntry("created", "2024-06-01 10:00:00.500")
        .containsEntry("tier", "gold").containsEntry("copied_recently", true);
  }

  @Test
  void concurrentConflictingWritesConvergeToTheOwnersValue() {
    awaitTrue(() -> account(2) != null);
    admin().post().uri("/admin/pipelines/it-members-fwd/pause").retrieve().toBodilessEntity();
    admin().post().uri("/admin/pipelines/it-members-rev/pause").retrieve().toBodilessEntity();
    long forwardConflicts = view("it-members-fwd").get("conflicts");
    long reverseConflicts = view("it-members-rev").get("conflicts");
    // both sides change the same row before either change was applied on the other side
    jdbc(legacy).sql("UPDATE members SET phone = 'legacy' WHERE id = 2").update();
    jdbc(signup).sql("UPDATE accounts SET phone = 'new' WHERE id = 2").update();
    admin().post().uri("/admin/pipelines/it-members-fwd/resume").retrieve().toBodilessEntity();
    admin().post().uri("/admin/pipelines/it-members-rev/resume").retrieve().toBodilessEntity();

    awaitTrue(() -> view("it-members-fwd").get("conflicts") > forwardConflicts
        && view("it-members-rev").get("conflicts") > reverseConflicts);
    awaitQuiet();
    assertThat(jdbc(legacy).sql("SELECT phone FROM members WHERE id = 2").query(String.class).single()).isEqualTo("legacy");
    assertThat(jdbc(signup).sql("SELECT phone FROM accounts WHERE id = 2").query(String.class).single()).isEqualTo("legacy");
  }

  @Test
  void unappliableChangeGoesToTheDeadLetterTopicAndThePipelineGoesOn() {
    long deadLetters = view("it-members-fwd").get("deadLetters");
    jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, created_at) VALUES "
        + "(200, 'Dup@x.com', 'h', 'a', now()), (201, 'dup@X.com ', 'h', 'b', now())").update();
    jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, created_at) VALUES "
        + "(202, 'after@x.com', 'h', 'c', now())").update();
    awaitTrue(() -> account(202) != null);
    assertThat(account(200)).isNotNull();
    assertThat(account(201)).isNull();
    assertThat(view("it-members-fwd").get("deadLetters")).isEqualTo(deadLetters + 1);

    java.util.Properties props = new java.util.Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("group.id", "dlq-reader-" + System.nanoTime());
    props.put("auto.offset.reset", "earliest");
    props.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    props.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
    try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(props)) {
      consumer.subscribe(List.of("it-members-fwd.dlq"));
      List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> letters = new java.util.ArrayList<>();
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        consumer.poll(Duration.ofMillis(500)).forEach(letters::add);
        return !letters.isEmpty();
      });
      assertThat(letters.get(0).key()).contains("201");
      assertThat(new String(letters.get(0).headers().lastHeader("strangler-sync-reason").value()))
          .contains("duplicate key");
    }

    Map<String, Object> verify = admin().post().uri("/admin/pipelines/it-members-fwd/verify").retrieve().body(Map.class);
    assertThat(verify.get("equal")).isEqualTo(false);
    assertThat(verify.get("differingKeys").toString()).contains("id=201").contains("missing-in-target");
    // the pipeline's view remembers it, for the CLI's status and the dashboard
    Map<?, ?> lastVerify = (Map<?, ?>) admin().get().uri("/admin/pipelines/it-members-fwd").retrieve().body(Map.class)
        .get("lastVerify");
    assertThat(lastVerify.get("equal")).isEqualTo(false);
    assertThat(((Number) lastVerify.get("differingKeys")).intValue()).isPositive();
  }

  @Test
  void pipelineWithOnErrorStopStopsAtAChangeItCannotApply() {
    jdbc(legacy).sql("INSERT INTO stop_src VALUES (1, 1)").update();
    awaitTrue(() -> jdbc(signup).sql("SELECT count(*) FROM stop_dst").query(Long.class).single() == 1);
    jdbc(legacy).sql("INSERT INTO stop_src VALUES (2, 500)").update(); // violates the target's CHECK
    // a later change of the same row, valid on its own: the stopped partition must not apply it
    // (a change of another row, in another partition, may still be applied: order holds per row)
    jdbc(legacy).sql("UPDATE stop_src SET n = 2 WHERE id = 2").update();
    awaitTrue(() -> "FAILED".equals(admin().get().uri("/admin/pipelines/it-stop").retrieve().body(Map.class)
        .get("state")));
    Map<?, ?> failed = admin().get().uri("/admin/pipelines/it-stop").retrieve().body(Map.class);
    assertThat(failed.get("lastError").toString()).contains("key {\"id\":2}").contains("SQLSTATE 23514");
    assertThat(failed.get("deadLetters")).isEqualTo(0);
    assertThat(jdbc(signup).sql("SELECT count(*) FROM stop_dst WHERE id = 2").query(Long.class).single()).isZero();
  }

  @Test
  void verifierFindsAnInjectedDifferenceAndNamesItsKey() {
    for (int i = 10; i < 15; i++) {
      jdbc(legacy).sql("INSERT INTO conv_src (id, code, amount, label, created) VALUES (?, ?, 1.005, 'x', now())")
          .param(i).param(i).update();
    }
    awaitTrue(() -> jdbc(signup).sql("SELECT count(*) FROM conv_dst WHERE id BETWEEN 10 AND 14").query(Long.class)
        .single() == 5);
    Map<String, Object> equal = admin().post().uri("/admin/pipelines/it-conversions/verify").retrieve().body(Map.class);
    assertThat(equal).containsEntry("equal", true).containsEntry("differingKeys", List.of());
    assertThat(((Number) equal.get("sourceRows")).longValue()).isEqualTo(((Number) equal.get("targetRows")).longValue());

    jdbc(signup).sql("UPDATE conv_dst SET label = 'tampered' WHERE id = 12").update();
    Map<String, Object> different = admin().post().uri("/admin/pipelines/it-conversions/verify").retrieve()
        .body(Map.class);
    assertThat(different).containsEntry("equal", false);
    assertThat((List<?>) different.get("differingKeys")).hasSize(1);
    assertThat(different.get("differingKeys").toString()).contains("id=12").contains("different");
  }

  @Test
  void adminApiNeedsTheTokenAndLivesOnTheManagementPortOnly() {
    RestClient anonymous = RestClient.create("http://127.0.0.1:" + managementPort);
    int anonymousStatus = anonymous.get().uri("/admin/pipelines").exchange((req, res) -> res.getStatusCode().value());
    assertThat(anonymousStatus).isEqualTo(401);
    RestClient mainPort = RestClient.builder().baseUrl("http://127.0.0.1:" + serverPort)
        .defaultHeader("Authorization", "Bearer test-token").build();
    int mainPortStatus = mainPort.get().uri("/admin/pipelines").exchange((req, res) -> res.getStatusCode().value());
    assertThat(mainPortStatus).isEqualTo(404);

    List<?> all = admin().get().uri("/admin/pipelines").retrieve().body(List.class);
    assertThat(all).hasSize(8);
    @SuppressWarnings("unchecked")
    Map<String, Object> first = (Map<String, Object>) all.get(0);
    assertThat(first).containsKeys("state", "lag", "eventsCaptured", "eventsApplied", "eventsPerSecond",
        "deadLetters", "conflicts", "snapshot");
    Map<?, ?> unknown = admin().get().uri("/admin/pipelines/nope").exchange((req, res) -> {
      assertThat(res.getStatusCode().value()).isEqualTo(404);
      return res.bodyTo(Map.class);
    });
    assertThat(unknown.get("detail").toString()).contains("nope");
    int disabled = admin().post().uri("/admin/pipelines/it-disabled/pause")
        .exchange((req, res) -> res.getStatusCode().value());
    assertThat(disabled).isEqualTo(400);
    Map<?, ?> metrics = admin().get().uri("/actuator/metrics/strangler.sync.events.applied").retrieve().body(Map.class);
    assertThat(metrics.get("name")).isEqualTo("strangler.sync.events.applied");
  }

  @Test
  void retiringOnePipelineOfASharedSourceDropsOnlyItsTablesFromThePublication() {
    awaitTrue(() -> publishes("strangler_legacy", "menus"));
    // the engine creates the shared slot once it runs: retire only then, so "kept" means kept
    awaitTrue(() -> jdbc(legacy).sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")
        .param(legacySlot()).query(Long.class).single() == 1);
    Map<?, ?> retired = admin().delete().uri("/admin/pipelines/it-retire/slot").retrieve().body(Map.class);
    assertThat(retired.get("state")).isEqualTo("RETIRED");
    assertThat(retired.get("retired").toString()).contains("dropped from publication");
    assertThat(publishes("strangler_legacy", "menus")).isFalse();
    assertThat(publishes("strangler_legacy", "members")).isTrue();
    assertThat(jdbc(legacy).sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?").param(legacySlot())
        .query(Long.class).single()).isEqualTo(1);
    assertThat(pipelines.get("it-retire").retirement()).contains("[public.menus] dropped from publication strangler_legacy")
        .contains("slot " + legacySlot() + " kept");
    // the other pipelines of the source go on
    jdbc(legacy).sql("INSERT INTO members (id, email, password_hash, name, created_at) "
        + "VALUES (302, 'still@example.com', 'h', 'Still', now())").update();
    awaitTrue(() -> account(302) != null);
  }

  @Test
  void retiringTheLastPipelineOfASourceDropsItsSlotAndPublication() {
    String slot = "strangler_archive_" + legacy.name();
    awaitTrue(() -> jdbc(legacy).sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?").param(slot)
        .query(Long.class).single() == 1);
    Map<?, ?> retired = admin().delete().uri("/admin/pipelines/it-archive/slot").retrieve().body(Map.class);
    assertThat(retired.get("state")).isEqualTo("RETIRED");
    assertThat(jdbc(legacy).sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?").param(slot)
        .query(Long.class).single()).isZero();
    assertThat(jdbc(legacy).sql("SELECT count(*) FROM pg_publication WHERE pubname = 'strangler_archive'")
        .query(Long.class).single()).isZero();
    assertThat(pipelines.get("it-archive").retirement()).contains("slot " + slot + ", publication "
        + "strangler_archive and offsets dropped");
  }

  /** The legacy source's slot: {@code strangler_<datasource>_<database>}. */
  static String legacySlot() {
    return "strangler_legacy_" + legacy.name();
  }

  static boolean publishes(String publication, String table) {
    return jdbc(legacy).sql("SELECT count(*) FROM pg_publication_tables WHERE pubname = ? AND tablename = ?")
        .param(publication).param(table).query(Long.class).single() == 1;
  }

  @SuppressWarnings("unchecked")
  Map<String, Long> view(String pipeline) {
    Map<String, Object> body = admin().get().uri("/admin/pipelines/{name}", pipeline).retrieve().body(Map.class);
    return Map.of("eventsCaptured", ((Number) body.get("eventsCaptured")).longValue(),
        "eventsApplied", ((Number) body.get("eventsApplied")).longValue(),
        "echoesDropped", ((Number) body.get("echoesDropped")).longValue(),
        "deadLetters", ((Number) body.get("deadLetters")).longValue(),
        "conflicts", ((Number) body.get("conflicts")).longValue());
  }

  /** Waits until the counters stop moving for a moment. */
  void awaitQuiet() {
    long[] last = {-1};
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(700)).until(() -> {
      long sum = 0;
      for (String name : List.of("it-members-fwd", "it-members-rev", "it-conversions", "it-members-mirror")) {
        Map<String, Long> v = view(name);
        sum += v.get("eventsCaptured") + v.get("eventsApplied") + v.get("echoesDropped");
      }
      boolean quiet = sum == last[0];
      last[0] = sum;
      return quiet;
    });
  }
}
