package dev.strangler.sync.capture;

import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TableRef;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.debezium.embedded.Connect;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * One Debezium embedded engine (pgoutput) per source datasource, with one replication slot and one
 * publication, shared by every pipeline that reads the source: the source's WAL is decoded once.
 * Snapshot of the mapped tables, then streaming; each change goes to the topic of every pipeline
 * that maps its table ({@code <pipeline>.<schema>.<table>}), keyed by the primary key, in
 * Debezium's standard envelope (JSON without schemas). Echo suppression is decided per pipeline and
 * per record: a transaction cdc-sync applied carries an {@link EchoMarker} naming the datasource
 * the change came from, and its changes are dropped for the pipelines whose target is that
 * datasource only. A record is marked processed only after Kafka acknowledged it, so offsets (in
 * the control database) never run ahead of Kafka; when Kafka is down the engine waits in
 * {@link #handleBatch} and keeps its WAL position (all pipelines of the source show
 * {@code CAPTURE_BLOCKED}).
 *
 * <p>The engine owns its publication: before each start it is set to exactly the tables of the
 * engine's pipelines (plus the heartbeat and signal tables). Tables that a pipeline added after the
 * engine first ran never went through its initial snapshot; they are snapshotted on their own with
 * a Debezium incremental snapshot ({@code execute-snapshot} signal in {@code strangler_sync_signal}).
 *
 * <p>Runs on its own single thread; {@link #stop()} closes the engine and waits a bounded time.
 */
public final class CaptureEngine implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

  private static final Logger log = LoggerFactory.getLogger(CaptureEngine.class);
  private static final long SNAPSHOT_LOG_EVERY = 10_000;

  /** The shared heartbeat table on a source (one row per capture engine, keyed by slot), written by Debezium's heartbeat action query. */
  public static final String HEARTBEAT_TABLE = "strangler_sync_heartbeat";
  /** Debezium's signal table on a source (incremental snapshots of tables added later). */
  public static final String SIGNAL_TABLE = "strangler_sync_signal";

  private final SourceSettings settings;
  private final SyncProperties.Datasource source;
  private final DataSource sourceDataSource;
  private final ControlDatabase control;
  private final KafkaTemplate<String, String> kafka;
  private final JsonConverter keyConverter = new JsonConverter();
  private final JsonConverter valueConverter = new JsonConverter();
  /** the pipelines read, in order; changed only by {@link #detach} */
  private final List<Pipeline> pipelines = new CopyOnWriteArrayList<>();
  /** source table → the pipelines mapping it; replaced whole when a pipeline is detached */
  private volatile Map<TableRef, List<Route>> routes = Map.of();
  private ExecutorService executor;
  private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private volatile boolean running;
  /** set by {@link #start}, cleared by {@link #stop}: whether a lost connection is reconnected */
  private volatile boolean wanted;
  /** reconnects after the engine stopped on a source error, each through {@link #start}'s checks */
  private volatile ScheduledExecutorService reconnects;
  private volatile long reconnectDelayMillis = FIRST_RECONNECT_MILLIS;
  private static final long FIRST_RECONNECT_MILLIS = 1_000;
  private static final long MAX_RECONNECT_MILLIS = 30_000;
  private Long echoTransaction;
  private String echoOrigin;
  private final Set<Pipeline> snapshotStarted = new HashSet<>();
  /** pipelines whose tables are in an incremental snapshot: they stay SNAPSHOT until all their rows came */
  private final Set<Pipeline> incremental = ConcurrentHashMap.newKeySet();
  /** per pipeline, the tables whose snapshot it still waits for; snapshot rows go to these pipelines only */
  private final Map<Pipeline, Set<String>> pending = new ConcurrentHashMap<>();
  /** pipelines snapshotted again after a lost position: their targets lose the rows the source does not have */
  private final Set<Pipeline> reconcile = ConcurrentHashMap.newKeySet();
  /** snapshots finished in the batch being sent: recorded as done once Kafka acknowledged it */
  private final Set<Pipeline> snapshotsDoneInBatch = new HashSet<>();
  private final java.util.function.Function<Pipeline, DataSource> targetDataSource;
  private final SyncProperties.InitialSnapshot initialSnapshot;
  /** the initial snapshot being copied (see {@link CopySnapshot}), before the engine streams; null otherwise */
  private volatile CopySnapshot copying;
  private boolean incrementalSeen;
  /** false from a snapshot signal until Debezium read it: an incremental snapshot ending before is another one */
  private volatile boolean incrementalArmed = true;
  private volatile String awaitedSignal;
  private boolean identityRecorded;
  private static final String INCREMENTAL_SNAPSHOT_OFFSET = "incremental_snapshot_collections";
  /** fences a catch-up waits for, by id; completed once the batch holding the fence is in Kafka */
  private final Map<String, CompletableFuture<Void>> awaitedFences = new ConcurrentHashMap<>();
  private final List<String> fencesInBatch = new ArrayList<>();
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
   * @param targetDataSource a pool on a pipeline's target (an emptied target is snapshotted again)
   * @param initialSnapshot how a new slot's snapshot is taken
   */
  public CaptureEngine(SourceSettings settings, List<Pipeline> pipelines, SyncProperties.Datasource source,
                       DataSource sourceDataSource, ControlDatabase control, KafkaTemplate<String, String> kafka,
                       java.util.function.Function<Pipeline, DataSource> targetDataSource,
                       SyncProperties.InitialSnapshot initialSnapshot) {
    this.initialSnapshot = initialSnapshot;
    this.targetDataSource = targetDataSource;
    this.settings = settings;
    this.source = source;
    this.sourceDataSource = sourceDataSource;
    this.control = control;
    this.kafka = kafka;
    this.pipelines.addAll(pipelines);
    this.routes = routesOf(this.pipelines);
    keyConverter.configure(Map.of("schemas.enable", "false"), true);
    valueConverter.configure(Map.of("schemas.enable", "false"), false);
  }

  private static Map<TableRef, List<Route>> routesOf(List<Pipeline> pipelines) {
    Map<TableRef, List<Route>> routes = new LinkedHashMap<>();
    for (Pipeline pipeline : pipelines) {
      for (TableMapping mapping : pipeline.mappings()) {
        routes.computeIfAbsent(mapping.source(), t -> new ArrayList<>()).add(new Route(pipeline, mapping));
      }
    }
    routes.replaceAll((table, list) -> List.copyOf(list));
    return Map.copyOf(routes);
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
  }

  /** The pipelines this engine still captures for. */
  public List<Pipeline> pipelines() {
    return List.copyOf(pipelines);
  }

  /** Mapped source tables, {@code schema.table}. */
  private Set<String> mappedTables(java.util.function.Predicate<Pipeline> which) {
    Set<String> tables = new TreeSet<>();
    for (Pipeline pipeline : pipelines) {
      if (which.test(pipeline)) {
        pipeline.mappings().forEach(m -> tables.add(m.source().toString()));
      }
    }
    return tables;
  }

  private static String regex(Set<String> tables) {
    return tables.stream().map(t -> t.replace(".", "\\.")).collect(Collectors.joining(","));
  }

  private static boolean snapshots(Pipeline pipeline) {
    return pipeline.config().snapshot() != SyncProperties.Snapshot.NEVER;
  }

  /**
   * Debezium settings for this source.
   *
   * @param snapshotTables the tables an initial snapshot copies (empty: no data snapshot)
   */
  Properties debeziumProperties(Set<String> snapshotTables) {
    SourceDatabase database = SourceDatabase.parse(source.url());
    String slot = settings.slotName();
    Properties props = new Properties();
    props.setProperty("name", slot);
    props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    props.setProperty("offset.storage", "io.debezium.storage.jdbc.offset.JdbcOffsetBackingStore");
    props.setProperty("offset.storage.jdbc.connection.url", control.url());
    props.setProperty("offset.storage.jdbc.connection.user", control.username());
    props.setProperty("offset.storage.jdbc.connection.password", control.password() == null ? "" : control.password());
    props.setProperty("offset.storage.jdbc.table.name", control.offsetTable(slot));
    props.setProperty("offset.flush.interval.ms", "200");
    if (leaseOwner != null) {
      // offsets are written only while this instance holds the source's lease at this epoch: an
      // owner that lost it (paused, cut off) never moves them after another one took over
      String held = " WHERE EXISTS (SELECT 1 FROM " + ControlDatabase.LEASES + " WHERE slot = '" + slot
          + "' AND owner = '" + leaseOwner + "' AND epoch = " + leaseEpoch + " AND expires_at > now())";
      String insert = "INSERT INTO %s(id, offset_key, offset_val, record_insert_ts, record_insert_seq) "
          + "SELECT ?, ?, ?, ?, ?" + held;
      String delete = "DELETE FROM %s" + held;
      props.setProperty("offset.storage.jdbc.offset.table.insert", insert);
      props.setProperty("offset.storage.jdbc.offset.table.delete", delete);
    }
    props.setProperty("database.hostname", database.host());
    props.setProperty("database.port", Integer.toString(database.port()));
    props.setProperty("database.dbname", database.database());
    props.setProperty("database.user", source.username() == null ? "" : source.username());
    props.setProperty("database.password", source.password() == null ? "" : source.password());
    props.setProperty("topic.prefix", slot);
    props.setProperty("plugin.name", "pgoutput");
    props.setProperty("slot.name", slot);
    props.setProperty("publication.name", settings.publicationName());
    props.setProperty("publication.autocreate.mode", "disabled"); // set up by publication() before each start
    Set<String> tables = new TreeSet<>(mappedTables(p -> true));
    tables.add("public." + SIGNAL_TABLE);
    long heartbeatMillis = settings.heartbeatInterval().toMillis();
    if (heartbeatMillis > 0) {
      // the heartbeat table is in the publication so that its changes reach the engine and move
      // the slot's confirmed position even when the mapped tables are idle; they are not forwarded
      tables.add("public." + HEARTBEAT_TABLE);
      props.setProperty("heartbeat.interval.ms", Long.toString(heartbeatMillis));
      props.setProperty("heartbeat.action.query", "INSERT INTO public." + HEARTBEAT_TABLE
          + " (pipeline, beat_at) VALUES ('" + slot + "', now()) "
          + "ON CONFLICT (pipeline) DO UPDATE SET beat_at = excluded.beat_at");
    }
    props.setProperty("table.include.list", regex(tables));
    props.setProperty("signal.data.collection", "public." + SIGNAL_TABLE);
    props.setProperty("signal.enabled.channels", "source");
    if (snapshotTables.isEmpty()) {
      props.setProperty("snapshot.mode", "no_data");
    } else {
      props.setProperty("snapshot.mode", "initial");
      props.setProperty("snapshot.include.collection.list", regex(snapshotTables));
    }
    props.setProperty("message.prefix.include.list", EchoMarker.PREFIX + "," + Fence.PREFIX);
    props.setProperty("tombstones.on.delete", "false");
    props.setProperty("poll.interval.ms", "10");
    props.setProperty("max.batch.size", "8192");
    props.setProperty("max.queue.size", "32768");
    props.setProperty("decimal.handling.mode", "string");
    props.setProperty("time.precision.mode", "adaptive_time_microseconds");
    props.setProperty("interval.handling.mode", "string");
    props.setProperty("include.unknown.datatypes", "false");
    props.setProperty("status.update.interval.ms", "1000");
    // Debezium's own reconnects would recreate a dropped slot and stream on from its new position,
    // skipping what happened in between: the engine stops on a source error, and cdc-sync
    // reconnects through start(), which checks the stored position first
    props.setProperty("errors.max.retries", "0");
    return props;
  }

  /**
   * Starts the engine on its own thread: source tables set to REPLICA IDENTITY FULL, heartbeat and
   * signal tables created, the publication set to the engine's tables, the stored position checked
   * against the source ({@link #positionLost}). Without a slot, Debezium creates one and takes the
   * initial snapshot from the slot's own consistent point. With a slot, capture streams from the
   * stored position (or the slot's), and every pipeline whose snapshot of a table is not done —
   * added later, re-enabled, interrupted mid-snapshot, its target emptied — gets an incremental
   * snapshot of it, read while streaming goes on: the stream from the old position replays every
   * change since (deletes included), so a redone snapshot keeps nothing the source deleted.
   */
  public synchronized void start() {
    if (running) {
      return;
    }
    wanted = true;
    String slot = settings.slotName();
    slotOfThisDatabase();
    replicaIdentityFull();
    if (!settings.heartbeatInterval().isZero()) {
      heartbeatTable();
    }
    signalTable();
    publication();
    String stored = control.latestOffset(slot);
    Slot state = slot();
    String lost = positionLost(stored, state);
    reconcile.clear();
    Set<String> reconciles = control.reconcilesPending(slot);
    pipelines.stream().filter(p -> reconciles.contains(p.name())).forEach(reconcile::add);
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
      dropSlot();
      control.dropOffsets(slot);
      stored = null;
      state = Slot.NONE;
      reconcileAfterSnapshot();
    }
    if (lost == null && stored == null && state.exists()) {
      // killed before its first offsets were stored: Debezium would stream from the server's
      // current position, not the slot's, so the slot is taken again and the rows the first attempt
      // copied but the source no longer has are deleted after the new snapshot
      log.info("Capture of source {}: slot {} exists but no position was stored (stopped before its first offset "
          + "flush): a new slot and snapshot", settings.datasource(), slot);
      dropSlot();
      state = Slot.NONE;
      reconcileAfterSnapshot();
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
    Map<String, Set<String>> mapped = new LinkedHashMap<>();
    pipelines.forEach(p -> mapped.put(p.name(), tablesOf(p)));
    Map<String, Map<String, Boolean>> states = control.snapshots(slot, mapped);
    pending.clear();
    incremental.clear();
    snapshotStarted.clear();
    incrementalArmed = true;
    Set<String> initialTables = new TreeSet<>();
    for (Pipeline pipeline : pipelines) {
      if (!snapshots(pipeline)) {
        control.snapshotState(slot, pipeline.name(), mapped.get(pipeline.name()), true);
        continue;
      }
      Map<String, Boolean> own = states.getOrDefault(pipeline.name(), Map.of());
      Set<String> needed = new TreeSet<>();
      for (TableMapping mapping : pipeline.mappings()) {
        String table = mapping.source().toString();
        if (fresh || !Boolean.TRUE.equals(own.get(table)) || targetEmptied(pipeline, mapping)) {
          needed.add(table);
        }
      }
      if (!needed.isEmpty()) {
        pending.put(pipeline, needed);
        control.snapshotState(slot, pipeline.name(), needed, false);
        if (fresh) {
          initialTables.addAll(needed);
        } else {
          incremental.add(pipeline);
        }
      }
    }
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
    if (!fresh && !incremental.isEmpty()) {
      Set<String> tables = new TreeSet<>();
      incremental.forEach(p -> tables.addAll(pending.get(p)));
      incremental.forEach(p -> {
        p.stats().snapshotTotal(countRows(p, p.mappings().stream()
            .filter(m -> pending.get(p).contains(m.source().toString())).toList()));
        p.advance(PipelineState.SNAPSHOT);
        log.info("Pipeline {}: snapshot of {} not done (added later, re-enabled, interrupted or target emptied); "
            + "incremental snapshot of {} rows while streaming", p.name(), pending.get(p), p.stats().snapshotRowsTotal());
      });
      String resumed = stored;
      boolean covered = resumed != null && resumed.contains(INCREMENTAL_SNAPSHOT_OFFSET)
          && tables.stream().allMatch(t -> resumed.contains(t));
      if (covered) {
        log.info("Source {}: the incremental snapshot of {} resumes where it was", settings.datasource(), tables);
      } else {
        signalSnapshot(tables);
      }
    }
    // a reconcile a crash interrupted after its pipeline's snapshot was done: the slot exists, do it now
    reconcile.stream().filter(p -> !pending.containsKey(p)).toList().forEach(this::reconcileNow);
  }

  /**
   * What {@link #start} sets up on the source before the engine runs, for a source that Kafka
   * Connect captures ({@link ConnectCapture}): the captured tables set to REPLICA IDENTITY FULL, the
   * heartbeat and signal tables, and the publication with exactly the engine's tables.
   */
  public synchronized void prepareSource() {
    slotOfThisDatabase();
    replicaIdentityFull();
    if (!settings.heartbeatInterval().isZero()) {
      heartbeatTable();
    }
    signalTable();
    publication();
  }

  /** Whether the source's replication slot exists. */
  boolean slotExists() {
    return slot().exists();
  }

  /** The Debezium engine for this source, with a blocking snapshot of {@code initialTables} (empty: none). */
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine(Set<String> initialTables) {
    return DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
        // a blocking snapshot only from a new slot's consistent point; every other one is incremental
        .using(debeziumProperties(initialTables))
        .notifying(this)
        .using((success, message, error) -> {
          boolean unexpected = !success && running;
          running = false;
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

  /**
   * On the engine's thread: the new slot's snapshot copied straight into the targets
   * ({@link CopySnapshot}), the first offsets set to the slot's consistent point, then the engine
   * streams from there. A table whose copy failed goes through an incremental snapshot while
   * streaming. Stopped or killed before the offsets are stored, the slot has none: the next start
   * takes a new slot and copy, and deletes the rows the source no longer has.
   */
  private void copyThenStream() {
    List<CopySnapshot.Table> tables = new ArrayList<>();
    pending.forEach((pipeline, names) -> {
      pipeline.stats().snapshotTotal(estimateRows(pipeline, pipeline.mappings().stream()
          .filter(m -> names.contains(m.source().toString())).toList()));
      pipeline.advance(PipelineState.SNAPSHOT);
      boolean sourceWins = pipeline.config().conflictWinner() == SyncProperties.ConflictWinner.SOURCE;
      pipeline.mappings().stream().filter(m -> names.contains(m.source().toString())).forEach(m ->
          tables.add(new CopySnapshot.Table(pipeline, m, targetDataSource.apply(pipeline), sourceWins)));
    });
    long started = System.nanoTime();
    Map<CopySnapshot.Table, String> failed;
    long consistentPoint;
    try (CopySnapshot copy = CopySnapshot.createSlot(source, settings.slotName())) {
      copying = copy;
      failed = copy.copy(tables, initialSnapshot.threads(), initialSnapshot.rangeBlocks(), () -> running && System.nanoTime() <= leaseValidUntilNanos);
      consistentPoint = copy.consistentPoint();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (RuntimeException e) {
      running = false;
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
    for (Pipeline pipeline : List.copyOf(pending.keySet())) {
      Set<String> left = notCopied.get(pipeline);
      if (left == null) {
        pipeline.stats().snapshotTotal(pipeline.stats().snapshotRowsDone()); // the estimate replaced by the count
        snapshotDone(pipeline);
      } else {
        pending.put(pipeline, left);
        incremental.add(pipeline);
      }
    }
    DebeziumEngine<RecordChangeEvent<SourceRecord>> streaming = engine(Set.of());
    engine = streaming;
    if (!running) { // stop() set running before it read engine: it closed this one, or it must not run
      return;
    }
    if (!notCopied.isEmpty()) {
      Set<String> tablesLeft = new TreeSet<>();
      notCopied.values().forEach(tablesLeft::addAll);
      signalSnapshot(tablesLeft);
    }
    streaming.run();
  }

  /** Every snapshotting pipeline's target loses, after its new snapshot, the rows the source no longer has. */
  private void reconcileAfterSnapshot() {
    pipelines.stream().filter(CaptureEngine::snapshots).forEach(p -> {
      reconcile.add(p);
      control.reconcilePending(settings.slotName(), p.name(), true);
    });
  }

  /** Reconciles the pipeline's target on a thread of its own; recorded as done only once it was. */
  private void reconcileNow(Pipeline pipeline) {
    if (!reconcile.remove(pipeline)) {
      return;
    }
    Thread thread = new Thread(() -> {
      try {
        new TargetReconciler(sourceDataSource, targetDataSource.apply(pipeline)).reconcile(pipeline);
        control.reconcilePending(settings.slotName(), pipeline.name(), false);
      } catch (RuntimeException e) {
        log.error("Pipeline {}: {}; it is done again at the next start (or run verify and delete the rows it lists "
            + "as missing in the source)", pipeline.name(), e.getMessage());
      }
    }, "reconcile-" + pipeline.name());
    thread.setDaemon(true);
    thread.start();
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
    Set<String> tables = tablesOf(pipeline);
    pending.merge(pipeline, tables, (a, b) -> {
      Set<String> both = new TreeSet<>(a);
      both.addAll(b);
      return both;
    });
    control.snapshotState(settings.slotName(), pipeline.name(), tables, false);
    pipeline.stats().snapshotTotal(countRows(pipeline, pipeline.mappings()));
    pipeline.advance(PipelineState.SNAPSHOT);
    incremental.add(pipeline);
    log.info("Pipeline {}: snapshot of {} ({} rows) requested", pipeline.name(), tables,
        pipeline.stats().snapshotRowsTotal());
    signalSnapshot(tables);
  }

  private static Set<String> tablesOf(Pipeline pipeline) {
    Set<String> tables = new TreeSet<>();
    pipeline.mappings().forEach(m -> tables.add(m.source().toString()));
    return tables;
  }

  /** An incremental snapshot of the tables, read by Debezium from the WAL (so it survives a restart). */
  private void signalSnapshot(Set<String> tables) {
    String id = java.util.UUID.randomUUID().toString();
    String collections = tables.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "));
    awaitedSignal = id;
    incrementalArmed = false;
    try (Connection connection = sourceDataSource.getConnection();
         PreparedStatement signal = connection.prepareStatement("INSERT INTO public." + SIGNAL_TABLE
             + " (id, type, data) VALUES (?, 'execute-snapshot', ?)")) {
      signal.setString(1, id);
      signal.setString(2, "{\"data-collections\": [" + collections + "], \"type\": \"incremental\"}");
      signal.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not request the snapshot of "
          + tables + ": " + e.getMessage(), e);
    }
  }

  /** A target table that is empty while its source table is not lost its rows: snapshot it again. */
  private boolean targetEmptied(Pipeline pipeline, TableMapping mapping) {
    if (targetDataSource == null) {
      return false;
    }
    try (Connection src = sourceDataSource.getConnection(); Statement sourceQuery = src.createStatement();
         ResultSet sourceRows = sourceQuery.executeQuery("SELECT EXISTS (SELECT 1 FROM " + mapping.source().sql() + ")")) {
      sourceRows.next();
      if (!sourceRows.getBoolean(1)) {
        return false;
      }
      try (Connection dst = targetDataSource.apply(pipeline).getConnection(); Statement targetQuery = dst.createStatement();
           ResultSet targetRows = targetQuery.executeQuery("SELECT EXISTS (SELECT 1 FROM " + mapping.target().sql() + ")")) {
        targetRows.next();
        boolean emptied = !targetRows.getBoolean(1);
        if (emptied) {
          log.warn("Pipeline {}: target {} is empty while source {} has rows: it is snapshotted again", pipeline.name(),
              mapping.target(), mapping.source());
        }
        return emptied;
      }
    } catch (SQLException e) {
      log.warn("Pipeline {}: could not compare {} with {}: {}", pipeline.name(), mapping.source(), mapping.target(),
          e.getMessage());
      return false;
    }
  }

  /**
   * Why the stored position cannot be used on this source, or null when it can (or there is none):
   * the offsets belong to another server (system identifier), the slot is gone, or the slot's
   * confirmed position is past the stored offsets (another reader moved it: changes were skipped).
   *
   * @param offset the stored offsets (null: none)
   * @param slot the slot as the source has it now
   */
  private String positionLost(String offset, Slot slot) {
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

  /** The engine's slot on the source: whether it exists and its confirmed position (LSN as a number, or null). */
  private Slot slot() {
    try (Connection connection = sourceDataSource.getConnection();
         PreparedStatement query = connection.prepareStatement(
             "SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
      query.setString(1, settings.slotName());
      try (ResultSet row = query.executeQuery()) {
        if (!row.next()) {
          return Slot.NONE;
        }
        return new Slot(true, row.getObject(1) == null ? null : row.getBigDecimal(1).longValue());
      }
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not read slot "
          + settings.slotName() + ": " + e.getMessage(), e);
    }
  }

  private record Slot(boolean exists, Long confirmed) {
    static final Slot NONE = new Slot(false, null);
  }

  /**
   * Ends the connection still reading the slot, if any: it belongs to an owner whose lease expired
   * (hung, cut off), and would keep the slot from this one. Waits up to 10 s for the slot to be free.
   */
  void endOtherReader() {
    try (Connection connection = sourceDataSource.getConnection();
         PreparedStatement end = connection.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM "
             + "pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL AND active_pid <> pg_backend_pid()");
         PreparedStatement active = connection.prepareStatement(
             "SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND active")) {
      end.setString(1, settings.slotName());
      boolean ended = false;
      try (ResultSet rows = end.executeQuery()) {
        while (rows.next()) {
          ended = true;
        }
      }
      if (!ended) {
        return;
      }
      log.warn("Capture of source {}: slot {} was still read by another connection (an owner whose lease expired): "
          + "ended", settings.datasource(), settings.slotName());
      active.setString(1, settings.slotName());
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < until) {
        try (ResultSet row = active.executeQuery()) {
          if (!row.next()) {
            return;
          }
        }
        Thread.sleep(50);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not end the old reader of slot "
          + settings.slotName() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drops the slot (a lost position's), if it is there; one still read by another process is not ours to drop. */
  private void dropSlot() {
    try (Connection connection = sourceDataSource.getConnection();
         PreparedStatement drop = connection.prepareStatement(
             "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
      drop.setString(1, settings.slotName());
      drop.execute();
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not drop slot " + settings.slotName()
          + " to snapshot again (is another process reading it?): " + e.getMessage(), e);
    }
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
    running = false;
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

  @Override
  public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                          DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    List<Outgoing> outgoing = new ArrayList<>(records.size());
    fencesInBatch.clear();
    snapshotsDoneInBatch.clear();
    long lsn = capturedLsn;
    for (RecordChangeEvent<SourceRecord> event : records) {
      route(event.record(), outgoing);
      trackInitialEnd(event.record());
      trackIncrementalEnd(event.record());
      lsn = Math.max(lsn, lsnOf(event.record()));
    }
    if (!identityRecorded && !records.isEmpty()) {
      // the slot exists now: the offsets about to be stored belong to this server
      control.sourceIdentity(settings.slotName(), SourceIdentity.systemIdentifier(sourceDataSource, source));
      identityRecorded = true;
    }
    awaitLease();
    send(outgoing);
    for (Pipeline pipeline : pipelines) {
      // Kafka or the source was away; a pause that came meanwhile stays
      if (pipeline.moveFrom(PipelineState.CAPTURE_BLOCKED,
          incremental.contains(pipeline) ? PipelineState.SNAPSHOT : PipelineState.STREAMING)) {
        log.info("Capture of pipeline {} goes on", pipeline.name());
      }
    }
    for (RecordChangeEvent<SourceRecord> event : records) {
      committer.markProcessed(event);
    }
    committer.markBatchFinished();
    snapshotsDoneInBatch.forEach(this::snapshotDone);
    Map<Pipeline, Integer> sent = new HashMap<>();
    outgoing.forEach(message -> sent.merge(message.pipeline(), 1, Integer::sum));
    sent.forEach((pipeline, count) -> pipeline.stats().captured(count));
    capturedLsn = lsn;
    // everything committed before these fences is now acknowledged by Kafka
    List<String> elsewhere = new ArrayList<>();
    for (String fence : fencesInBatch) {
      CompletableFuture<Void> waiting = awaitedFences.get(fence);
      if (waiting != null) {
        waiting.complete(null);
      } else {
        elsewhere.add(fence); // a catch-up asked of another instance waits for it
      }
    }
    if (!elsewhere.isEmpty()) {
      try {
        control.fencesCaptured(elsewhere, lsn);
      } catch (RuntimeException e) { // that catch-up times out; capture goes on
        log.warn("Capture of source {}: could not record fences {} for other instances: {}", settings.datasource(),
            elsewhere, e.getMessage());
      }
    }
  }

  /**
   * Sends nothing while the lease is not surely held (its renewal is late): the lease's owner
   * either renews it, or stops this engine once another instance took the source over.
   */
  private void awaitLease() throws InterruptedException {
    while (System.nanoTime() > leaseValidUntilNanos) {
      if (!running) {
        throw new InterruptedException("engine stopping: the capture lease of slot " + settings.slotName() + " is lost");
      }
      Thread.sleep(50);
    }
  }

  private static long lsnOf(SourceRecord record) {
    Object lsn = record.sourceOffset() == null ? null : record.sourceOffset().get("lsn");
    return lsn instanceof Number number ? number.longValue() : -1;
  }

  /**
   * Registers a fence before it is emitted on the source; the future completes once the engine
   * has sent the batch holding it to Kafka. Call {@link #forgetFence} when done waiting.
   *
   * @param id the fence's id (the message's content)
   */
  public CompletableFuture<Void> expectFence(String id) {
    return awaitedFences.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** @param id a fence registered with {@link #expectFence} */
  public void forgetFence(String id) {
    awaitedFences.remove(id);
  }

  /** The WAL position of the last change, message or heartbeat sent (or skipped) and acknowledged; -1 before any. */
  public long capturedLsn() {
    return capturedLsn;
  }

  /**
   * Adds the Kafka messages for one record: one per pipeline that maps its table and takes it
   * (not an echo from the pipeline's own target, not a snapshot row for a {@code snapshot: never}
   * pipeline). Markers, fences, heartbeats and signals are not forwarded.
   */
  private void route(SourceRecord record, List<Outgoing> outgoing) {
    if (!(record.value() instanceof Struct value) || value.schema().field("op") == null) {
      return;
    }
    Struct sourceInfo = value.schema().field("source") == null ? null : value.getStruct("source");
    Long txId = sourceInfo == null || sourceInfo.schema().field("txId") == null ? null : sourceInfo.getInt64("txId");
    String op = value.getString("op");
    if ("m".equals(op)) {
      Struct message = value.getStruct("message");
      if (message != null && Fence.PREFIX.equals(message.getString("prefix"))) {
        fencesInBatch.add(new String(message.getBytes("content"), StandardCharsets.UTF_8));
      } else if (message != null && EchoMarker.PREFIX.equals(message.getString("prefix"))) {
        echoTransaction = txId;
        echoOrigin = new String(message.getBytes("content"), StandardCharsets.UTF_8);
      }
      return;
    }
    Object snapshot = sourceInfo.schema().field("snapshot") == null ? null : sourceInfo.get("snapshot");
    String flag = snapshot == null ? "false" : snapshot.toString();
    boolean streamed = "false".equals(flag);
    boolean incrementalRow = "incremental".equals(flag);
    TableRef table = new TableRef(sourceInfo.getString("schema"), sourceInfo.getString("table"));
    if (SIGNAL_TABLE.equals(table.name()) && awaitedSignal != null && value.schema().field("after") != null
        && value.getStruct("after") != null && awaitedSignal.equals(value.getStruct("after").getString("id"))) {
      incrementalArmed = true; // Debezium read the signal: the incremental snapshot now running is ours
    }
    List<Route> readers = routes.get(table);
    boolean echo = txId != null && txId.equals(echoTransaction);
    String key = null;
    String json = null;
    for (Route route : readers == null ? List.<Route>of() : readers) {
      Pipeline pipeline = route.pipeline();
      if (echo && echoOrigin.equals(pipeline.config().target())) {
        pipeline.stats().echoDropped();
        continue;
      }
      if (!streamed && !pendingFor(pipeline, table)) {
        continue; // a snapshot row of a table this pipeline's snapshot already has (or never takes)
      }
      if (incrementalRow) {
        trackIncremental(pipeline);
      } else if (!streamed) {
        trackSnapshot(pipeline);
      }
      if (key == null) {
        String topic = route.mapping().topic();
        key = new String(keyConverter.fromConnectData(topic, record.keySchema(), record.key()), StandardCharsets.UTF_8);
        json = new String(valueConverter.fromConnectData(topic, record.valueSchema(), value), StandardCharsets.UTF_8);
      }
      outgoing.add(new Outgoing(route.mapping().topic(), key, json, pipeline));
    }
    if (streamed || "last".equals(flag)) {
      // the engine streams: so do its pipelines (but those still in a snapshot)
      for (Pipeline pipeline : pipelines) {
        if (!incremental.contains(pipeline) && !pending.containsKey(pipeline)) {
          pipeline.advance(PipelineState.STREAMING);
        }
      }
    }
  }

  private boolean pendingFor(Pipeline pipeline, TableRef table) {
    Set<String> tables = pending.get(pipeline);
    return tables != null && tables.contains(table.toString());
  }

  /**
   * The initial snapshot (from a new slot) is over with its last record, or with the first record
   * streamed after it (tables without rows have no last record).
   */
  private void trackInitialEnd(SourceRecord record) {
    if (pending.isEmpty() || record.sourceOffset() == null) {
      return;
    }
    Map<String, ?> offset = record.sourceOffset();
    // Debezium 3 writes these as booleans or as text, depending on the record
    Object snapshot = offset.get("snapshot");
    boolean inSnapshot = snapshot != null && !"false".equalsIgnoreCase(String.valueOf(snapshot));
    boolean last = "true".equalsIgnoreCase(String.valueOf(offset.get("last_snapshot_record")));
    if (record.value() instanceof Struct value && value.schema().field("source") != null
        && value.getStruct("source") != null && value.getStruct("source").schema().field("snapshot") != null) {
      String flag = String.valueOf(value.getStruct("source").get("snapshot"));
      inSnapshot = !"false".equals(flag) && !"incremental".equals(flag) && !"null".equals(flag);
      last = last || "last".equals(flag);
    }
    if (!inSnapshot || last) {
      for (Pipeline pipeline : pending.keySet()) {
        if (!incremental.contains(pipeline)) {
          snapshotsDoneInBatch.add(pipeline);
        }
      }
    }
  }

  /** Records a pipeline's snapshot as done (its rows are in Kafka) and lets it stream. */
  private void snapshotDone(Pipeline pipeline) {
    Set<String> tables = pending.remove(pipeline);
    incremental.remove(pipeline);
    snapshotStarted.remove(pipeline);
    if (tables == null) {
      return;
    }
    control.snapshotState(settings.slotName(), pipeline.name(), tables, true);
    log.info("Snapshot of pipeline {} done: {} rows of {}", pipeline.name(), pipeline.stats().snapshotRowsDone(), tables);
    pipeline.advance(PipelineState.STREAMING);
    reconcileNow(pipeline);
  }

  private void trackSnapshot(Pipeline pipeline) {
    if (snapshotStarted.add(pipeline)) {
      pipeline.stats().snapshotTotal(countRows(pipeline, pipeline.mappings()));
      pipeline.advance(PipelineState.SNAPSHOT);
    }
    long done = pipeline.stats().snapshotRow();
    if (done % SNAPSHOT_LOG_EVERY == 0) {
      log.info("Snapshot of pipeline {}: {} of {} rows", pipeline.name(), done, pipeline.stats().snapshotRowsTotal());
    }
  }

  private void trackIncremental(Pipeline pipeline) {
    long done = pipeline.stats().snapshotRow();
    if (done % SNAPSHOT_LOG_EVERY == 0) {
      log.info("Incremental snapshot of pipeline {}: {} of {} rows", pipeline.name(), done,
          pipeline.stats().snapshotRowsTotal());
    }
  }

  /**
   * Debezium keeps the state of a running incremental snapshot in the offsets of every record
   * (key {@value #INCREMENTAL_SNAPSHOT_OFFSET}); once it was there and is gone again, the snapshot
   * is complete and the pipelines that waited for it stream.
   */
  private void trackIncrementalEnd(SourceRecord record) {
    if (incremental.isEmpty() || record.sourceOffset() == null) {
      return;
    }
    boolean running = record.sourceOffset().containsKey(INCREMENTAL_SNAPSHOT_OFFSET);
    if (running) {
      incrementalSeen = incrementalArmed;
    } else if (incrementalSeen) {
      incrementalSeen = false;
      snapshotsDoneInBatch.addAll(incremental);
    }
  }

  /**
   * The planner's estimate of the tables' rows ({@code pg_class.reltuples}, summed over a partitioned
   * table's leaves), read from the catalog instead of scanning every table before it is copied; -1
   * (unknown) when a table was never vacuumed or analyzed.
   */
  private long estimateRows(Pipeline pipeline, List<TableMapping> mappings) {
    long total = 0;
    try (Connection connection = sourceDataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(
        "SELECT CASE WHEN bool_or(c.reltuples < 0) THEN -1 ELSE coalesce(sum(c.reltuples), 0)::bigint END"
            + " FROM pg_partition_tree(?::regclass) t JOIN pg_class c ON c.oid = t.relid WHERE t.isleaf")) {
      for (TableMapping mapping : mappings) {
        statement.setString(1, mapping.source().sql());
        try (ResultSet rows = statement.executeQuery()) {
          rows.next();
          long estimate = rows.getLong(1);
          if (estimate < 0) {
            return -1;
          }
          total += estimate;
        }
      }
      return total;
    } catch (Exception e) {
      log.warn("Could not estimate the rows of pipeline {}'s snapshot: {}", pipeline.name(), e.getMessage());
      return -1;
    }
  }

  private long countRows(Pipeline pipeline, List<TableMapping> mappings) {
    long total = 0;
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      for (TableMapping mapping : mappings) {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + mapping.source().sql())) {
          rows.next();
          total += rows.getLong(1);
        }
      }
      return total;
    } catch (Exception e) {
      log.warn("Could not count the rows of pipeline {}'s snapshot: {}", pipeline.name(), e.getMessage());
      return -1;
    }
  }

  /**
   * Before-images of every column, for conflict detection; set before the engine starts so that
   * no captured update or delete lacks them.
   */
  private void replicaIdentityFull() {
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      for (Pipeline pipeline : pipelines) {
        for (TableMapping mapping : pipeline.mappings()) {
          try (ResultSet identity = statement.executeQuery("SELECT relreplident FROM pg_class WHERE oid = '"
              + mapping.source().sql().replace("'", "''") + "'::regclass")) {
            if (identity.next() && !"f".equals(identity.getString(1))) {
              statement.execute("ALTER TABLE " + mapping.source().sql() + " REPLICA IDENTITY FULL");
              log.info("Pipeline {}: {} set to REPLICA IDENTITY FULL", pipeline.name(), mapping.source());
            }
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not set REPLICA IDENTITY FULL on "
          + "the captured tables: " + e.getMessage(), e);
    }
  }

  /** Creates the shared heartbeat table on the source if it is missing. */
  private void heartbeatTable() {
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS public." + HEARTBEAT_TABLE
          + " (pipeline text PRIMARY KEY, beat_at timestamptz NOT NULL)");
    } catch (Exception e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not create the heartbeat table public."
          + HEARTBEAT_TABLE + " (set strangler.sync.datasources." + settings.datasource() + ".heartbeat-interval: 0 to "
          + "run without): " + e.getMessage(), e);
    }
  }

  /** Slot names are unique per server: a slot of this name reading another database is not ours. */
  private void slotOfThisDatabase() {
    try (Connection connection = sourceDataSource.getConnection();
         PreparedStatement query = connection.prepareStatement(
             "SELECT database FROM pg_replication_slots WHERE slot_name = ? AND database <> current_database()")) {
      query.setString(1, settings.slotName());
      try (ResultSet other = query.executeQuery()) {
        if (other.next()) {
          throw new IllegalStateException("source " + settings.datasource() + ": replication slot " + settings.slotName()
              + " already exists on this server for database " + other.getString(1) + "; set strangler.sync.datasources."
              + settings.datasource() + ".slot-name to a name of its own");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not read its replication slots: "
          + e.getMessage(), e);
    }
  }

  /** Creates Debezium's signal table on the source if it is missing. */
  private void signalTable() {
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS public." + SIGNAL_TABLE
          + " (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))");
    } catch (Exception e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not create the signal table public."
          + SIGNAL_TABLE + ": " + e.getMessage(), e);
    }
  }

  /** Creates the publication, or sets its tables to exactly the engine's. */
  private void publication() {
    Set<String> tables = new TreeSet<>(mappedTables(p -> true));
    tables.add("public." + SIGNAL_TABLE);
    if (!settings.heartbeatInterval().isZero()) {
      tables.add("public." + HEARTBEAT_TABLE);
    }
    String list = tables.stream().map(t -> TableRef.parse(t).sql()).collect(Collectors.joining(", "));
    String publication = "\"" + settings.publicationName() + "\"";
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      Boolean allTables = null;
      try (ResultSet row = statement.executeQuery("SELECT puballtables FROM pg_publication WHERE pubname = '"
          + settings.publicationName() + "'")) {
        if (row.next()) {
          allTables = row.getBoolean(1);
        }
      }
      if (allTables == null) {
        statement.execute("CREATE PUBLICATION " + publication + " FOR TABLE " + list);
      } else if (!allTables) {
        statement.execute("ALTER PUBLICATION " + publication + " SET TABLE " + list);
      }
    } catch (Exception e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not create or update publication "
          + settings.publicationName() + ": " + e.getMessage(), e);
    }
  }

  /** Sends every message and waits until Kafka acknowledged all of them, retrying while Kafka is down. */
  private void send(List<Outgoing> messages) throws InterruptedException {
    List<Outgoing> pending = messages;
    long backoffMillis = 500;
    while (!pending.isEmpty()) {
      List<CompletableFuture<?>> futures = new ArrayList<>(pending.size());
      RuntimeException unreachable = null;
      for (Outgoing message : pending) {
        if (unreachable != null) {
          futures.add(CompletableFuture.failedFuture(unreachable));
          continue;
        }
        try {
          futures.add(kafka.send(message.topic(), message.key(), message.value()));
        } catch (RuntimeException e) { // no metadata within max.block.ms: the broker is unreachable
          unreachable = e;
          futures.add(CompletableFuture.failedFuture(e));
        }
      }
      int firstFailed = -1;
      String error = null;
      for (int i = 0; i < futures.size(); i++) {
        try {
          futures.get(i).get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          firstFailed = firstFailed < 0 ? i : firstFailed;
          error = e.getCause() == null ? e.toString() : e.getCause().toString();
        }
      }
      // resend everything from the first failure on, in order: a later change of a row must not
      // reach Kafka before an earlier one; duplicates are harmless to the idempotent appliers
      List<Outgoing> failed = firstFailed < 0 ? List.of() : pending.subList(firstFailed, pending.size());
      if (failed.isEmpty()) {
        return;
      }
      if (!running) {
        throw new InterruptedException("engine stopping with " + failed.size() + " unsent changes (not marked processed)");
      }
      log.warn("Kafka did not take {} changes of source {} ({}); capture waits at its WAL position, retry in {} ms",
          failed.size(), settings.datasource(), error, backoffMillis);
      for (Pipeline pipeline : pipelines) {
        pipeline.advance(PipelineState.CAPTURE_BLOCKED);
        pipeline.lastError("Kafka: " + error);
      }
      Thread.sleep(backoffMillis);
      backoffMillis = Math.min(backoffMillis * 2, 10_000);
      pending = failed;
    }
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
    incremental.remove(pipeline);
    pending.remove(pipeline);
    routes = routesOf(pipelines);
    control.forgetSnapshots(pipeline.name(), null);
    Set<String> gone = new TreeSet<>();
    pipeline.mappings().forEach(m -> gone.add(m.source().toString()));
    gone.removeAll(mappedTables(p -> true));
    if (!gone.isEmpty() && !pipelines.isEmpty()) {
      String list = gone.stream().map(t -> TableRef.parse(t).sql()).collect(Collectors.joining(", "));
      try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
        statement.execute("ALTER PUBLICATION \"" + settings.publicationName() + "\" DROP TABLE " + list);
      } catch (Exception e) {
        throw new IllegalStateException("could not drop " + gone + " from publication " + settings.publicationName()
            + ": " + e.getMessage(), e);
      }
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
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      for (int attempt = 1; ; attempt++) { // the walsender may hold the slot for a moment after the engine stopped
        try {
          statement.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
              + settings.slotName() + "'");
          break;
        } catch (SQLException active) {
          if (attempt >= 50) {
            throw active;
          }
          Thread.sleep(100);
        }
      }
      statement.execute("DROP PUBLICATION IF EXISTS \"" + settings.publicationName() + "\"");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while dropping slot " + settings.slotName(), e);
    } catch (Exception e) {
      throw new IllegalStateException("could not drop slot/publication of source " + settings.datasource() + ": "
          + e.getMessage(), e);
    }
    control.dropOffsets(settings.slotName());
    log.info("Capture of source {} retired: slot {}, publication {} and offsets dropped", settings.datasource(),
        settings.slotName(), settings.publicationName());
  }

  /** A pipeline reading a source table through one of its mappings. */
  private record Route(Pipeline pipeline, TableMapping mapping) {}

  private record Outgoing(String topic, String key, String value, Pipeline pipeline) {}
}
