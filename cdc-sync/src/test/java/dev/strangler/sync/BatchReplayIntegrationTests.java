package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * dead letter: not while the applier runs, not after it restarted. The topic has the default 4
 * partitions and the batch spreads over all of them: replay detection holds per partition.
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
  void replayingABatchOverEveryPartitionChangesNothingAndCountsNoConflict() throws Exception {
    for (TestDatabase database : List.of(source, target)) {
      ReferenceSchemas.execute(database, "CREATE TABLE items (id bigint PRIMARY KEY, n int NOT NULL, note text)");
    }
    ConfigurableApplicationContext first = start();
    Map<TopicPartition, Long> start;
    List<ConsumerRecord<String, String>> batch;
    try {
      // once this row is applied, the snapshot is behind: every write below is streamed
      jdbc(source).sql("INSERT INTO items VALUES (1000, 0, 'sentinel')").update();
      start = awaitApplied(1);
      for (int i = 1; i <= 30; i++) {
        jdbc(source).sql("INSERT INTO items VALUES (?, 0, 'new')").param(i).update();
      }
      jdbc(source).sql("UPDATE items SET n = 1, note = 'first' WHERE id <= 30").update();
      Map<TopicPartition, Long> endOfFirstRound = awaitApplied(total(start) + 60);
      jdbc(source).sql("UPDATE items SET n = 2, note = 'second' WHERE id <= 20").update();
      jdbc(source).sql("DELETE FROM items WHERE id BETWEEN 26 AND 30").update();
      awaitApplied(total(start) + 85);
      String expected = contents(source);
      assertThat(contents(target)).isEqualTo(expected);
      long conflicts = InProcessCdcSync.count(first, "replay", "conflicts");
      long deadLetters = InProcessCdcSync.count(first, "replay", "deadLetters");

      // the inserts and first updates again: applied as such, they would bring back deleted rows
      // and roll rows back to n = 1 (each one counted as a conflict)
      batch = records(start, endOfFirstRound);
      assertThat(batch).hasSize(60);
      assertThat(batch.stream().map(ConsumerRecord::partition).distinct()).hasSize(4);
      resend(batch);
      awaitApplied(total(start) + 145);
      assertThat(contents(target)).isEqualTo(expected);
      assertThat(InProcessCdcSync.count(first, "replay", "conflicts")).isEqualTo(conflicts);
      assertThat(InProcessCdcSync.count(first, "replay", "deadLetters")).isEqualTo(deadLetters);
    } finally {
      first.close();
    }

    // delivered again while cdc-sync is down: the restarted applier still knows, per partition, what it applied
    resend(batch);
    ConfigurableApplicationContext app = start();
    try {
      awaitApplied(total(start) + 205);
      assertThat(contents(target)).isEqualTo(contents(source));
      assertThat(InProcessCdcSync.count(app, "replay", "conflicts")).isZero();
      assertThat(InProcessCdcSync.count(app, "replay", "deadLetters")).isZero();
      jdbc(source).sql("UPDATE items SET n = 3 WHERE id = 1").update();
      jdbc(source).sql("INSERT INTO items VALUES (99, 9, 'after')").update();
      awaitApplied(total(start) + 207);
      assertThat(contents(target)).isEqualTo(contents(source));
    } finally {
      app.close();
    }
  }

  static long total(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Waits until the topic holds {@code atLeast} changes over all its partitions and the pipeline's
   * group committed the end of each; returns the ends.
   */
  static Map<TopicPartition, Long> awaitApplied(long atLeast) {
    Map<TopicPartition, Long> ends = new HashMap<>();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      try (var admin = org.apache.kafka.clients.admin.Admin.create(
          Map.<String, Object>of("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers()))) {
        int partitions = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().size();
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
          latest.put(new TopicPartition(TOPIC, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
        }
        ends.clear();
        admin.listOffsets(latest).all().get().forEach((partition, info) -> ends.put(partition, info.offset()));
        var committed = admin.listConsumerGroupOffsets("cdc-sync.replay").partitionsToOffsetAndMetadata().get();
        boolean allCommitted = ends.entrySet().stream().allMatch(end -> end.getValue() == 0
            || committed.get(end.getKey()) != null && committed.get(end.getKey()).offset() == end.getValue());
        return partitions == 4 && total(ends) >= atLeast && allCommitted;
      }
    });
    return Map.copyOf(ends);
  }

  /** The records of the pipeline's topic in [from, to) of each partition. */
  static List<ConsumerRecord<String, String>> records(Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>(to.keySet());
      consumer.assign(partitions);
      partitions.forEach(partition -> consumer.seek(partition, from.getOrDefault(partition, 0L)));
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (r.offset() < to.get(new TopicPartition(r.topic(), r.partition()))) {
            records.add(r);
          }
        });
        return partitions.stream().allMatch(partition -> consumer.position(partition) >= to.get(partition));
      });
    }
    return records;
  }

  /** Produces the records again, each to the partition it came from (as Debezium's keyed re-sends land). */
  static void resend(List<ConsumerRecord<String, String>> records) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (ConsumerRecord<String, String> record : records) {
        producer.send(new ProducerRecord<>(TOPIC, record.partition(), record.key(), record.value()));
      }
      producer.flush();
    }
  }
}
