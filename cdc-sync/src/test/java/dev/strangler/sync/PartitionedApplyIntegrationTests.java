package dev.strangler.sync;

import static dev.strangler.sync.InProcessCdcSync.jdbc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.strangler.sync.deployment.CatchUpResult;
import dev.strangler.sync.deployment.Pipelines;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
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
 * Table topics with several partitions applied in parallel, with every guarantee kept: the changes
 * of one row stay in order (the target ends with each row's last value and no conflict is counted:
 * every update's before-image matched), caught up means the target holds every write of a burst
 * spread over all partitions, and a topic grown from 1 to 4 partitions keeps order and replays
 * harmless.
 */
class PartitionedApplyIntegrationTests {

  static final TestDatabase control = TestInfrastructure.freshDatabase("parts_control");
  static final TestDatabase source = TestInfrastructure.freshDatabase("parts_source");
  static final TestDatabase target = TestInfrastructure.freshDatabase("parts_target");

  static ConfigurableApplicationContext start(String pipeline, String table, String... more) {
    List<String> properties = new ArrayList<>(List.of("strangler.sync.pipelines." + pipeline + ".source=partsrc",
        "strangler.sync.pipelines." + pipeline + ".target=partdst",
        "strangler.sync.pipelines." + pipeline + ".tables[0].source-table=" + table,
        "strangler.sync.pipelines." + pipeline + ".tables[0].key[0]=id",
        "strangler.sync.datasources.partsrc.slot-name=parts_" + pipeline));
    properties.addAll(List.of(more));
    return InProcessCdcSync.start(control, Map.of("partsrc", source, "partdst", target), properties.toArray(String[]::new));
  }

  static String contents(TestDatabase database, String table) {
    return jdbc(database).sql("SELECT count(*) || ':' || coalesce(md5(string_agg(id || '=' || n || '/' || note, ',' "
        + "ORDER BY id)), '') FROM " + table).query(String.class).single();
  }

  static CatchUpResult catchUp(ConfigurableApplicationContext app, String pipeline) throws InterruptedException {
    return app.getBean(Pipelines.class).catchUp(pipeline, 60_000);
  }

  /** Until capture reads its slot: a fence committed before the slot exists is never decoded. */
  static void awaitStreaming(ConfigurableApplicationContext app, String pipeline) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
        "STREAMING".equals(InProcessCdcSync.view(app, pipeline).get("state")) && jdbc(source)
            .sql("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = ?").param("parts_" + pipeline)
            .query(Long.class).single() == 1);
  }

  static int partitions(String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers()))) {
      return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
    }
  }

  @Test
  void everyRowEndsWithItsLastValueAndCaughtUpMeansAppliedOverFourPartitions() throws Exception {
    for (TestDatabase database : List.of(source, target)) {
      ReferenceSchemas.execute(database, "CREATE TABLE counters (id bigint PRIMARY KEY, n int NOT NULL, note text)");
    }
    ConfigurableApplicationContext app = start("parts", "counters");
    try {
      awaitStreaming(app, "parts");
      assertThat(partitions("parts.public.counters")).isEqualTo(4);
      assertThat(catchUp(app, "parts").caughtUp()).isTrue();
      jdbc(source).sql("INSERT INTO counters SELECT g, 0, 'new' FROM generate_series(1, 200) g").update();
      // many changes of the same rows, in their own transactions and in multi-row ones, interleaved
      for (int round = 1; round <= 20; round++) {
        jdbc(source).sql("UPDATE counters SET n = n + 1, note = 'round ' || ?").param(round).update();
        for (int id = round; id <= 200; id += 20) {
          jdbc(source).sql("UPDATE counters SET n = n * 2, note = 'single ' || ? WHERE id = ?").param(round).param(id)
              .update();
        }
        jdbc(source).sql("DELETE FROM counters WHERE id = ?").param(200 - round).update();
        jdbc(source).sql("INSERT INTO counters VALUES (?, ?, 'again')").param(200 - round).param(round).update();
      }

      CatchUpResult caughtUp = catchUp(app, "parts");

      assertThat(caughtUp.caughtUp()).as("%s", caughtUp).isTrue();
      // no waiting: caught up means every write is in the target
      assertThat(contents(target, "counters")).isEqualTo(contents(source, "counters"));
      assertThat(InProcessCdcSync.count(app, "parts", "conflicts")).isZero();
      assertThat(InProcessCdcSync.count(app, "parts", "deadLetters")).isZero();
      Map<?, ?> applied = (Map<?, ?>) ((Map<?, ?>) InProcessCdcSync.view(app, "parts").get("position"))
          .get("appliedOffsets");
      assertThat(applied).hasSize(4);
      assertThat(applied.values()).allSatisfy(offset -> assertThat(((Number) offset).longValue()).isPositive());
    } finally {
      app.close();
    }
  }

  @Test
  void aTopicGrowsOnceDrainedAndKeepsOrderAndReplaysHarmless() throws Exception {
    for (TestDatabase database : List.of(source, target)) {
      ReferenceSchemas.execute(database, "CREATE TABLE grown (id bigint PRIMARY KEY, n int NOT NULL, note text)");
    }
    String topic = "grow.public.grown";
    List<ConsumerRecord<String, String>> beforeGrowth;
    ConfigurableApplicationContext first = start("grow", "grown", "strangler.sync.pipelines.grow.partitions=1");
    try {
      awaitStreaming(first, "grow");
      assertThat(partitions(topic)).isEqualTo(1);
      jdbc(source).sql("INSERT INTO grown SELECT g, 0, 'new' FROM generate_series(1, 100) g").update();
      jdbc(source).sql("UPDATE grown SET n = 1, note = 'one'").update();
      assertThat(catchUp(first, "grow").caughtUp()).isTrue();
      beforeGrowth = records(topic);
      assertThat(beforeGrowth).hasSizeGreaterThanOrEqualTo(200);
    } finally {
      first.close(); // drains
    }

    ConfigurableApplicationContext app = start("grow", "grown"); // the default, 4
    try {
      awaitStreaming(app, "grow");
      assertThat(partitions(topic)).isEqualTo(4);
      // what capture would send again after its restart, now hashed over 4 partitions: the inserts
      // would bring rows back to n = 0 if applied again
      resendByKey(topic, beforeGrowth);
      for (int round = 2; round <= 10; round++) {
        jdbc(source).sql("UPDATE grown SET n = ?, note = 'round ' || ? WHERE id % 3 <> 0").param(round).param(round)
            .update();
      }

      CatchUpResult caughtUp = catchUp(app, "grow");

      assertThat(caughtUp.caughtUp()).as("%s", caughtUp).isTrue();
      assertThat(contents(target, "grown")).isEqualTo(contents(source, "grown"));
      assertThat(jdbc(target).sql("SELECT count(*) FROM grown WHERE n = 0").query(Long.class).single()).isZero();
      assertThat(InProcessCdcSync.count(app, "grow", "conflicts")).isZero();
      assertThat(InProcessCdcSync.count(app, "grow", "deadLetters")).isZero();
    } finally {
      app.close();
    }
  }

  @Test
  void partitionsOutOfRangeStopStartUpNamingTheProperty() {
    assertThatThrownBy(() -> start("badparts", "counters", "strangler.sync.pipelines.badparts.partitions=0").close())
        .hasStackTraceContaining("partitions").hasStackTraceContaining("must be between 1 and 64");
    assertThatThrownBy(() -> start("badparts", "counters", "strangler.sync.partitions=65").close())
        .hasStackTraceContaining("partitions").hasStackTraceContaining("must be between 1 and 64");
  }

  /** Every record of the topic's partition 0. */
  static List<ConsumerRecord<String, String>> records(String topic) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("key.deserializer", StringDeserializer.class.getName());
    props.put("value.deserializer", StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      TopicPartition partition = new TopicPartition(topic, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        return consumer.position(partition) >= end;
      });
    }
    return records;
  }

  /** Produces the records again, partitioned by key as capture's producer does. */
  static void resendByKey(String topic, List<ConsumerRecord<String, String>> records) {
    Properties props = new Properties();
    props.put("bootstrap.servers", TestInfrastructure.kafka().bootstrapServers());
    props.put("key.serializer", StringSerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      for (ConsumerRecord<String, String> record : records) {
        producer.send(new ProducerRecord<>(topic, record.key(), record.value()));
      }
      producer.flush();
    }
  }
}
