package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static dev.strangler.sync.InProcessCdcSync.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The source's schema changes while cdc-sync streams: an added column the mapping does not know
 * is ignored; a mapped column renamed or dropped stops that pipeline (and only that one) with an
 * error naming pipeline, table and column, applies nothing of the change and does not commit its
 * Kafka offset; restarted with the updated mapping, it resumes with that very change.
 */
class SourceSchemaChangeIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("schema_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("schema_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("schema_target");

  static final List<String> PIPELINES = List.of(
      "strangler.sync.pipelines.people.source=schemasrc", "strangler.sync.pipelines.people.target=schemadst",
      "strangler.sync.pipelines.people.tables[0].source-table=people",
      "strangler.sync.pipelines.people.tables[0].key[0]=id",
      "strangler.sync.pipelines.pets.source=schemasrc", "strangler.sync.pipelines.pets.target=schemadst",
      "strangler.sync.pipelines.pets.tables[0].source-table=pets",
      "strangler.sync.pipelines.pets.tables[0].key[0]=id",
      "strangler.sync.pipelines.cities.source=schemasrc", "strangler.sync.pipelines.cities.target=schemadst",
      "strangler.sync.pipelines.cities.tables[0].source-table=cities",
      "strangler.sync.pipelines.cities.tables[0].key[0]=id");

  static ConfigurableApplicationContext start(String... updatedMapping) {
    List<String> properties = new java.util.ArrayList<>(PIPELINES);
    properties.addAll(List.of(updatedMapping));
    return InProcessCdcSync.start(control, Map.of("schemasrc", source, "schemadst", target), properties.toArray(String[]::new));
  }

  static void awaitTrue(Callable<Boolean> condition) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(condition);
  }

  static String person(long id) {
    return jdbc(target).sql("SELECT coalesce(name, '<null>') || '|' || coalesce(phone, '-') FROM people WHERE id = ?")
        .param(id).query(String.class).optional().orElse(null);
  }

  static long count(TestDatabase database, String table) {
    return jdbc(database).sql("SELECT count(*) FROM " + table).query(Long.class).single();
  }

  @Test
  void aBrokenMappingStopsOnlyItsPipelineAndResumesFromTheSamePositionOnceUpdated() throws Exception {
    for (TestDatabase database : List.of(source, target)) {
      // target columns are nullable: a NULL written for a vanished column would go through unnoticed
      ReferenceSchemas.execute(database, """
          CREATE TABLE people (id bigint PRIMARY KEY, name text, phone text);
          CREATE TABLE pets (id bigint PRIMARY KEY, name text, legs int);
          CREATE TABLE cities (id bigint PRIMARY KEY, name text);
          """);
    }
    ConfigurableApplicationContext first = start();
    try {
      jdbc(source).sql("INSERT INTO people VALUES (1, 'Ann', '111')").update();
      awaitTrue(() -> "Ann|111".equals(person(1)));

      // (a) an added nullable column the mapping does not know: ignored, rows keep flowing
      jdbc(source).sql("ALTER TABLE people ADD COLUMN nickname text").update();
      jdbc(source).sql("INSERT INTO people VALUES (2, 'Bob', '222', 'bobby')").update();
      jdbc(source).sql("UPDATE people SET phone = '112', nickname = 'annie' WHERE id = 1").update();
      awaitTrue(() -> "Bob|222".equals(person(2)) && "Ann|112".equals(person(1)));
      assertThat(view(first, "people").get("state")).isEqualTo("STREAMING");

      // (b) a mapped column renamed: the pipeline stops at the first change without it
      jdbc(source).sql("ALTER TABLE people RENAME COLUMN name TO full_name").update();
      jdbc(source).sql("UPDATE people SET full_name = 'Ann B', phone = '113' WHERE id = 1").update();
      jdbc(source).sql("INSERT INTO people VALUES (3, 'Cy', '333', null)").update();
      awaitTrue(() -> "FAILED".equals(view(first, "people").get("state")));
      assertThat(view(first, "people").get("lastError").toString()).contains("pipeline 'people'")
          .contains("public.people").contains("'name'");
      // and a mapped column dropped
      jdbc(source).sql("INSERT INTO pets VALUES (1, 'Rex', 4)").update();
      awaitTrue(() -> count(target, "pets") == 1);
      jdbc(source).sql("ALTER TABLE pets DROP COLUMN legs").update();
      jdbc(source).sql("INSERT INTO pets VALUES (2, 'Tweety')").update();
      awaitTrue(() -> "FAILED".equals(view(first, "pets").get("state")));
      assertThat(view(first, "pets").get("lastError").toString()).contains("pipeline 'pets'").contains("public.pets")
          .contains("'legs'");

      // the other pipeline of the same source goes on
      jdbc(source).sql("INSERT INTO cities VALUES (1, 'Oslo')").update();
      awaitTrue(() -> count(target, "cities") == 1);
      assertThat(view(first, "cities").get("state")).isEqualTo("STREAMING");

      // nothing was applied wrongly, and the offsets are not committed past the change that stopped it
      assertThat(person(1)).isEqualTo("Ann|112");
      assertThat(person(3)).isNull();
      assertThat(count(target, "pets")).isEqualTo(1);
      assertThat(uncommitted("people", "people.public.people")).isEqualTo(2);
      assertThat(uncommitted("pets", "pets.public.pets")).isEqualTo(1);
    } finally {
      first.close();
    }

    // the mapping is updated (the renamed column, the new one left out) and cdc-sync restarted
    ConfigurableApplicationContext app = start("strangler.sync.pipelines.people.tables[0].columns[full_name]=name",
        "strangler.sync.pipelines.people.tables[0].drop[0]=nickname");
    try {
      awaitTrue(() -> "Ann B|113".equals(person(1)) && "Cy|333".equals(person(3)) && count(target, "pets") == 2);
      assertThat(jdbc(target).sql("SELECT legs FROM pets WHERE id = 2").query(Integer.class).optional()).isEmpty();
      jdbc(source).sql("UPDATE people SET full_name = 'Ann C' WHERE id = 1").update();
      awaitTrue(() -> "Ann C|113".equals(person(1)));
      assertThat(view(app, "people").get("state")).isEqualTo("STREAMING");
      assertThat(view(app, "pets").get("state")).isEqualTo("STREAMING");
      assertThat(((Number) view(app, "people").get("deadLetters")).longValue()).isZero();
      assertThat(count(target, "people")).isEqualTo(count(source, "people"));
    } finally {
      app.close();
    }
  }

  /** Changes in the topic (all its partitions) after the pipeline's committed offsets. */
  static long uncommitted(String pipeline, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers()))) {
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("cdc-sync." + pipeline)
          .partitionsToOffsetAndMetadata().get();
      long uncommitted = 0;
      for (int p = 0; p < partitions; p++) {
        TopicPartition partition = new TopicPartition(topic, p);
        long end = admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
        OffsetAndMetadata applied = committed.get(partition);
        uncommitted += end - (applied == null ? 0 : applied.offset());
      }
      return uncommitted;
    }
  }
}
