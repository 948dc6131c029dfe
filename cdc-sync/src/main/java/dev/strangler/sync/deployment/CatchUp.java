package dev.strangler.sync.deployment;

import dev.strangler.sync.apply.Applier;
import dev.strangler.sync.capture.CaptureEngine;
import dev.strangler.sync.capture.ConnectCapture;
import dev.strangler.sync.capture.ControlDatabase;
import dev.strangler.sync.capture.Fence;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits until a pipeline has applied everything committed on its source before the call: commits a
 * {@link Fence} on the source (so capture moves past the call's position even when the mapped
 * tables are idle), waits until capture has the fence acknowledged by Kafka, takes the end offsets
 * of every partition of the pipeline's topics at that moment and waits until the applier is past
 * each of them: the offsets this process applied, or the group's committed ones (re-read while
 * waiting, for partitions another instance applies). Asked of an instance that stands by (another
 * one captures the source), it learns that the fence is in Kafka from the control database, where
 * the capturing instance records the fences it did not expect. Bounded by the caller's timeout at
 * every step; polls with short sleeps.
 *
 * <p>A source that Kafka Connect captures has no engine here: the fence is in Kafka once the
 * connector's committed offsets reach its WAL position (Connect commits an offset only when every
 * record before it was acknowledged, and Debezium emits the fence message as a record, so the
 * offsets move past it even when the tables are idle).
 */
final class CatchUp {

  private static final long POLL_MILLIS = 3;
  /** how often a standby looks for the fence in the control database */
  private static final long FENCE_POLL_MILLIS = 10;
  /** how often the connector's committed offsets are read from Connect while waiting for a fence */
  private static final long CONNECT_POLL_MILLIS = 50;
  /** how often, while waiting, the group's committed offsets are read again */
  private static final long COMMITTED_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Pipeline pipeline;
  private final CaptureEngine capture;
  /** the source's connector when Kafka Connect captures it, else null */
  private final ConnectCapture connect;
  private final Applier applier;
  private final DataSource source;
  private final Admin kafka;
  private final ControlDatabase control;
  private final boolean capturesHere;
  private volatile Long remoteLsn;

  /**
   * @param connect the source's connector when Kafka Connect captures it, else null
   * @param control where a standby finds the fences the capturing instance has in Kafka
   * @param capturesHere whether this instance captures the source (holds its lease)
   */
  CatchUp(Pipeline pipeline, CaptureEngine capture, ConnectCapture connect, Applier applier, DataSource source,
          Admin kafka, ControlDatabase control, boolean capturesHere) {
    this.pipeline = pipeline;
    this.capture = capture;
    this.connect = connect;
    this.applier = applier;
    this.source = source;
    this.kafka = kafka;
    this.control = control;
    this.capturesHere = capturesHere;
  }

  CatchUpResult run(long timeoutMillis) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    requireApplying();
    String id = UUID.randomUUID().toString();
    CompletableFuture<Void> fenceCaptured = connect == null ? capture.expectFence(id) : null;
    try {
      String sourceLsn = emitFence(id, timeoutMillis);
      if (connect != null) {
        if (!committedByConnect(sourceLsn, deadline)) {
          return result(false, sourceLsn, null, start);
        }
      } else if (capturesHere || capture.running()) {
        try {
          fenceCaptured.get(remaining(deadline), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          return result(false, sourceLsn, null, start);
        } catch (ExecutionException e) {
          throw new IllegalStateException("waiting for the fence failed", e.getCause());
        }
      } else if (!capturedElsewhere(id, deadline)) {
        return result(false, sourceLsn, null, start);
      }
      Map<TopicPartition, Long> fenceEnds = endOffsets(remaining(deadline));
      if (fenceEnds == null) {
        return result(false, sourceLsn, null, start);
      }
      Map<TopicPartition, Long> committed = committedOffsets(remaining(deadline));
      long committedAt = System.nanoTime();
      while (true) {
        requireApplying();
        Map<TopicPartition, Long> applied = applied(committed);
        long pending = pending(fenceEnds, applied);
        if (pending == 0) {
          return result(true, sourceLsn, 0L, start);
        }
        if (remaining(deadline) <= 0) {
          return result(false, sourceLsn, pending, start);
        }
        if (System.nanoTime() - committedAt >= COMMITTED_EVERY_NANOS) {
          committed = committedOffsets(Math.min(remaining(deadline), COMMITTED_EVERY_NANOS));
          committedAt = System.nanoTime();
        }
        Thread.sleep(POLL_MILLIS);
      }
    } finally {
      if (connect == null) {
        capture.forgetFence(id);
      }
    }
  }

  /** Waits until the connector's committed offsets reach the fence's WAL position; false at the deadline. */
  private boolean committedByConnect(String fenceLsn, long deadline) throws InterruptedException {
    long fence = lsn(fenceLsn);
    while (true) {
      long left = remaining(deadline);
      if (left <= 0) {
        return false;
      }
      if (connect.committedLsn(java.time.Duration.ofNanos(Math.min(left, TimeUnit.SECONDS.toNanos(2)))) >= fence) {
        return true;
      }
      Thread.sleep(Math.max(1, Math.min(CONNECT_POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(remaining(deadline)))));
    }
  }

  /** An LSN as PostgreSQL writes it ({@code 16/B374D848}) as a number. */
  static long lsn(String text) {
    int slash = text.indexOf('/');
    return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
  }

  private void requireApplying() {
    PipelineState state = pipeline.state();
    if (state == PipelineState.PAUSED || state == PipelineState.FAILED || state == PipelineState.STOPPED
        || state == PipelineState.RETIRED) {
      throw new PipelineCannotCatchUpException("pipeline '" + pipeline.name() + "' is " + state.name().toLowerCase()
          + ": it does not apply, so it cannot catch up");
    }
  }

  /** Whether the capturing instance recorded the fence in the control database before the deadline. */
  private boolean capturedElsewhere(String id, long deadline) throws InterruptedException {
    while (true) {
      Long lsn = control.fenceCaptured(id);
      if (lsn != null) {
        remoteLsn = lsn;
        return true;
      }
      if (remaining(deadline) <= 0) {
        return false;
      }
      Thread.sleep(Math.min(FENCE_POLL_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining(deadline)))));
    }
  }

  /** Reads the source's WAL position and commits the fence, in one statement. */
  private String emitFence(String id, long timeoutMillis) {
    try (Connection connection = source.getConnection();
         PreparedStatement statement = connection.prepareStatement(Fence.SQL)) {
      connection.setAutoCommit(true);
      statement.setQueryTimeout((int) Math.max(1, TimeUnit.MILLISECONDS.toSeconds(timeoutMillis + 999)));
      statement.setString(1, id);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getString("lsn");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the WAL position of pipeline " + pipeline.name()
          + "'s source: " + e.getMessage(), e);
    }
  }

  /** The end offsets of every partition of the pipeline's topics; null when Kafka did not answer in time. */
  private Map<TopicPartition, Long> endOffsets(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    try {
      // described on every call: a topic grown by another instance's start has its new partitions
      PipelineTopics.partitions(kafka, pipeline, timeoutNanos).forEach(partition -> latest.put(partition, OffsetSpec.latest()));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
          kafka.listOffsets(latest).all().get(Math.max(1, remaining(deadline)), TimeUnit.NANOSECONDS);
      Map<TopicPartition, Long> ends = new HashMap<>();
      offsets.forEach((partition, info) -> ends.put(partition, info.offset()));
      return ends;
    } catch (ExecutionException | TimeoutException e) {
      return null;
    }
  }

  /** What the consumer group committed (applied before this process's applier took over); empty when not known. */
  private Map<TopicPartition, Long> committedOffsets(long timeoutNanos) throws InterruptedException {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets = kafka.listConsumerGroupOffsets(applier.groupId())
          .partitionsToOffsetAndMetadata().get(Math.max(1, timeoutNanos), TimeUnit.NANOSECONDS);
      Map<TopicPartition, Long> committed = new HashMap<>();
      offsets.forEach((partition, offset) -> {
        if (offset != null) {
          committed.put(partition, offset.offset());
        }
      });
      return committed;
    } catch (ExecutionException | TimeoutException e) {
      return Map.of();
    }
  }

  private Map<TopicPartition, Long> applied(Map<TopicPartition, Long> committed) {
    Map<TopicPartition, Long> applied = new HashMap<>(committed);
    applier.appliedOffsets().forEach((partition, offset) -> applied.merge(partition, offset, Math::max));
    return applied;
  }

  private static long pending(Map<TopicPartition, Long> ends, Map<TopicPartition, Long> applied) {
    long pending = 0;
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      pending += Math.max(0, end.getValue() - applied.getOrDefault(end.getKey(), 0L));
    }
    return pending;
  }

  private CatchUpResult result(boolean caughtUp, String sourceLsn, Long pendingEvents, long start)
      throws InterruptedException {
    if (pendingEvents == null) { // the fence is not in Kafka yet: what is there now and not applied, if Kafka says quickly
      Map<TopicPartition, Long> ends = endOffsets(TimeUnit.MILLISECONDS.toNanos(200));
      pendingEvents = ends == null ? null : pending(ends, applied(committedOffsets(TimeUnit.MILLISECONDS.toNanos(200))));
    }
    long captured = connect != null ? connect.lastCommittedLsn()
        : capture.running() || remoteLsn == null ? capture.capturedLsn() : remoteLsn;
    return new CatchUpResult(pipeline.name(), caughtUp, sourceLsn, Fence.lsn(captured), pendingEvents,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
  }

  private static long remaining(long deadline) {
    return deadline - System.nanoTime();
  }
}
