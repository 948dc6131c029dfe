package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A row with a large, incompressible text value (stored out of line, TOAST) is updated on another
 * column: PostgreSQL does not log the unchanged large value, Debezium marks it unavailable, and
 * the target must keep its value rather than get the marker.
 */
class UnchangedToastedValueIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("toast_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("toast_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("toast_target");
  static ConfigurableApplicationContext app;

  @BeforeAll
  static void start() {
    for (TestDatabase database : List.of(source, target)) {
      ReferenceSchemas.execute(database, """
          CREATE TABLE docs (id bigint PRIMARY KEY, title text NOT NULL, body text, meta jsonb);
          CREATE TABLE notes (id bigint PRIMARY KEY, title text NOT NULL, body text);
          """);
    }
    app = InProcessCdcSync.start(control, Map.of("toastsrc", source, "toastdst", target),
        "strangler.sync.pipelines.toast.source=toastsrc", "strangler.sync.pipelines.toast.target=toastdst",
        "strangler.sync.pipelines.toast.tables[0].source-table=docs",
        "strangler.sync.pipelines.toast.tables[0].key[0]=id",
        "strangler.sync.pipelines.toast.tables[1].source-table=notes",
        "strangler.sync.pipelines.toast.tables[1].key[0]=id");
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  /** About 32 kB of random hex: too large for a page, and pglz finds nothing to compress. */
  static String randomText() {
    return jdbc(source).sql("SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 1000)")
        .query(String.class).single();
  }

  static String row(TestDatabase database, String table, long id) {
    return jdbc(database).sql("SELECT title || '|' || coalesce(md5(body), '-') || '|' || coalesce(length(body), 0)"
        + (table.equals("docs") ? " || '|' || coalesce(md5(meta::text), '-')" : "") + " FROM " + table
        + " WHERE id = ?").param(id).query(String.class).optional().orElse(null);
  }

  static void awaitEqual(String table, long id) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> row(source, table, id) != null && row(source, table, id).equals(row(target, table, id)));
  }

  @Test
  void updatingAnotherColumnKeepsTheLargeValueInTheTarget() {
    String body = randomText();
    String meta = "{\"blob\": \"" + randomText() + "\"}";
    jdbc(source).sql("INSERT INTO docs VALUES (1, 'first', ?, ?::jsonb)").param(body).param(meta).update();
    awaitEqual("docs", 1);
    assertThat(toastBytes("docs")).as("the values are stored out of line").isGreaterThan(60_000);

    jdbc(source).sql("UPDATE docs SET title = 'second' WHERE id = 1").update();
    awaitEqual("docs", 1);
    assertThat(jdbc(target).sql("SELECT body FROM docs WHERE id = 1").query(String.class).single()).isEqualTo(body);

    String newBody = randomText();
    jdbc(source).sql("UPDATE docs SET body = ? WHERE id = 1").param(newBody).update();
    awaitEqual("docs", 1);
    jdbc(source).sql("UPDATE docs SET title = 'third' WHERE id = 1").update();
    awaitEqual("docs", 1);
    assertThat(jdbc(target).sql("SELECT body FROM docs WHERE id = 1").query(String.class).single()).isEqualTo(newBody);
    assertThat(InProcessCdcSync.count(app, "toast", "conflicts")).isZero();
  }

  /**
   * A table whose replica identity is not FULL (cdc-sync sets FULL at start; here it is set back)
   * has no before-image: Debezium sends its placeholder for the unchanged large value, and the
   * applier sets only the columns the change carries.
   */
  @Test
  void withoutABeforeImageThePlaceholderIsNeverWritten() {
    String body = randomText();
    jdbc(source).sql("INSERT INTO notes VALUES (1, 'first', ?), (2, 'other', ?)").param(body).param(body).update();
    awaitEqual("notes", 1);
    awaitEqual("notes", 2);
    assertThat(toastBytes("notes")).isGreaterThan(30_000);
    jdbc(source).sql("ALTER TABLE notes REPLICA IDENTITY DEFAULT").update();

    jdbc(source).sql("UPDATE notes SET title = 'second' WHERE id = 1").update();
    awaitEqual("notes", 1);
    assertThat(jdbc(target).sql("SELECT body FROM notes WHERE id = 1").query(String.class).single()).isEqualTo(body);
    assertThat(lastValueOnTopic("toast.public.notes")).as("what Debezium sent for the unchanged value")
        .contains("\"body\":\"__debezium_unavailable_value\"");

    // no target row to keep the value from: the change cannot be applied without inventing it
    long deadLetters = InProcessCdcSync.count(app, "toast", "deadLetters");
    jdbc(target).sql("DELETE FROM notes WHERE id = 2").update();
    jdbc(source).sql("UPDATE notes SET title = 'changed' WHERE id = 2").update();
    await().atMost(Duration.ofSeconds(60))
        .until(() -> InProcessCdcSync.count(app, "toast", "deadLetters") == deadLetters + 1);
    assertThat(row(target, "notes", 2)).isNull();

    String newBody = randomText();
    jdbc(source).sql("UPDATE notes SET body = ? WHERE id = 1").param(newBody).update();
    awaitEqual("notes", 1);
    assertThat(jdbc(target).sql("SELECT body FROM notes WHERE id = 1").query(String.class).single()).isEqualTo(newBody);
  }

  static long toastBytes(String table) {
    return jdbc(source).sql("SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = ?").param(table)
        .query(Long.class).single();
  }

  static String lastValueOnTopic(String topic) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("group.id", "toast-reader-" + System.nanoTime());
    props.put("auto.offset.reset", "earliest");
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        consumer.poll(Duration.ofMillis(300)).forEach(records::add);
        return !records.isEmpty() && consumer.poll(Duration.ofMillis(300)).isEmpty();
      });
      return records.get(records.size() - 1).value();
    }
  }
}
