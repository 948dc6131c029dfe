package dev.strangler.sync.capture;

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
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * One Debezium embedded engine (pgoutput) for one pipeline: snapshot of the mapped tables, then
 * streaming, each change sent to the pipeline's Kafka topic for its table, keyed by the primary
 * key, in Debezium's standard envelope (JSON without schemas). A record is marked processed only
 * after Kafka acknowledged it, so offsets (in the control database) never run ahead of Kafka;
 * when Kafka is down the engine waits in {@link #handleBatch} and keeps its WAL position.
 *
 * <p>Runs on its own single thread; {@link #stop()} closes the engine and waits a bounded time.
 */
public final class CaptureEngine implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

  private static final Logger log = LoggerFactory.getLogger(CaptureEngine.class);
  private static final long SNAPSHOT_LOG_EVERY = 10_000;

  private final Pipeline pipeline;
  private final SyncProperties.Datasource source;
  private final DataSource sourceDataSource;
  private final ControlDatabase control;
  private final KafkaTemplate<String, String> kafka;
  private final JsonConverter keyConverter = new JsonConverter();
  private final JsonConverter valueConverter = new JsonConverter();
  private ExecutorService executor;
  private DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private volatile boolean running;
  private Long echoTransaction;
  private boolean snapshotTotalKnown;
  /** fences a catch-up waits for, by id; completed once the batch holding the fence is in Kafka */
  private final Map<String, CompletableFuture<Void>> awaitedFences = new ConcurrentHashMap<>();
  private final List<String> fencesInBatch = new ArrayList<>();
  private volatile long capturedLsn = -1;

  /** The shared heartbeat table on a source (one row per pipeline), written by Debezium's heartbeat action query. */
  public static final String HEARTBEAT_TABLE = "strangler_sync_heartbeat";

  /**
   * @param pipeline the pipeline captured
   * @param source its source datasource's connection settings
   * @param sourceDataSource a pool on the source, for snapshot row counts and retiring
   * @param control where offsets are stored
   * @param kafka the producer (acks=all)
   */
  public CaptureEngine(Pipeline pipeline, SyncProperties.Datasource source, DataSource sourceDataSource,
                       ControlDatabase control, KafkaTemplate<String, String> kafka) {
    this.pipeline = pipeline;
    this.source = source;
    this.sourceDataSource = sourceDataSource;
    this.control = control;
    this.kafka = kafka;
    keyConverter.configure(Map.of("schemas.enable", "false"), true);
    valueConverter.configure(Map.of("schemas.enable", "false"), false);
  }

  /** Debezium settings for this pipeline. */
  Properties debeziumProperties() {
    SourceDatabase database = SourceDatabase.parse(source.url());
    String id = pipeline.slotName();
    Properties props = new Properties();
    props.setProperty("name", pipeline.name());
    props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    props.setProperty("offset.storage", "io.debezium.storage.jdbc.offset.JdbcOffsetBackingStore");
    props.setProperty("offset.storage.jdbc.connection.url", control.url());
    props.setProperty("offset.storage.jdbc.connection.user", control.username());
    props.setProperty("offset.storage.jdbc.connection.password", control.password() == null ? "" : control.password());
    props.setProperty("offset.storage.jdbc.table.name", control.offsetTable(pipeline.name()));
    props.setProperty("offset.flush.interval.ms", "200");
    props.setProperty("database.hostname", database.host());
    props.setProperty("database.port", Integer.toString(database.port()));
    props.setProperty("database.dbname", database.database());
    props.setProperty("database.user", source.username() == null ? "" : source.username());
    props.setProperty("database.password", source.password() == null ? "" : source.password());
    props.setProperty("topic.prefix", id);
    props.setProperty("plugin.name", "pgoutput");
    props.setProperty("slot.name", pipeline.slotName());
    props.setProperty("publication.name", pipeline.publicationName());
    props.setProperty("publication.autocreate.mode", "filtered");
    String tables = pipeline.mappings().stream().map(m -> m.source().schema() + "\\." + m.source().name())
        .collect(Collectors.joining(","));
    long heartbeatMillis = pipeline.config().heartbeatInterval().toMillis();
    if (heartbeatMillis > 0) {
      // the heartbeat table is in the publication so that its changes reach the engine and move
      // the slot's confirmed position even when the mapped tables are idle; they are not forwarded
      tables += ",public\\." + HEARTBEAT_TABLE;
      props.setProperty("heartbeat.interval.ms", Long.toString(heartbeatMillis));
      props.setProperty("heartbeat.action.query", "INSERT INTO public." + HEARTBEAT_TABLE
          + " (pipeline, beat_at) VALUES ('" + pipeline.name().replace("'", "''") + "', now()) "
          + "ON CONFLICT (pipeline) DO UPDATE SET beat_at = excluded.beat_at");
    }
    props.setProperty("table.include.list", tables);
    props.setProperty("snapshot.mode",
        pipeline.config().snapshot() == SyncProperties.Snapshot.NEVER ? "no_data" : "initial");
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
    props.setProperty("errors.max.retries", "-1");
    return props;
  }

  /** Starts the engine on its own thread. */
  public synchronized void start() {
    if (running) {
      return;
    }
    replicaIdentityFull();
    if (!pipeline.config().heartbeatInterval().isZero()) {
      heartbeatTable();
    }
    engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
        .using(debeziumProperties())
        .notifying(this)
        .using((success, message, error) -> {
          if (!success && running) {
            log.error("Capture of pipeline {} stopped: {}", pipeline.name(), message, error);
            pipeline.failed("capture stopped: " + message);
          } else {
            log.info("Capture of pipeline {} ended: {}", pipeline.name(), message);
          }
          running = false;
        })
        .build();
    executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "capture-" + pipeline.name()));
    running = true;
    executor.execute(engine);
    log.info("Capture of pipeline {} started (slot {}, publication {})", pipeline.name(), pipeline.slotName(),
        pipeline.publicationName());
  }

  /** Closes the engine (it flushes offsets of what Kafka acknowledged) and waits up to 30 s. */
  public synchronized void stop() {
    if (engine == null) {
      return;
    }
    running = false;
    try {
      engine.close();
    } catch (IOException e) {
      log.warn("Closing the capture engine of pipeline {} failed: {}", pipeline.name(), e.getMessage());
    }
    executor.shutdown();
    try {
      if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("Capture engine of pipeline {} did not stop in 30 s; interrupting", pipeline.name());
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
    engine = null;
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
    long lsn = capturedLsn;
    for (RecordChangeEvent<SourceRecord> event : records) {
      Outgoing message = toMessage(event.record());
      if (message != null) {
        outgoing.add(message);
      }
      lsn = Math.max(lsn, lsnOf(event.record()));
    }
    send(outgoing);
    for (RecordChangeEvent<SourceRecord> event : records) {
      committer.markProcessed(event);
    }
    committer.markBatchFinished();
    pipeline.stats().captured(outgoing.size());
    capturedLsn = lsn;
    // everything committed before these fences is now acknowledged by Kafka
    for (String fence : fencesInBatch) {
      CompletableFuture<Void> waiting = awaitedFences.get(fence);
      if (waiting != null) {
        waiting.complete(null);
      }
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

  /** The Kafka message for a data change; null for what is not forwarded (markers, echoes, heartbeats). */
  private Outgoing toMessage(SourceRecord record) {
    if (!(record.value() instanceof Struct value) || value.schema().field("op") == null) {
      return null;
    }
    Struct sourceInfo = value.schema().field("source") == null ? null : value.getStruct("source");
    Long txId = sourceInfo == null || sourceInfo.schema().field("txId") == null ? null : sourceInfo.getInt64("txId");
    String op = value.getString("op");
    if ("m".equals(op)) {
      Struct message = value.getStruct("message");
      if (message != null && Fence.PREFIX.equals(message.getString("prefix"))) {
        fencesInBatch.add(new String(message.getBytes("content"), StandardCharsets.UTF_8));
      } else if (message != null && EchoMarker.PREFIX.equals(message.getString("prefix"))) {
        String origin = new String(message.getBytes("content"), StandardCharsets.UTF_8);
        if (origin.equals(pipeline.config().target())) {
          echoTransaction = txId;
        }
      }
      return null;
    }
    if (txId != null && txId.equals(echoTransaction)) {
      pipeline.stats().echoDropped();
      return null;
    }
    TableRef table = new TableRef(sourceInfo.getString("schema"), sourceInfo.getString("table"));
    TableMapping mapping = pipeline.bySource(table);
    if (mapping == null) { // the heartbeat table: its last snapshot row or a streamed beat still moves the state on
      Object snapshot = sourceInfo.schema().field("snapshot") == null ? null : sourceInfo.get("snapshot");
      String flag = snapshot == null ? "false" : snapshot.toString();
      if ("false".equals(flag) || "last".equals(flag)) {
        pipeline.advance(PipelineState.STREAMING);
      }
      return null;
    }
    trackSnapshot(sourceInfo);
    String key = new String(keyConverter.fromConnectData(mapping.topic(), record.keySchema(), record.key()),
        StandardCharsets.UTF_8);
    String json = new String(valueConverter.fromConnectData(mapping.topic(), record.valueSchema(), value),
        StandardCharsets.UTF_8);
    return new Outgoing(mapping.topic(), key, json);
  }

  private void trackSnapshot(Struct sourceInfo) {
    Object snapshot = sourceInfo.schema().field("snapshot") == null ? null : sourceInfo.get("snapshot");
    String flag = snapshot == null ? "false" : snapshot.toString();
    if ("false".equals(flag) || "incremental".equals(flag)) {
      pipeline.advance(PipelineState.STREAMING);
      return;
    }
    if (!snapshotTotalKnown) {
      snapshotTotalKnown = true;
      pipeline.stats().snapshotTotal(countSourceRows());
      pipeline.advance(PipelineState.SNAPSHOT);
    }
    long done = pipeline.stats().snapshotRow();
    if (done % SNAPSHOT_LOG_EVERY == 0) {
      log.info("Snapshot of pipeline {}: {} of {} rows", pipeline.name(), done, pipeline.stats().snapshotRowsTotal());
    }
    if ("last".equals(flag)) {
      log.info("Snapshot of pipeline {} done: {} rows", pipeline.name(), done);
      pipeline.advance(PipelineState.STREAMING);
    }
  }

  private long countSourceRows() {
    long total = 0;
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      for (TableMapping mapping : pipeline.mappings()) {
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
      for (TableMapping mapping : pipeline.mappings()) {
        try (ResultSet identity = statement.executeQuery("SELECT relreplident FROM pg_class WHERE oid = '"
            + mapping.source().sql().replace("'", "''") + "'::regclass")) {
          if (identity.next() && !"f".equals(identity.getString(1))) {
            statement.execute("ALTER TABLE " + mapping.source().sql() + " REPLICA IDENTITY FULL");
            log.info("Pipeline {}: {} set to REPLICA IDENTITY FULL", pipeline.name(), mapping.source());
          }
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("pipeline " + pipeline.name() + ": could not set REPLICA IDENTITY FULL on its "
          + "source tables: " + e.getMessage(), e);
    }
  }

  /** Creates the shared heartbeat table on the source if it is missing. */
  private void heartbeatTable() {
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS public." + HEARTBEAT_TABLE
          + " (pipeline text PRIMARY KEY, beat_at timestamptz NOT NULL)");
    } catch (Exception e) {
      throw new IllegalStateException("pipeline " + pipeline.name() + ": could not create the heartbeat table public."
          + HEARTBEAT_TABLE + " on its source (set heartbeat-interval: 0 to run without): " + e.getMessage(), e);
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
        if (pipeline.state() == PipelineState.CAPTURE_BLOCKED) {
          log.info("Kafka is back: capture of pipeline {} goes on", pipeline.name());
          pipeline.state(PipelineState.STREAMING);
        }
        return;
      }
      if (!running) {
        throw new InterruptedException("engine stopping with " + failed.size() + " unsent changes (not marked processed)");
      }
      log.warn("Kafka did not take {} changes of pipeline {} ({}); capture waits at its WAL position, retry in {} ms",
          failed.size(), pipeline.name(), error, backoffMillis);
      pipeline.advance(PipelineState.CAPTURE_BLOCKED);
      pipeline.lastError("Kafka: " + error);
      Thread.sleep(backoffMillis);
      backoffMillis = Math.min(backoffMillis * 2, 10_000);
      pending = failed;
    }
  }

  /**
   * Drops the pipeline's replication slot and publication on the source, so PostgreSQL stops
   * keeping WAL for it. The engine must be stopped first.
   */
  public void retire() {
    try (Connection connection = sourceDataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
          + pipeline.slotName() + "'");
      statement.execute("DROP PUBLICATION IF EXISTS \"" + pipeline.publicationName() + "\"");
    } catch (Exception e) {
      throw new IllegalStateException("could not drop slot/publication of pipeline " + pipeline.name() + ": "
          + e.getMessage(), e);
    }
    control.dropOffsets(pipeline.name());
    log.info("Pipeline {} retired: slot {} and publication {} dropped", pipeline.name(), pipeline.slotName(),
        pipeline.publicationName());
  }

  private record Outgoing(String topic, String key, String value) {}
}
