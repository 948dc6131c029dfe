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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A batch of changes delivered a second time (as Debezium does after a restart, or anything that
 * produces the same records again) changes nothing in the target and counts no conflict and no
 * dead letter: not while the applier runs, not after it restarted.
 */
class BatchReplayIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("replay_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("replay_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("replay_target");
  static final String TOPIC = "replay.public.items";

  static ConfigurableApplicationContext start() {
    return InProcessCdcSync.start(control, Map.of("replaysrc", source, "replaydst", target),
        "strangler.sync.pipelines.replay.source=replaysrc", "strangler.sync.pipelines.replay.target=replaydst",
        "strangler.sync.pipelines.replay.tables[0].source-table=items",
        "strangler.sync.pipelines.replay.tables[0].key[0]=id");
  }

  static String contents(TestDatabase database) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(string_agg(id || '=' || n || '/' || note, ',' "
        + "ORDER BY id), '') FROM items").query(String.class).single();
  }

  @Test
  void replayingABatchChangesNothingAndCountsNoConflict() throws Exception {
    for (TestDatabase database : List.of(source, target)) {
      ReferenceSchemas.execute(database, "CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL, note text)");
    }
    ConfigurableApplicationContext first = start();
    long start;
    try {
      // once this row is applied, the snapshot is behind: every write below is streamed
      jdbc(source).sql("INSERT INTO items VALUES (1000, 0, 'sentinel')").update();
      start = awaitApplied(1);
      for (int i = 1; i <= 30; i++) {
        jdbc(source).sql("INSERT INTO items VALUES (?, 0, 'new')").param(i).update();
      }
      jdbc(source).sql("UPDATE items SET n = 1, note = 'first' WHERE id <= 30").update();
      long endOfFirstRound = awaitApplied(start + 60);
      jdbc(source).sql("UPDATE items SET n = 2, note = 'second' WHERE id <= 20").update();
      jdbc(source).sql("DELETE FROM items WHERE id BETWEEN 26 AND 30").update();
      awaitApplied(start + 85);
      String expected = contents(source);
      assertThat(contents(target)).isEqualTo(expected);
      long conflicts = InProcessCdcSync.count(first, "replay", "conflicts");
      long deadLetters = InProcessCdcSync.count(first, "replay", "deadLetters");

      // the inserts and first updates again: applied as such, they would bring back deleted rows
      // and roll rows back to n = 1 (each one counted as a conflict)
      List<ConsumerRecord<String, String>> batch = records(start, endOfFirstRound);
      assertThat(batch).hasSize(60);
      resend(batch);
      awaitApplied(start + 145);
      assertThat(contents(target)).isEqualTo(expected);
      assertThat(InProcessCdcSync.count(first, "replay", "conflicts")).isEqualTo(conflicts);
      assertThat(InProcessCdcSync.count(first, "replay", "deadLetters")).isEqualTo(deadLetters);
    } finally {
      first.close();
    }

    // delivered again while cdc-sync is down: the restarted applier still knows what it applied
    resend(records(start, start + 60));
    ConfigurableApplicationContext app = start();
    try {
      awaitApplied(start + 205);
      assertThat(contents(target)).isEqualTo(contents(source));
      assertThat(InProcessCdcSync.count(app, "replay", "conflicts")).isZero();
      assertThat(InProcessCdcSync.count(app, "replay", "deadLetters")).isZero();
      jdbc(source).sql("UPDATE items SET n = 3 WHERE id = 1").update();
      jdbc(source).sql("INSERT INTO items VALUES (99, 9, 'after')").update();
      awaitApplied(start + 207);
      assertThat(contents(target)).isEqualTo(contents(source));
    } finally {
      app.close();
    }
  }

  /** Waits until the topic holds {@code atLeast} changes and the pipeline's group committed its end; returns the end. */
  static long awaitApplied(long atLeast) {
    long[] end = {-1};
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      try (var admin = org.apache.kafka.clients.admin.Admin.create(
          Map.<String, Object>of("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers()))) {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        end[0] = admin.listOffsets(Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
            .partitionResult(partition).get().offset();
        var committed = admin.listConsumerGroupOffsets("cdc-sync.replay").partitionsToOffsetAndMetadata().get()
            .get(partition);
        return end[0] >= atLeast && committed != null && committed.offset() == end[0];
      }
    });
    return end[0];
  }

  /** The records of the pipeline's topic in [from, to). */
  static List<ConsumerRecord<String, String>> records(long from, long to) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      TopicPartition partition = new TopicPartition(TOPIC, 0);
      consumer.assign(List.of(partition));
      consumer.seek(partition, from);
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.offset() < to) {
            records.add(r);
          }
        });
        return consumer.position(partition) >= to;
      });
    }
    return records;
  }

  static void resend(List<ConsumerRecord<String, String>> records) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (ConsumerRecord<String, String> record : records) {
        producer.send(new ProducerRecord<>(TOPIC, record.key(), record.value()));
      }
      producer.flush();
    }
  }
}
