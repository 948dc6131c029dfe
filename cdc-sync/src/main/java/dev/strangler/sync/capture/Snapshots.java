package dev.strangler.sync.capture;

import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TableRef;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots of one engine's pipelines: which pipeline still waits for which tables (their
 * snapshot rows go to those pipelines only), whether that is the new slot's initial snapshot or a
 * Debezium incremental one ({@code execute-snapshot} signal), when each is over (its rows
 * acknowledged by Kafka: then it is recorded as done and the pipeline streams), and the reconcile
 * of a target after a snapshot taken because the stored position was lost. Progress is counted in
 * each pipeline's stats.
 *
 * <p>{@link #plan} runs in the engine's {@code start}; the record hooks on the engine's thread;
 * {@link #request} on an admin thread, under the engine's lock.
 */
final class Snapshots {

  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
  private static final long LOG_EVERY = 10_000;
  /** the offsets key under which Debezium keeps a running incremental snapshot */
  static final String INCREMENTAL_OFFSET = "incremental_snapshot_collections";

  private final SourceSettings settings;
  private final DataSource source;
  private final Function<Pipeline, DataSource> targets;
  private final ControlDatabase control;
  private final SourceReplication replication;
  private final Set<Pipeline> started = new HashSet<>();
  /** pipelines whose tables are in an incremental snapshot: they stay SNAPSHOT until all their rows came */
  private final Set<Pipeline> incremental = ConcurrentHashMap.newKeySet();
  /** per pipeline, the tables whose snapshot it still waits for; snapshot rows go to these pipelines only */
  private final Map<Pipeline, Set<String>> pending = new ConcurrentHashMap<>();
  /** pipelines snapshotted again after a lost position: their targets lose the rows the source does not have */
  private final Set<Pipeline> reconcile = ConcurrentHashMap.newKeySet();
  /** snapshots finished in the batch being sent: recorded as done once Kafka acknowledged it */
  private final Set<Pipeline> doneInBatch = new HashSet<>();
  private boolean incrementalSeen;
  /** false from a snapshot signal until Debezium read it: an incremental snapshot ending before is another one */
  private volatile boolean incrementalArmed = true;
  private volatile String awaitedSignal;

  /**
   * @param settings the source's slot
   * @param source a pool on the source (row counts)
   * @param targets a pool on a pipeline's target (an emptied target is snapshotted again; reconciles)
   * @param control where the snapshot states are kept
   * @param replication the source's signal table
   */
  Snapshots(SourceSettings settings, DataSource source, Function<Pipeline, DataSource> targets, ControlDatabase control,
            SourceReplication replication) {
    this.settings = settings;
    this.source = source;
    this.targets = targets;
    this.control = control;
    this.replication = replication;
  }

  static boolean taken(Pipeline pipeline) {
    return pipeline.config().snapshot() != SyncProperties.Snapshot.NEVER;
  }

  static Set<String> tablesOf(Pipeline pipeline) {
    Set<String> tables = new TreeSet<>();
    pipeline.mappings().forEach(m -> tables.add(m.source().toString()));
    return tables;
  }

  /** Reads which pipelines' targets still wait for their reconcile (a crash interrupted it). */
  void reconcilesPending(List<Pipeline> pipelines) {
    reconcile.clear();
    Set<String> reconciles = control.reconcilesPending(settings.slotName());
    pipelines.stream().filter(p -> reconciles.contains(p.name())).forEach(reconcile::add);
  }

  /** Every snapshotting pipeline's target loses, after its new snapshot, the rows the source no longer has. */
  void reconcileAfterSnapshot(List<Pipeline> pipelines) {
    pipelines.stream().filter(Snapshots::taken).forEach(p -> {
      reconcile.add(p);
      control.reconcilePending(settings.slotName(), p.name(), true);
    });
  }

  /**
   * Decides, at start, which tables each pipeline's snapshot still needs: all of them from a new
   * slot ({@code fresh}); otherwise those not done, or whose target was emptied (an incremental
   * snapshot while streaming).
   *
   * @return the tables of the new slot's initial snapshot (empty unless fresh)
   */
  Set<String> plan(List<Pipeline> pipelines, boolean fresh) {
    String slot = settings.slotName();
    Map<String, Set<String>> mapped = new LinkedHashMap<>();
    pipelines.forEach(p -> mapped.put(p.name(), tablesOf(p)));
    Map<String, Map<String, Boolean>> states = control.snapshots(slot, mapped);
    pending.clear();
    incremental.clear();
    started.clear();
    incrementalArmed = true;
    Set<String> initialTables = new TreeSet<>();
    for (Pipeline pipeline : pipelines) {
      if (!taken(pipeline)) {
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
    return initialTables;
  }

  /**
   * After a start from a stored position: the incremental snapshots {@link #plan} found needed,
   * resumed where the stored offsets have one running, else requested.
   *
   * @param stored the offsets the engine starts from
   */
  void startIncremental(String stored) {
    if (incremental.isEmpty()) {
      return;
    }
    Set<String> tables = new TreeSet<>();
    incremental.forEach(p -> tables.addAll(pending.get(p)));
    incremental.forEach(p -> {
      p.stats().snapshotTotal(countRows(p, p.mappings().stream()
          .filter(m -> pending.get(p).contains(m.source().toString())).toList()));
      p.advance(PipelineState.SNAPSHOT);
      log.info("Pipeline {}: snapshot of {} not done (added later, re-enabled, interrupted or target emptied); "
          + "incremental snapshot of {} rows while streaming", p.name(), pending.get(p), p.stats().snapshotRowsTotal());
    });
    boolean covered = stored != null && stored.contains(INCREMENTAL_OFFSET) && tables.stream().allMatch(stored::contains);
    if (covered) {
      log.info("Source {}: the incremental snapshot of {} resumes where it was", settings.datasource(), tables);
    } else {
      signal(tables);
    }
  }

  /** A reconcile a crash interrupted after its pipeline's snapshot was done: the slot exists, do it now. */
  void reconcileInterrupted() {
    reconcile.stream().filter(p -> !pending.containsKey(p)).toList().forEach(this::reconcileNow);
  }

  /** The tables of the new slot's snapshot to copy ({@link CopySnapshot}), each pipeline in SNAPSHOT with its estimate. */
  List<CopySnapshot.Table> toCopy() {
    List<CopySnapshot.Table> tables = new java.util.ArrayList<>();
    pending.forEach((pipeline, names) -> {
      pipeline.stats().snapshotTotal(estimateRows(pipeline, pipeline.mappings().stream()
          .filter(m -> names.contains(m.source().toString())).toList()));
      pipeline.advance(PipelineState.SNAPSHOT);
      boolean sourceWins = pipeline.config().conflictWinner() == SyncProperties.ConflictWinner.SOURCE;
      pipeline.mappings().stream().filter(m -> names.contains(m.source().toString())).forEach(m ->
          tables.add(new CopySnapshot.Table(pipeline, m, targets.apply(pipeline), sourceWins)));
    });
    return tables;
  }

  /**
   * The copy is over: pipelines with every table copied are done, the others wait for an
   * incremental snapshot of the tables left.
   *
   * @param notCopied per pipeline, the tables whose copy failed
   * @return the tables left to snapshot (empty: none)
   */
  Set<String> copied(Map<Pipeline, Set<String>> notCopied) {
    for (Pipeline pipeline : List.copyOf(pending.keySet())) {
      Set<String> left = notCopied.get(pipeline);
      if (left == null) {
        pipeline.stats().snapshotTotal(pipeline.stats().snapshotRowsDone()); // the estimate replaced by the count
        done(pipeline);
      } else {
        pending.put(pipeline, left);
        incremental.add(pipeline);
      }
    }
    Set<String> left = new TreeSet<>();
    notCopied.values().forEach(left::addAll);
    return left;
  }

  /**
   * Takes the pipeline's snapshot again (admin): an incremental snapshot of its tables, routed to it
   * alone, while streaming goes on.
   */
  void request(Pipeline pipeline) {
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
    signal(tables);
  }

  /** A retired pipeline waits for no snapshot; it is snapshotted again if it comes back. */
  void detach(Pipeline pipeline) {
    incremental.remove(pipeline);
    pending.remove(pipeline);
    control.forgetSnapshots(pipeline.name(), null);
  }

  /** An incremental snapshot of the tables, read by Debezium from the WAL (so it survives a restart). */
  void signal(Set<String> tables) {
    String id = java.util.UUID.randomUUID().toString();
    awaitedSignal = id;
    incrementalArmed = false;
    replication.signalSnapshot(id, tables);
  }

  /** Whether the pipeline waits for a snapshot of some of its tables (so it does not stream yet). */
  boolean snapshotting(Pipeline pipeline) {
    return incremental.contains(pipeline) || pending.containsKey(pipeline);
  }

  /** Whether the pipeline is in an incremental snapshot. */
  boolean incremental(Pipeline pipeline) {
    return incremental.contains(pipeline);
  }

  /** Whether a snapshot row of {@code table} goes to the pipeline: its snapshot waits for the table. */
  boolean pendingFor(Pipeline pipeline, TableRef table) {
    Set<String> tables = pending.get(pipeline);
    return tables != null && tables.contains(table.toString());
  }

  /** Debezium read a signal row: if it is the one last sent, the incremental snapshot running now is ours. */
  void signalRead(String id) {
    if (awaitedSignal != null && awaitedSignal.equals(id)) {
      incrementalArmed = true;
    }
  }

  /** A snapshot row went to the pipeline: counted (and, for the initial snapshot's first row, the pipeline shows SNAPSHOT). */
  void rowSent(Pipeline pipeline, boolean incrementalRow) {
    if (!incrementalRow && started.add(pipeline)) {
      pipeline.stats().snapshotTotal(countRows(pipeline, pipeline.mappings()));
      pipeline.advance(PipelineState.SNAPSHOT);
    }
    long done = pipeline.stats().snapshotRow();
    if (done % LOG_EVERY == 0) {
      log.info("{} of pipeline {}: {} of {} rows", incrementalRow ? "Incremental snapshot" : "Snapshot", pipeline.name(),
          done, pipeline.stats().snapshotRowsTotal());
    }
  }

  void batchStarts() {
    doneInBatch.clear();
  }

  /** Notes the snapshots a record ends (done once its batch is in Kafka). */
  void track(SourceRecord record) {
    trackInitialEnd(record);
    trackIncrementalEnd(record);
  }

  /** The batch is in Kafka: the snapshots it ended are recorded as done, and their pipelines stream. */
  void batchAcknowledged() {
    doneInBatch.forEach(this::done);
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
          doneInBatch.add(pipeline);
        }
      }
    }
  }

  /**
   * Debezium keeps the state of a running incremental snapshot in the offsets of every record
   * (key {@value #INCREMENTAL_OFFSET}); once it was there and is gone again, the snapshot is
   * complete and the pipelines that waited for it stream.
   */
  private void trackIncrementalEnd(SourceRecord record) {
    if (incremental.isEmpty() || record.sourceOffset() == null) {
      return;
    }
    boolean running = record.sourceOffset().containsKey(INCREMENTAL_OFFSET);
    if (running) {
      incrementalSeen = incrementalArmed;
    } else if (incrementalSeen) {
      incrementalSeen = false;
      doneInBatch.addAll(incremental);
    }
  }

  /** Records a pipeline's snapshot as done (its rows are in Kafka) and lets it stream. */
  private void done(Pipeline pipeline) {
    Set<String> tables = pending.remove(pipeline);
    incremental.remove(pipeline);
    started.remove(pipeline);
    if (tables == null) {
      return;
    }
    control.snapshotState(settings.slotName(), pipeline.name(), tables, true);
    log.info("Snapshot of pipeline {} done: {} rows of {}", pipeline.name(), pipeline.stats().snapshotRowsDone(), tables);
    pipeline.advance(PipelineState.STREAMING);
    reconcileNow(pipeline);
  }

  /** Reconciles the pipeline's target on a thread of its own; recorded as done only once it was. */
  private void reconcileNow(Pipeline pipeline) {
    if (!reconcile.remove(pipeline)) {
      return;
    }
    Thread thread = new Thread(() -> {
      try {
        new TargetReconciler(source, targets.apply(pipeline)).reconcile(pipeline);
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
   * The planner's estimate of the tables' rows ({@code pg_class.reltuples}, summed over a partitioned
   * table's leaves), read from the catalog instead of scanning every table before it is copied; -1
   * (unknown) when a table was never vacuumed or analyzed.
   */
  private long estimateRows(Pipeline pipeline, List<TableMapping> mappings) {
    long total = 0;
    try (Connection connection = source.getConnection(); PreparedStatement statement = connection.prepareStatement(
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
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
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

  /** A target table that is empty while its source table is not lost its rows: snapshot it again. */
  private boolean targetEmptied(Pipeline pipeline, TableMapping mapping) {
    try (Connection src = source.getConnection(); Statement sourceQuery = src.createStatement();
         ResultSet sourceRows = sourceQuery.executeQuery("SELECT EXISTS (SELECT 1 FROM " + mapping.source().sql() + ")")) {
      sourceRows.next();
      if (!sourceRows.getBoolean(1)) {
        return false;
      }
      try (Connection dst = targets.apply(pipeline).getConnection(); Statement targetQuery = dst.createStatement();
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
}
