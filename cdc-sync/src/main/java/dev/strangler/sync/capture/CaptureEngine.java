package dev.strangler.sync.capture;

import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * One Debezium embedded engine (pgoutput) per source datasource, with one replication slot and one
 * publication, shared by every pipeline that reads the source: the source's WAL is decoded once.
 * Snapshot of the mapped tables, then streaming. This class is the engine's lifecycle: it sets the
 * source up ({@link SourceReplication}), decides what to snapshot ({@link Snapshots}), builds the
 * engine ({@link DebeziumSettings}), and for each batch routes the records ({@link ChangeRouter}:
 * topics, echoes), sends them ({@link ChangeSender}) and only then marks them processed, so offsets
 * (in the control database) never run ahead of Kafka; when Kafka is down the engine waits in
 * {@link #handleBatch} and keeps its WAL position (all pipelines of the source show
 * {@code CAPTURE_BLOCKED}). The catch-up fences of a batch count once it is in Kafka
 * ({@link CapturedFences}).
 *
 * <p>The engine owns its publication: before each start it is set to exactly the tables of the
 * engine's pipelines (plus the heartbeat and signal tables). Tables that a pipeline added after the
 * engine first ran never went through its initial snapshot; they are snapshotted on their own with
 * a Debezium incremental snapshot ({@code execute-snapshot} signal in {@value #SIGNAL_TABLE}).
 *
 * <p>Runs on its own single thread, which never sleeps: its waits wake when the engine stops;
 * {@link #stop()} closes the engine and waits a bounded time.
 */
public final class CaptureEngine implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

  private static final Logger log = LoggerFactory.getLogger(CaptureEngine.class);

  /** The shared heartbeat table on a source (one row per capture engine, keyed by slot), written by Debezium's heartbeat action query. */
  public static final String HEARTBEAT_TABLE = "strangler_sync_heartbeat";
  /** Debezium's signal table on a source (incremental snapshots of tables added later). */
  public static final String SIGNAL_TABLE = "strangler_sync_signal";
  private static final long FIRST_RECONNECT_MILLIS = 1_000;
  private static final long MAX_RECONNECT_MILLIS = 30_000;
  /** how long a wait for a late lease renewal lasts before it looks again */
  private static final long LEASE_WAIT_MILLIS = 1_000;

  private final SourceSettings settings;
  private final SyncProperties.Datasource source;
  private final DataSource sourceDataSource;
  private final ControlDatabase control;
  private final SyncProperties.InitialSnapshot initialSnapshot;
  private final SourceReplication replication;
  private final Snapshots snapshots;
  private final CapturedFences fences;
  private final ChangeRouter router;
  private final EngineWakeup wakeup = new EngineWakeup();
  private final ChangeSender sender;
  /** the pipelines read, in order; changed only by {@link #detach} */
  private final List<Pipeline> pipelines = new CopyOnWriteArrayList<>();
  private ExecutorService executor;
  private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private volatile boolean running;
  /** set by {@link #start}, cleared by {@link #stop}: whether a lost connection is reconnected */
  private volatile boolean wanted;
  /** reconnects after the engine stopped on a source error, each through {@link #start}'s checks */
  private volatile ScheduledExecutorService reconnects;
  private volatile long reconnectDelayMillis = FIRST_RECONNECT_MILLIS;
  /** the initial snapshot being copied (see {@link CopySnapshot}), before the engine streams; null otherwise */
  private volatile CopySnapshot copying;
  private boolean identityRecorded;
  private volatile long capturedLsn = -1;
  /** the capture lease this engine runs under (see {@link CaptureLeases}); null: none */
  private volatile String leaseOwner;
  private volatile long leaseEpoch = -1;
  /** local monotonic time until which the lease surely holds (renewed before it, expiring on the database after it) */
  private volatile long leaseValidUntilNanos = Long.MAX_VALUE;

  /**
   * @param settings slot, publication and heartbeat of the source
   * @param pipelines the enabled pipelines reading the source
   * @param source the source datasource's connection settings
   * @param sourceDataSource a pool on the source, for snapshot row counts, the publication and retiring
   * @param control where offsets are stored
   * @param kafka the producer (acks=all)
   * @param targetDataSource a pool on a pipeline's target (an emptied target is snapshotted again;
   *     after a snapshot taken because the stored position was lost, the target rows the source
   *     does not have are deleted)
   * @param initialSnapshot how a new slot's snapshot is taken
   */
  public CaptureEngine(SourceSettings settings, List<Pipeline> pipelines, SyncProperties.Datasource source,
                       DataSource sourceDataSource, ControlDatabase control, KafkaTemplate<String, String> kafka,
                       Function<Pipeline, DataSource> targetDataSource, SyncProperties.InitialSnapshot initialSnapshot) {
    this.settings = settings;
    this.source = source;
    this.sourceDataSource = sourceDataSource;
    this.control = control;
    this.initialSnapshot = initialSnapshot;
    this.pipelines.addAll(pipelines);
    this.replication = new SourceReplication(settings, sourceDataSource);
    this.snapshots = new Snapshots(settings, sourceDataSource, targetDataSource, control, replication);
    this.fences = new CapturedFences(settings.datasource(), control);
    this.router = new ChangeRouter(this.pipelines, snapshots, fences);
    this.sender = new ChangeSender(kafka, settings.datasource(), wakeup);
  }

  public SourceSettings settings() {
    return settings;
  }

  /**
   * The lease the next {@link #start} runs under.
   *
   * @param owner this instance
   * @param epoch the lease's epoch
   * @param validUntilNanos until when (local {@link System#nanoTime}) it surely holds
   */
  void leased(String owner, long epoch, long validUntilNanos) {
    this.leaseOwner = owner;
    this.leaseEpoch = epoch;
    this.leaseValidUntilNanos = validUntilNanos;
  }

  /** @param validUntilNanos until when (local {@link System#nanoTime}) the renewed lease surely holds */
  void leaseRenewed(long validUntilNanos) {
    this.leaseValidUntilNanos = validUntilNanos;
    wakeup.wake();
  }

  /** The pipelines this engine still captures for. */
  public List<Pipeline> pipelines() {
    return List.copyOf(pipelines);
  }

  /** Mapped source tables of every pipeline, {@code schema.table}. */
  private Set<String> mappedTables() {
    Set<String> tables = new TreeSet<>();
    pipelines.forEach(p -> tables.addAll(Snapshots.tablesOf(p)));
    return tables;
  }

  /**
   * Debezium settings for this source (see {@link DebeziumSettings}).
   *
   * @param snapshotTables the tables an initial snapshot copies (empty: no data snapshot)
   */
  Properties debeziumProperties(Set<String> snapshotTables) {
    return DebeziumSettings.of(settings, source, control, replication, mappedTables(), snapshotTables, leaseOwner,
        leaseEpoch);
  }

  /**
   * Starts the engine on its own thread: the source set up ({@link SourceReplication#prepare}), the
   * stored position checked against the source ({@link #positionLost}). Without a slot, Debezium
   * creates one and takes the initial snapshot from the slot's own consistent point. With a slot,
   * capture streams from the stored position (or the slot's), and every pipeline whose snapshot of a
   * table is not done — added later, re-enabled, interrupted mid-snapshot, its target emptied — gets
   * an incremental snapshot of it, read while streaming goes on: the stream from the old position
   * replays every change since (deletes included), so a redone snapshot keeps nothing the source deleted.
   */
  public synchronized void start() {
    if (running) {
      return;
    }
    wanted = true;
    String slot = settings.slotName();
    prepareSource();
    String stored = control.latestOffset(slot);
    SourceReplication.Slot state = replication.slot();
    String lost = positionLost(stored, state);
    snapshots.reconcilesPending(pipelines);
    if (lost != null) {
      String what = "source " + settings.datasource() + ", slot " + slot + ": " + lost;
      if (source.positionLost() == SyncProperties.PositionLost.STOP) {
        log.error("Capture of {}; the stored position cannot be used, and position-lost is stop: the source's "
            + "pipelines stay stopped (set strangler.sync.datasources.{}.position-lost: resnapshot to snapshot again)",
            what, settings.datasource());
        pipelines.forEach(p -> p.failed("position lost: " + what));
        wanted = false;
        return;
      }
      log.warn("Capture of {}; the stored position cannot be used: offsets forgotten, a new slot and snapshot, and "
          + "the target rows the source no longer has are deleted once it is taken", what);
      replication.dropSlot();
      control.dropOffsets(slot);
      stored = null;
      state = SourceReplication.Slot.NONE;
      snapshots.reconcileAfterSnapshot(pipelines);
    }
    if (lost == null && stored == null && state.exists()) {
      // killed before its first offsets were stored: Debezium would stream from the server's
      // current position, not the slot's, so the slot is taken again and the rows the first attempt
      // copied but the source no longer has are deleted after the new snapshot
      log.info("Capture of source {}: slot {} exists but no position was stored (stopped before its first offset "
          + "flush): a new slot and snapshot", settings.datasource(), slot);
      replication.dropSlot();
      state = SourceReplication.Slot.NONE;
      snapshots.reconcileAfterSnapshot(pipelines);
    }
    boolean fresh = !state.exists();
    if (SourceIdentity.inBlockingSnapshot(stored)) {
      // Debezium does not resume a blocking snapshot (and refuses no_data after one): streaming
      // starts again from the slot's consistent point, which a snapshot never moves (so every
      // change made since is streamed), and the tables not marked done are snapshotted
      // incrementally meanwhile
      if (state.confirmed() == null) {
        throw new IllegalStateException("source " + settings.datasource() + ": slot " + slot
            + " has no confirmed position");
      }
      long confirmed = state.confirmed();
      log.info("Capture of source {}: its initial snapshot was interrupted; streaming from slot {}'s position {} and "
          + "snapshotting again while streaming", settings.datasource(), slot, Fence.lsn(confirmed));
      stored = SourceIdentity.streamingFrom(stored, confirmed);
      control.replaceOffsets(slot, stored);
    }
    Set<String> initialTables = snapshots.plan(pipelines, fresh);
    executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "capture-" + settings.datasource()));
    if (reconnects == null) {
      reconnects = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "capture-reconnect-" + settings.datasource());
        thread.setDaemon(true);
        return thread;
      });
    }
    running = true;
    identityRecorded = false;
    boolean copy = fresh && !initialTables.isEmpty() && initialSnapshot.method() == SyncProperties.InitialSnapshot.Method.COPY;
    if (copy) {
      executor.execute(this::copyThenStream);
    } else {
      engine = engine(initialTables);
      executor.execute(engine);
    }
    log.info("Capture of source {} started (slot {}, publication {}) for pipelines {}{}", settings.datasource(), slot,
        settings.publicationName(), pipelines.stream().map(Pipeline::name).toList(),
        fresh ? (initialTables.isEmpty() ? " (new slot, no snapshot)"
            : " (new slot), " + (copy ? "copying " : "snapshot of ") + initialTables)
            : " from its stored position");
    if (!fresh) {
      snapshots.startIncremental(stored);
    }
    snapshots.reconcileInterrupted();
  }

  /**
   * What {@link #start} sets up on the source before the engine runs, also for a source that Kafka
   * Connect captures ({@link ConnectCapture}): the captured tables set to REPLICA IDENTITY FULL, the
   * heartbeat and signal tables, and the publication with exactly the engine's tables.
   */
  synchronized void prepareSource() {
    replication.prepare(pipelines, mappedTables());
  }

  /** Whether the source's replication slot exists. */
  boolean slotExists() {
    return replication.slot().exists();
  }

  /** The Debezium engine for this source, with a blocking snapshot of {@code initialTables} (empty: none). */
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine(Set<String> initialTables) {
    return DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
        // a blocking snapshot only from a new slot's consistent point; every other one is incremental
        .using(debeziumProperties(initialTables))
        .notifying(this)
        .using((success, message, error) -> {
          boolean unexpected = !success && running;
          stopped();
          java.sql.SQLException sourceError = unexpected ? sourceError(error) : null;
          if (sourceError != null) {
            connectionLost(sourceError);
          } else if (unexpected) {
            log.error("Capture of source {} stopped: {}", settings.datasource(), message, error);
            pipelines.forEach(p -> p.failed("capture stopped: " + message));
          } else {
            log.info("Capture of source {} ended: {}", settings.datasource(), message);
          }
        })
        .build();
  }

  /** The engine is not running any more: waits on its thread end at once. */
  private void stopped() {
    running = false;
    wakeup.wake();
  }

  /**
   * On the engine's thread: the new slot's snapshot copied straight into the targets
   * ({@link CopySnapshot}), the first offsets set to the slot's consistent point, then the engine
   * streams from there. A table whose copy failed goes through an incremental snapshot while
   * streaming. Stopped or killed before the offsets are stored, the slot has none: the next start
   * takes a new slot and copy, and deletes the rows the source no longer has.
   */
  private void copyThenStream() {
    List<CopySnapshot.Table> tables = snapshots.toCopy();
    long started = System.nanoTime();
    Map<CopySnapshot.Table, String> failed;
    long consistentPoint;
    try (CopySnapshot copy = CopySnapshot.createSlot(source, settings.slotName())) {
      copying = copy;
      failed = copy.copy(tables, initialSnapshot.threads(), initialSnapshot.rangeBlocks(),
          () -> running && System.nanoTime() <= leaseValidUntilNanos);
      consistentPoint = copy.consistentPoint();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (RuntimeException e) {
      stopped();
      java.sql.SQLException sourceError = sourceError(e);
      if (sourceError != null) {
        connectionLost(sourceError);
      } else {
        log.error("Capture of source {} could not copy its snapshot: {}", settings.datasource(), e.getMessage(), e);
        pipelines.forEach(p -> p.failed("snapshot copy: " + e.getMessage()));
      }
      return;
    } finally {
      copying = null;
    }
    if (!running) {
      return; // stopped meanwhile; the slot has no offsets, so the next start copies again
    }
    Map<String, Set<String>> copied = new LinkedHashMap<>();
    Map<Pipeline, Set<String>> notCopied = new LinkedHashMap<>();
    for (CopySnapshot.Table table : tables) {
      String name = table.mapping().source().toString();
      if (failed.containsKey(table)) {
        notCopied.computeIfAbsent(table.pipeline(), p -> new TreeSet<>()).add(name);
      } else {
        copied.computeIfAbsent(table.pipeline().name(), p -> new TreeSet<>()).add(name);
      }
    }
    control.snapshotCopied(settings.slotName(), consistentPoint, SourceIdentity.systemIdentifier(sourceDataSource, source),
        copied);
    identityRecorded = true;
    log.info("Capture of source {}: snapshot copied in {} ms ({} of {} tables), streaming from {}", settings.datasource(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), tables.size() - failed.size(), tables.size(),
        Fence.lsn(consistentPoint));
    Set<String> left = snapshots.copied(notCopied);
    DebeziumEngine<RecordChangeEvent<SourceRecord>> streaming = engine(Set.of());
    engine = streaming;
    if (!running) { // stop() set running before it read engine: it closed this one, or it must not run
      return;
    }
    if (!left.isEmpty()) {
      snapshots.signal(left);
    }
    streaming.run();
  }

  /**
   * Takes the pipeline's snapshot again (admin {@code POST /admin/pipelines/{name}/snapshot}): an
   * incremental snapshot of its tables, routed to it alone, while streaming goes on.
   *
   * @param pipeline one of this engine's pipelines
   */
  public synchronized void snapshot(Pipeline pipeline) {
    if (!running || !pipelines.contains(pipeline)) {
      throw new IllegalStateException("capture of source " + settings.datasource() + " is not running");
    }
    snapshots.request(pipeline);
  }

  /**
   * Why the stored position cannot be used on this source, or null when it can (or there is none):
   * the offsets belong to another server (system identifier), the slot is gone, or the slot's
   * confirmed position is past the stored offsets (another reader moved it: changes were skipped).
   *
   * @param offset the stored offsets (null: none)
   * @param slot the slot as the source has it now
   */
  private String positionLost(String offset, SourceReplication.Slot slot) {
    String recorded = control.sourceIdentity(settings.slotName());
    if (offset == null && recorded == null) {
      return null;
    }
    String system = SourceIdentity.systemIdentifier(sourceDataSource, source);
    if (recorded != null && !recorded.equals(system)) {
      return "the stored offsets belong to the server with system identifier " + recorded + "; this server's is "
          + system + " (restored from a backup, another server or a failover?)";
    }
    if (!slot.exists()) {
      return "the replication slot does not exist on the source any more (dropped, or the source was restored or "
          + "replaced); changes made since the stored position are gone";
    }
    long stored = SourceIdentity.offsetLsn(offset);
    if (slot.confirmed() != null && stored > 0 && slot.confirmed() > stored) {
      return "the slot's confirmed position " + Fence.lsn(slot.confirmed()) + " is past the stored offsets' "
          + Fence.lsn(stored) + " (another reader used the slot?); the changes in between are gone";
    }
    return null;
  }

  /**
   * Ends the connection still reading the slot, if any (see {@link SourceReplication#endOtherReader}):
   * called by the lease's ticker when this instance took the source over.
   */
  void endOtherReader() {
    replication.endOtherReader();
  }

  /** The SQL error a source gave (lost connection, server restarting, slot in use...), or null for any other failure. */
  private static java.sql.SQLException sourceError(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.sql.SQLException sql) {
        return sql;
      }
    }
    return null;
  }

  /** The engine stopped on a source error: its pipelines wait, and the engine starts again after a pause. */
  private void connectionLost(java.sql.SQLException error) {
    String reason = "source " + settings.datasource() + ": " + error.getMessage();
    log.warn("Capture of source {} lost the source ({}); reconnecting in {} ms, its stored position checked first",
        settings.datasource(), error.getMessage(), reconnectDelayMillis);
    for (Pipeline pipeline : pipelines) {
      pipeline.advance(PipelineState.CAPTURE_BLOCKED);
      pipeline.lastError(reason);
    }
    scheduleReconnect();
  }

  /** Not synchronized: called on the engine's thread, which {@link #stop} may be waiting for. */
  private void scheduleReconnect() {
    ScheduledExecutorService scheduler = reconnects;
    if (!wanted || scheduler == null) {
      return;
    }
    try {
      scheduler.schedule(this::reconnect, reconnectDelayMillis, TimeUnit.MILLISECONDS);
      reconnectDelayMillis = Math.min(reconnectDelayMillis * 2, MAX_RECONNECT_MILLIS);
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      // stop() came first: no reconnect wanted
    }
  }

  /** Starts the engine again, through every check a process start makes; retried with a growing pause. */
  private synchronized void reconnect() {
    if (!wanted || running) {
      return;
    }
    closeEngine(false);
    try {
      start();
      if (running) {
        reconnectDelayMillis = FIRST_RECONNECT_MILLIS;
        log.info("Capture of source {} reconnected", settings.datasource());
      }
    } catch (RuntimeException e) {
      log.warn("Capture of source {} could not reconnect: {}; next attempt in {} ms", settings.datasource(),
          e.getMessage(), reconnectDelayMillis);
      pipelines.forEach(p -> p.lastError("source " + settings.datasource() + ": " + e.getMessage()));
      scheduleReconnect();
    }
  }

  /** Closes the engine (it flushes offsets of what Kafka acknowledged) and waits up to 30 s; no reconnect follows. */
  public synchronized void stop() {
    wanted = false;
    if (reconnects != null) {
      reconnects.shutdownNow();
      reconnects = null;
    }
    closeEngine(true);
  }

  /** @param close whether the engine still runs and must be closed (not when it ended on its own) */
  private void closeEngine(boolean close) {
    if (executor == null) {
      return;
    }
    stopped();
    CopySnapshot copy = copying;
    if (copy != null) {
      copy.cancel();
    }
    try {
      if (close && engine != null) {
        engine.close();
      }
    } catch (IOException | RuntimeException e) {
      log.warn("Closing the capture engine of source {} failed: {}", settings.datasource(), e.getMessage());
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("Capture engine of source {} did not stop in 30 s; interrupting", settings.datasource());
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
    engine = null;
    executor = null;
  }

  public boolean running() {
    return running;
  }

  /**
   * One batch, on the engine's thread: routed, sent, and marked processed only once Kafka
   * acknowledged every message of it; then its snapshots and fences count.
   */
  @Override
  public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                          DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    List<ChangeRouter.Outgoing> outgoing = new ArrayList<>(records.size());
    fences.batchStarts();
    snapshots.batchStarts();
    List<Pipeline> readers = pipelines();
    long lsn = capturedLsn;
    for (RecordChangeEvent<SourceRecord> event : records) {
      router.route(event.record(), outgoing, readers);
      snapshots.track(event.record());
      lsn = Math.max(lsn, ChangeRouter.lsnOf(event.record()));
    }
    if (!identityRecorded && !records.isEmpty()) {
      // the slot exists now: the offsets about to be stored belong to this server
      control.sourceIdentity(settings.slotName(), SourceIdentity.systemIdentifier(sourceDataSource, source));
      identityRecorded = true;
    }
    awaitLease();
    sender.send(outgoing, () -> running, error -> pipelines.forEach(pipeline -> {
      pipeline.advance(PipelineState.CAPTURE_BLOCKED);
      pipeline.lastError(error);
    }));
    for (Pipeline pipeline : pipelines) {
      // Kafka or the source was away; a pause that came meanwhile stays
      if (pipeline.moveFrom(PipelineState.CAPTURE_BLOCKED,
          snapshots.incremental(pipeline) ? PipelineState.SNAPSHOT : PipelineState.STREAMING)) {
        log.info("Capture of pipeline {} goes on", pipeline.name());
      }
    }
    for (RecordChangeEvent<SourceRecord> event : records) {
      committer.markProcessed(event);
    }
    committer.markBatchFinished();
    snapshots.batchAcknowledged();
    Map<Pipeline, Integer> sent = new HashMap<>();
    outgoing.forEach(message -> sent.merge(message.pipeline(), 1, Integer::sum));
    sent.forEach((pipeline, count) -> pipeline.stats().captured(count));
    capturedLsn = lsn;
    // everything committed before these fences is now acknowledged by Kafka
    fences.acknowledged(lsn);
  }

  /**
   * Sends nothing while the lease is not surely held (its renewal is late): the lease's owner
   * either renews it (which wakes this wait), or stops this engine once another instance took the
   * source over.
   */
  private void awaitLease() throws InterruptedException {
    while (System.nanoTime() > leaseValidUntilNanos) {
      if (!running) {
        throw new InterruptedException("engine stopping: the capture lease of slot " + settings.slotName() + " is lost");
      }
      wakeup.await(() -> !running || System.nanoTime() <= leaseValidUntilNanos, LEASE_WAIT_MILLIS);
    }
  }

  /**
   * Registers a fence before it is emitted on the source; the future completes once the engine
   * has sent the batch holding it to Kafka. Call {@link #forgetFence} when done waiting.
   *
   * @param id the fence's id (the message's content)
   */
  public CompletableFuture<Void> expectFence(String id) {
    return fences.expect(id);
  }

  /** @param id a fence registered with {@link #expectFence} */
  public void forgetFence(String id) {
    fences.forget(id);
  }

  /** The WAL position of the last change, message or heartbeat sent (or skipped) and acknowledged; -1 before any. */
  public long capturedLsn() {
    return capturedLsn;
  }

  /**
   * Stops capturing for a pipeline (retired): its changes are no longer routed, and its tables
   * that no other pipeline of the source maps are dropped from the publication and forgotten, so
   * the source stops decoding them. The slot stays for the other pipelines.
   *
   * @param pipeline the pipeline retired
   * @return the tables dropped from the publication
   */
  public synchronized Set<String> detach(Pipeline pipeline) {
    pipelines.remove(pipeline);
    snapshots.detach(pipeline);
    router.detach(pipelines);
    Set<String> gone = Snapshots.tablesOf(pipeline);
    gone.removeAll(mappedTables());
    if (!gone.isEmpty() && !pipelines.isEmpty()) {
      replication.unpublish(gone);
      log.info("Pipeline {} retired: {} dropped from publication {}; slot {} kept for pipelines {}", pipeline.name(),
          gone, settings.publicationName(), settings.slotName(), pipelines.stream().map(Pipeline::name).toList());
    }
    return gone;
  }

  /**
   * Drops the source's replication slot and publication, and the engine's offsets, so PostgreSQL
   * stops keeping WAL for it; when no pipeline of the source remains. The engine must be stopped first.
   */
  public void retire() {
    replication.drop();
    control.dropOffsets(settings.slotName());
    log.info("Capture of source {} retired: slot {}, publication {} and offsets dropped", settings.datasource(),
        settings.slotName(), settings.publicationName());
  }
}
