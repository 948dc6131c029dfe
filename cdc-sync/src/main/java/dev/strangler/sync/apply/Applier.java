package dev.strangler.sync.apply;

import dev.strangler.sync.capture.AppliedTransactions;
import dev.strangler.sync.config.SyncProperties.OnError;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchConsumerAwareMessageListener;
import org.springframework.kafka.listener.CommonContainerStoppingErrorHandler;
import org.springframework.kafka.listener.CommonDelegatingErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kafka consumers of one pipeline (group {@code cdc-sync.<pipeline>}): read the pipeline's
 * topics in batches, one consumer per partition (container concurrency), each partition's batch
 * written in its own target transaction, in parallel with the others; the changes of one row share
 * a partition (records are keyed by primary key), so they are applied in order. Offsets are
 * committed after the target transaction, with the stream position applied as their metadata, per
 * partition (see {@link #isReplay}); a partition that moves to another consumer, here or in another
 * instance of the group, starts from that position. When a batch fails on a
 * data error, its changes are applied one by one and each one that still fails is sent to
 * {@code <pipeline>.dlq} with the reason in the header {@code strangler-sync-reason} (or the
 * pipeline stops, with {@code on-error: stop}). A target that cannot be reached is not a data
 * error: the batch is retried every second and nothing is dead-lettered.
 */
public final class Applier {

  private static final Logger log = LoggerFactory.getLogger(Applier.class);
  static final String REASON_HEADER = "strangler-sync-reason";

  private final Pipeline pipeline;
  private final ChangeWriter writer;
  /** the source when Kafka Connect captures it and echoes are possible (see {@link AppliedTransactions}); else null */
  private final DataSource echoSource;
  private final KafkaTemplate<String, String> kafka;
  private final JsonMapper json;
  private final ConcurrentMessageListenerContainer<String, String> container;
  /** per partition, the offset after the last change applied (or dead-lettered) in this process */
  private final Map<TopicPartition, Long> appliedOffsets = new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * per partition, the stream position of the last change applied (see {@link #isReplay}); a partition
   * is read by one consumer thread at a time, and moves between them only at a rebalance
   */
  private final Map<TopicPartition, ChangeEvent.Position> positions = new java.util.concurrent.ConcurrentHashMap<>();
  /** partitions whose committed position was read since they were last assigned */
  private final java.util.Set<TopicPartition> positionsRead = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** per consumer, offsets of applied batches whose commit met a rebalance: committed when its partitions are revoked */
  private final Map<Consumer<?, ?>, Map<TopicPartition, OffsetAndMetadata>> uncommitted =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final String POSITION_PREFIX = "strangler-sync-position:";
  /** which consumer applies each partition now, across instances: fences one paused past its session */
  private final ApplyClaims claims;

  /**
   * @param pipeline the pipeline applied
   * @param target a pool on its target
   * @param consumers the consumer factory (String keys and values)
   * @param kafka the producer for dead letters
   * @param json the JSON mapper
   * @param concurrency consumers (threads) of this applier: the partitions of its topics
   * @param recordApplied whether the target is captured by Kafka Connect (each apply transaction is
   *     recorded in {@link AppliedTransactions} there, for the pipelines reading it back)
   * @param echoSource the source, when Kafka Connect captures it and a pipeline writes back into it
   *     from this pipeline's target: changes of the transactions recorded there from the target are
   *     dropped as echoes; null otherwise (the embedded engine drops them)
   */
  public Applier(Pipeline pipeline, DataSource target, ConsumerFactory<String, String> consumers,
                 KafkaTemplate<String, String> kafka, JsonMapper json, int concurrency, boolean recordApplied,
                 DataSource echoSource) {
    this.pipeline = pipeline;
    this.writer = new ChangeWriter(pipeline, target, recordApplied);
    this.claims = new ApplyClaims(target, groupId(), pipeline.name());
    this.echoSource = echoSource;
    this.kafka = kafka;
    this.json = json;
    String[] topics = pipeline.mappings().stream().map(TableMapping::topic).toArray(String[]::new);
    ContainerProperties properties = new ContainerProperties(topics);
    properties.setGroupId(groupId());
    // the applier commits itself, with the stream position of the last change applied as the
    // offset's metadata, so a restarted applier still knows what it already applied
    properties.setAckMode(ContainerProperties.AckMode.MANUAL);
    properties.setPollTimeout(200);
    properties.setMessageListener((BatchConsumerAwareMessageListener<String, String>) this::onBatch);
    properties.setConsumerRebalanceListener(new Rebalance());
    java.util.Properties consumer = new java.util.Properties();
    consumer.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    consumer.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    consumer.setProperty(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    properties.setKafkaConsumerProperties(consumer);
    container = new ConcurrentMessageListenerContainer<>(consumers, properties);
    container.setBeanName("applier-" + pipeline.name());
    container.setConcurrency(Math.max(1, concurrency));
    DefaultErrorHandler retry = new DefaultErrorHandler(new FixedBackOff(1000, FixedBackOff.UNLIMITED_ATTEMPTS));
    CommonDelegatingErrorHandler errors = new CommonDelegatingErrorHandler(retry);
    errors.setCauseChainTraversing(true);
    errors.addDelegate(PipelineStoppedException.class, new CommonContainerStoppingErrorHandler());
    container.setCommonErrorHandler(errors);
  }

  public void start() {
    container.start();
    log.info("Applier of pipeline {} started", pipeline.name());
  }

  public void stop() {
    container.stop();
    uncommitted.clear(); // their consumers are closed; the next ones find the rows already applied
  }

  public void pause() {
    container.pause();
  }

  public void resume() {
    if (!container.isRunning()) {
      container.start();
    }
    container.resume();
  }

  void onBatch(List<ConsumerRecord<String, String>> records, Consumer<?, ?> consumer) {
    List<ChangeEvent> events = new ArrayList<>(records.size());
    Map<ChangeEvent, ConsumerRecord<String, String>> origins = new IdentityHashMap<>();
    Map<TopicPartition, ChangeEvent.Position> batchPositions = new HashMap<>();
    int replays = 0;
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<String, String> record = records.get(i);
      TableMapping mapping = pipeline.byTopic(record.topic());
      TopicPartition partition = new TopicPartition(record.topic(), record.partition());
      if (!positionsRead.contains(partition)) {
        readPosition(partition, consumer);
      }
      ChangeEvent event;
      try {
        event = ChangeEvent.parse(json, mapping, record.key(), record.value());
      } catch (RuntimeException e) {
        failed(record, "unreadable change event: " + e.getMessage());
        continue;
      }
      if (isReplay(partition, event, batchPositions)) {
        replays++;
        continue;
      }
      String missing = event.missingColumn();
      if (missing != null) {
        applyAndCommit(events, origins, records.subList(0, i), consumer);
        schemaChanged(record, mapping, missing);
      }
      events.add(event);
      origins.put(event, record);
    }
    try {
      apply(events, origins);
    } catch (ApplyClaims.ApplyFencedException fenced) {
      // another consumer applies (some of) these partitions now: nothing of the batch is written or
      // committed; rewound, it is read again only where the group still assigns it here
      pipeline.stats().applyFenced();
      log.info("{}; the batch goes back to the group", fenced.getMessage());
      rewind(records, consumer);
      return;
    } catch (ApplyClaims.AlreadyAppliedException applied) {
      // a consumer before this one applied some of it and died before its Kafka commit: read again, from the
      // target's position, the batch skips what it has
      log.info("Pipeline {}: {}; reading the batch again from there", pipeline.name(), applied.getMessage());
      positions.merge(applied.partition(), applied.applied(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
      rewind(records, consumer);
      return;
    }
    positions.putAll(batchPositions);
    if (replays > 0) {
      log.info("Pipeline {}: {} change(s) delivered again and already applied; skipped", pipeline.name(), replays);
    }
    // a skipped replay counts as applied, as it did when the row checks absorbed it: capture
    // counted it too, and a clean shutdown waits for applied to reach captured
    pipeline.stats().applied(events.size() + replays);
    commit(records, consumer);
  }

  /** Seeks each partition of the batch back to its first record in it. */
  private static void rewind(List<ConsumerRecord<String, String>> records, Consumer<?, ?> consumer) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<String, String> record : records) {
      first.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
    }
    first.forEach((partition, offset) -> {
      if (consumer.assignment().contains(partition)) {
        consumer.seek(partition, offset);
      }
    });
  }

  /** Commits the offsets after {@code records}, each with the stream position applied up to then. */
  private void commit(List<ConsumerRecord<String, String>> records, Consumer<?, ?> consumer) {
    Map<TopicPartition, Long> next = new HashMap<>();
    for (ConsumerRecord<String, String> record : records) {
      next.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
    }
    if (next.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<TopicPartition, OffsetAndMetadata> earlier = uncommitted.remove(consumer);
    if (earlier != null) {
      offsets.putAll(earlier);
    }
    next.forEach((partition, offset) -> {
      ChangeEvent.Position position = positions.get(partition);
      offsets.put(partition, new OffsetAndMetadata(offset, position == null ? "" : POSITION_PREFIX + position.text()));
    });
    next.forEach((partition, offset) -> appliedOffsets.merge(partition, offset, Math::max));
    try {
      consumer.commitSync(offsets);
    } catch (org.apache.kafka.common.errors.RebalanceInProgressException e) {
      // applied but not committed: committed when the rebalance revokes the partitions (see
      // Rebalance), so their next owner, here or in another instance, does not apply them again
      uncommitted.put(consumer, offsets);
      log.info("Pipeline {}: commit of {} met a rebalance; committed when the partitions are revoked", pipeline.name(),
          offsets.keySet());
    }
  }

  /**
   * Keeps replay detection per partition across rebalances: a partition assigned (again) reads its
   * committed position anew (another instance may have applied it meanwhile; the higher position
   * wins), and a revoked partition first gets the offsets its last batch could not commit.
   */
  private final class Rebalance implements org.springframework.kafka.listener.ConsumerAwareRebalanceListener {

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, java.util.Collection<TopicPartition> partitions) {
      Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted.remove(consumer);
      if (offsets != null && !offsets.isEmpty()) {
        try {
          consumer.commitSync(offsets);
        } catch (RuntimeException e) {
          log.warn("Pipeline {}: offsets {} applied but not committed ({}); their next consumer finds the rows "
              + "already changed (replays change nothing)", pipeline.name(), offsets.keySet(), e.toString());
        }
      }
      claims.release(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, java.util.Collection<TopicPartition> partitions) {
      uncommitted.remove(consumer);
      claims.release(partitions);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, java.util.Collection<TopicPartition> partitions) {
      claims.claim(partitions);
      positionsRead.removeAll(partitions);
    }
  }

  /**
   * Partitions added to a topic (a grown topic) start from the highest position applied from the
   * topic's partitions before: the topic was drained before it grew, so a change at or below it,
   * sent again by capture after its restart and now hashed to another partition, was applied.
   *
   * @param before the committed offsets, with their metadata, of the topic's partitions before it grew
   * @param added the partitions added
   */
  public void startAddedPartitions(Map<TopicPartition, OffsetAndMetadata> before, java.util.Collection<TopicPartition> added) {
    for (TopicPartition partition : added) {
      ChangeEvent.Position highest = null;
      for (Map.Entry<TopicPartition, OffsetAndMetadata> committed : before.entrySet()) {
        ChangeEvent.Position position = committed.getKey().topic().equals(partition.topic())
            ? position(committed.getValue()) : null;
        if (position != null && (highest == null || position.compareTo(highest) > 0)) {
          highest = position;
        }
      }
      if (highest != null) {
        positions.merge(partition, highest, (a, b) -> a.compareTo(b) >= 0 ? a : b);
      }
    }
  }

  private static ChangeEvent.Position position(OffsetAndMetadata committed) {
    String metadata = committed == null ? null : committed.metadata();
    return metadata != null && metadata.startsWith(POSITION_PREFIX)
        ? ChangeEvent.Position.of(metadata.substring(POSITION_PREFIX.length())) : null;
  }

  /** The position applied up to, as committed with the partition's offset by an earlier run. */
  private void readPosition(TopicPartition partition, Consumer<?, ?> consumer) {
    positionsRead.add(partition);
    ChangeEvent.Position position = position(consumer.committed(java.util.Set.of(partition)).get(partition));
    if (position != null) { // the higher wins: applied here before, or by another instance since
      positions.merge(partition, position, (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }
  }

  /**
   * A change at or below the stream position of the last change applied from its partition is a
   * second delivery (Debezium re-sending after a restart, records produced again, a consumer
   * rewound): skipped, neither written nor counted as a conflict. Snapshot reads all carry the
   * snapshot's position: one is a second delivery only once a streamed change past it was applied
   * (and reads do not move the position). The position is committed with the Kafka offsets, so it
   * survives a restart.
   */
  private boolean isReplay(TopicPartition partition, ChangeEvent event, Map<TopicPartition, ChangeEvent.Position> batch) {
    ChangeEvent.Position position = event.position();
    if (position == null) {
      return false;
    }
    ChangeEvent.Position last = batch.getOrDefault(partition, this.positions.get(partition));
    if (event.snapshot()) {
      return last != null && position.compareTo(last) < 0;
    }
    if (last != null && position.compareTo(last) <= 0) {
      return true;
    }
    batch.put(partition, position);
    return false;
  }

  /**
   * A change that misses a mapped column: applies what came before it in the batch, commits the
   * offsets up to it (not past it) and stops the pipeline, so nothing is written with a column
   * missing and, once the mapping is updated and cdc-sync restarted, applying resumes with it.
   */
  private void schemaChanged(ConsumerRecord<String, String> record, TableMapping mapping, String missing) {
    String error = "pipeline '" + pipeline.name() + "', table " + mapping.source() + ": mapped source column '"
        + missing + "' is not in the change at " + record.topic() + "-" + record.partition() + "@" + record.offset()
        + " (renamed or dropped on the source?); nothing of it was applied. Update the mapping and restart: "
        + "applying resumes with this change";
    pipeline.failed(error);
    log.error("Pipeline {} stops: {}", pipeline.name(), error);
    throw new PipelineStoppedException(error);
  }

  private void applyAndCommit(List<ChangeEvent> events, Map<ChangeEvent, ConsumerRecord<String, String>> origins,
                              List<ConsumerRecord<String, String>> before, Consumer<?, ?> consumer) {
    apply(events, origins);
    for (ChangeEvent event : events) {
      ConsumerRecord<String, String> record = origins.get(event);
      if (event.position() != null && !event.snapshot()) {
        positions.merge(new TopicPartition(record.topic(), record.partition()), event.position(),
            (a, b) -> a.compareTo(b) >= 0 ? a : b);
      }
    }
    pipeline.stats().applied(events.size());
    commit(before, consumer);
  }

  /** Writes the events in one transaction; on a data error change by change, dead-lettering (or stopping at) each that fails. */
  private void apply(List<ChangeEvent> events, Map<ChangeEvent, ConsumerRecord<String, String>> origins) {
    events = withoutEchoes(events);
    if (events.isEmpty()) {
      return; // e.g. a batch of replays only: no empty transaction (with its echo marker) on the target
    }
    java.util.Set<TopicPartition> partitions = new java.util.HashSet<>();
    origins.values().forEach(record -> partitions.add(new TopicPartition(record.topic(), record.partition())));
    ChangeWriter.Fence fence = claims.fence(partitions, event -> {
      ConsumerRecord<String, String> record = origins.get(event);
      return new TopicPartition(record.topic(), record.partition());
    });
    try {
      writer.apply(events, fence);
    } catch (ApplyClaims.ApplyFencedException | ApplyClaims.AlreadyAppliedException rewound) {
      throw rewound;
    } catch (SQLException | RuntimeException batchError) {
      if (!isDataError(batchError)) {
        log.warn("Applier of pipeline {} cannot write to its target ({}); retrying", pipeline.name(),
            reason(batchError));
        throw new IllegalStateException("target unavailable", batchError);
      }
      for (ChangeEvent event : events) {
        try {
          writer.apply(List.of(event), fence);
        } catch (ApplyClaims.ApplyFencedException | ApplyClaims.AlreadyAppliedException rewound) {
          throw rewound;
        } catch (SQLException | RuntimeException e) {
          if (!isDataError(e)) {
            throw new IllegalStateException("target unavailable", e);
          }
          failed(origins.get(event), reason(e));
        }
      }
    }
    long appliedAt = System.currentTimeMillis();
    for (ChangeEvent event : events) {
      if (!event.snapshot() && event.sourceCommitMillis() > 0) {
        pipeline.stats().lag(appliedAt - event.sourceCommitMillis());
      }
    }
  }

  /**
   * The events less those of transactions cdc-sync applied into the source from this pipeline's
   * target (see {@link AppliedTransactions}); all of them when the embedded engine captures the
   * source (it dropped the echoes already). An unreadable source is retried like an unreachable target.
   */
  private List<ChangeEvent> withoutEchoes(List<ChangeEvent> events) {
    if (echoSource == null || events.isEmpty()) {
      return events;
    }
    Map<Long, Long> transactions = new HashMap<>();
    for (ChangeEvent event : events) {
      if (event.txId() != null && !event.snapshot()) {
        transactions.merge(event.txId(), event.sourceCommitMillis(), Math::max);
      }
    }
    java.util.Set<Long> echoes;
    try {
      echoes = AppliedTransactions.echoes(echoSource, pipeline.config().target(), transactions);
    } catch (SQLException e) {
      log.warn("Applier of pipeline {} cannot read its source's applied transactions ({}); retrying", pipeline.name(),
          e.getMessage());
      throw new IllegalStateException("source unavailable", e);
    }
    if (echoes.isEmpty()) {
      return events;
    }
    List<ChangeEvent> kept = new ArrayList<>(events.size());
    for (ChangeEvent event : events) {
      if (event.txId() != null && !event.snapshot() && echoes.contains(event.txId())) {
        pipeline.stats().echoDropped();
      } else {
        kept.add(event);
      }
    }
    return kept;
  }

  /**
   * Per partition, the offset after the last change this process applied (or dead-lettered);
   * partitions it has not consumed from yet are absent (their committed group offset says more).
   */
  public Map<TopicPartition, Long> appliedOffsets() {
    return Map.copyOf(appliedOffsets);
  }

  /**
   * Per partition assigned to this process's consumers now, the offset after the last change
   * applied here; null for one nothing was applied from here yet.
   */
  public Map<TopicPartition, Long> heldOffsets() {
    Map<TopicPartition, Long> held = new HashMap<>();
    java.util.Collection<TopicPartition> assigned = container.getAssignedPartitions();
    if (assigned != null) {
      assigned.forEach(partition -> held.put(partition, appliedOffsets.get(partition)));
    }
    return held;
  }

  /** The consumer group whose committed offsets are what was applied. */
  public String groupId() {
    return "cdc-sync." + pipeline.name();
  }

  private void failed(ConsumerRecord<String, String> record, String reason) {
    if (pipeline.config().onError() == OnError.STOP) {
      pipeline.failed("change on " + record.topic() + " key " + record.key() + " could not be applied: " + reason);
      log.error("Pipeline {} stops (on-error: stop): change on {} key {} could not be applied: {}", pipeline.name(),
          record.topic(), record.key(), reason);
      throw new PipelineStoppedException(reason);
    }
    ProducerRecord<String, String> letter = new ProducerRecord<>(pipeline.deadLetterTopic(), record.key(), record.value());
    letter.headers().add(REASON_HEADER, String.valueOf(reason).getBytes(StandardCharsets.UTF_8));
    letter.headers().add("strangler-sync-topic", record.topic().getBytes(StandardCharsets.UTF_8));
    try {
      kafka.send(letter).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not dead-letter a change of pipeline " + pipeline.name(), e);
    }
    pipeline.stats().deadLettered();
    log.warn("Dead letter in pipeline {}: change on {} key {} sent to {}: {}", pipeline.name(), record.topic(),
        record.key(), pipeline.deadLetterTopic(), reason);
  }

  /**
   * The database's reason without the statement or row values (pgjdbc's batch messages carry
   * every parameter, and a NOT NULL violation's detail the whole row: no password hash in a log).
   */
  static String reason(Throwable error) {
    SQLException deepest = null;
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        deepest = sql;
        while (deepest.getNextException() != null) {
          deepest = deepest.getNextException();
        }
      }
    }
    if (deepest instanceof org.postgresql.util.PSQLException psql && psql.getServerErrorMessage() != null) {
      org.postgresql.util.ServerErrorMessage server = psql.getServerErrorMessage();
      StringBuilder reason = new StringBuilder("SQLSTATE ").append(server.getSQLState()).append(": ")
          .append(server.getMessage());
      if (server.getTable() != null) {
        reason.append(" (table ").append(server.getTable());
        if (server.getColumn() != null) {
          reason.append(", column ").append(server.getColumn());
        }
        if (server.getConstraint() != null) {
          reason.append(", constraint ").append(server.getConstraint());
        }
        reason.append(')');
      }
      return reason.toString();
    }
    return deepest != null ? "SQLSTATE " + deepest.getSQLState() : error.getClass().getSimpleName() + ": "
        + error.getMessage();
  }

  /** Data exceptions (22), integrity violations (23) and errors in the statement (42) are the change's fault. */
  private static boolean isDataError(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        SQLException next = sql;
        while (next.getNextException() != null && next.getNextException().getSQLState() != null) {
          next = next.getNextException();
        }
        String state = next.getSQLState();
        return state.startsWith("22") || state.startsWith("23") || state.startsWith("42");
      }
    }
    return error instanceof RuntimeException && !(error instanceof IllegalStateException);
  }

  /** Thrown to stop the container when {@code on-error: stop}. */
  static final class PipelineStoppedException extends RuntimeException {
    PipelineStoppedException(String reason) {
      super(reason);
    }
  }
}
