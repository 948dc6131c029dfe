package dev.strangler.sync.deployment;

import dev.strangler.sync.apply.Applier;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics of a pipeline and their partitions. At start, before the pipeline's applier and its
 * source's capture run, creates the missing table topics with the configured partitions (and the
 * dead-letter topic with one) and grows a table topic that has fewer, but only when its applier has
 * applied every record in it: growing re-maps keys to partitions, so a row's older change still
 * waiting in its old partition could otherwise be applied after a newer one in its new partition.
 * A topic that is not drained keeps its partitions for this run (WARN); it grows at a later start.
 * Kafka cannot shrink a topic: one with more partitions is left as it is.
 */
final class PipelineTopics {

  private static final Logger log = LoggerFactory.getLogger(PipelineTopics.class);
  private static final long TIMEOUT_SECONDS = 30;

  private final Admin kafka;

  PipelineTopics(Admin kafka) {
    this.kafka = kafka;
  }

  /** Creates or grows the pipeline's topics; a Kafka that does not answer is logged, not thrown (the broker may create them). */
  void prepare(Pipeline pipeline, int partitions, Applier applier) {
    List<String> tables = pipeline.mappings().stream().map(TableMapping::topic).toList();
    try {
      Map<String, Integer> existing = existing(tables, pipeline.deadLetterTopic());
      List<NewTopic> missing = new ArrayList<>();
      tables.stream().filter(t -> !existing.containsKey(t))
          .forEach(t -> missing.add(new NewTopic(t, Optional.of(partitions), Optional.empty())));
      if (!existing.containsKey(pipeline.deadLetterTopic())) {
        missing.add(new NewTopic(pipeline.deadLetterTopic(), Optional.of(1), Optional.empty()));
      }
      create(missing);
      Map<String, Integer> fewer = new HashMap<>();
      existing.forEach((topic, count) -> {
        if (tables.contains(topic) && count < partitions) {
          fewer.put(topic, count);
        } else if (tables.contains(topic) && count > partitions) {
          log.info("Topic {} has {} partitions, more than the {} configured for pipeline {}: kept (Kafka cannot "
              + "shrink a topic)", topic, count, partitions, pipeline.name());
        }
      });
      if (!fewer.isEmpty()) {
        grow(pipeline, fewer, partitions, applier);
      }
    } catch (ExecutionException | TimeoutException e) {
      log.warn("Pipeline {}: could not create or check its topics {} ({}); they keep the partitions they have",
          pipeline.name(), tables, e.getCause() == null ? e.toString() : e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Map<String, Integer> existing(List<String> tables, String deadLetters)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<String, Integer> existing = new HashMap<>();
    List<String> names = new ArrayList<>(tables);
    names.add(deadLetters);
    Map<String, org.apache.kafka.common.KafkaFuture<TopicDescription>> described =
        kafka.describeTopics(names).topicNameValues();
    for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<TopicDescription>> topic : described.entrySet()) {
      try {
        existing.put(topic.getKey(), topic.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).partitions().size());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
      }
    }
    return existing;
  }

  private void create(List<NewTopic> topics) throws InterruptedException, ExecutionException, TimeoutException {
    if (topics.isEmpty()) {
      return;
    }
    for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> created : kafka.createTopics(topics).values().entrySet()) {
      try {
        created.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        log.info("Topic {} created", created.getKey());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) { // created meanwhile by another instance
          throw e;
        }
      }
    }
  }

  /** Grows the topics to {@code partitions} if the group has committed the end of each of their partitions. */
  private void grow(Pipeline pipeline, Map<String, Integer> fewer, int partitions, Applier applier)
      throws InterruptedException, ExecutionException, TimeoutException {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    fewer.forEach((topic, count) -> {
      for (int p = 0; p < count; p++) {
        latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
    });
    Map<TopicPartition, Long> ends = new HashMap<>();
    kafka.listOffsets(latest).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
        .forEach((partition, info) -> ends.put(partition, info.offset()));
    Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    kafka.listConsumerGroupOffsets(applier.groupId()).partitionsToOffsetAndMetadata()
        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).forEach((partition, offset) -> {
          if (offset != null) {
            committed.put(partition, offset);
          }
        });
    Map<String, NewPartitions> increases = new HashMap<>();
    for (Map.Entry<String, Integer> topic : fewer.entrySet()) {
      long pending = 0;
      for (int p = 0; p < topic.getValue(); p++) {
        TopicPartition partition = new TopicPartition(topic.getKey(), p);
        OffsetAndMetadata applied = committed.get(partition);
        pending += Math.max(0, ends.getOrDefault(partition, 0L) - (applied == null ? 0 : applied.offset()));
      }
      if (pending > 0) {
        log.warn("Topic {} keeps its {} partition(s) for now ({} configured for pipeline {}): {} change(s) in it are "
            + "not applied yet, and growing it now could apply a row's newer change before an older one. It grows "
            + "at a start after the applier caught up (a clean shutdown drains it)", topic.getKey(), topic.getValue(),
            partitions, pipeline.name(), pending);
      } else {
        increases.put(topic.getKey(), NewPartitions.increaseTo(partitions));
      }
    }
    if (increases.isEmpty()) {
      return;
    }
    kafka.createPartitions(increases).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    List<TopicPartition> added = new ArrayList<>();
    increases.keySet().forEach(topic -> {
      for (int p = fewer.get(topic); p < partitions; p++) {
        added.add(new TopicPartition(topic, p));
      }
    });
    applier.startAddedPartitions(committed, added);
    increases.keySet().forEach(topic -> log.info("Topic {} grown from {} to {} partitions (it was drained)", topic,
        fewer.get(topic), partitions));
  }

  /**
   * Every partition of the pipeline's table topics, as Kafka has them now.
   *
   * @throws TimeoutException when Kafka did not answer within {@code timeoutNanos}
   */
  static List<TopicPartition> partitions(Admin kafka, Pipeline pipeline, long timeoutNanos)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<String> topics = pipeline.mappings().stream().map(TableMapping::topic).toList();
    List<TopicPartition> partitions = new ArrayList<>();
    kafka.describeTopics(topics).allTopicNames().get(Math.max(1, timeoutNanos), TimeUnit.NANOSECONDS)
        .forEach((topic, description) -> description.partitions()
            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
    return partitions;
  }
}
