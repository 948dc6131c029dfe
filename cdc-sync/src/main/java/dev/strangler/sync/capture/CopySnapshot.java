package dev.strangler.sync.capture;

import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.ColumnMapping;
import dev.strangler.sync.mapping.Sql;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;
import org.postgresql.replication.ReplicationSlotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The initial snapshot of a new slot, copied by cdc-sync straight from the source into the
 * targets instead of through Debezium and Kafka (PeerDB and pgstream do the same). The slot is
 * created on a replication connection that exports its snapshot: the rows as of the slot's
 * consistent point. Workers import that snapshot ({@code SET TRANSACTION SNAPSHOT}), {@code COPY}
 * block ranges ({@code ctid}) of each table out of the source and into a staging table on the
 * target, and insert from there through the mapping (casts, conversions, defaults), one target
 * transaction per range, each carrying the {@link EchoMarker} and applied with replication's role.
 * Streaming then starts at the consistent point, so every change made after the snapshot is
 * applied on top of it and none made before it. Rows the target already has are updated (or kept,
 * when the target wins conflicts), as a snapshot row through Kafka would be.
 *
 * <p>The exported snapshot lives as long as the replication connection: {@link #close} ends both.
 */
final class CopySnapshot implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CopySnapshot.class);

  private final SyncProperties.Datasource source;
  private final Connection replication;
  private final String snapshotName;
  private final long consistentPoint;
  private final List<Connection> open = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean cancelled;

  private CopySnapshot(SyncProperties.Datasource source, Connection replication, ReplicationSlotInfo slot) {
    this.source = source;
    this.replication = replication;
    this.snapshotName = slot.getSnapshotName();
    this.consistentPoint = slot.getConsistentPoint().asLong();
  }

  /** Creates the logical (pgoutput) slot on the source, exporting its snapshot. */
  static CopySnapshot createSlot(SyncProperties.Datasource source, String slot) {
    Properties properties = credentials(source);
    properties.setProperty("replication", "database");
    properties.setProperty("assumeMinServerVersion", "10");
    properties.setProperty("preferQueryMode", "simple");
    Connection replication = null;
    try {
      replication = DriverManager.getConnection(source.url(), properties);
      ReplicationSlotInfo info = replication.unwrap(PGConnection.class).getReplicationAPI().createReplicationSlot()
          .logical().withSlotName(slot).withOutputPlugin("pgoutput").make();
      if (info.getSnapshotName() == null) {
        throw new SQLException("the server exported no snapshot with slot " + slot);
      }
      return new CopySnapshot(source, replication, info);
    } catch (SQLException e) {
      closeQuietly(replication);
      throw new IllegalStateException("could not create replication slot " + slot + " on " + source.url() + ": "
          + e.getMessage(), e);
    }
  }

  /** The slot's consistent point (an LSN as a number): streaming starts here. */
  long consistentPoint() {
    return consistentPoint;
  }

  /** One pipeline's table to copy, into that pipeline's target. */
  record Table(Pipeline pipeline, TableMapping mapping, DataSource target, boolean sourceWins) {}

  /**
   * Copies every table in ranges of {@code rangeBlocks} blocks, spread over {@code threads} source connections.
   *
   * @param owner checked before each range is committed: false once this instance lost the
   *     source's capture lease (a newer copy or stream may have written the rows since)
   * @return per table, why its copy failed; the others are complete
   */
  Map<Table, String> copy(List<Table> tables, int threads, long rangeBlocks, BooleanSupplier owner) throws InterruptedException {
    Map<Table, String> failed = new ConcurrentHashMap<>();
    List<Range> ranges = new ArrayList<>();
    try (Connection connection = snapshotConnection()) {
      for (Table table : tables) {
        long blocks = blocks(connection, table.mapping());
        for (long from = 0; from < blocks; from += rangeBlocks) {
          ranges.add(new Range(table, from, from + rangeBlocks >= blocks ? -1 : from + rangeBlocks));
        }
      }
    } catch (SQLException e) {
      tables.forEach(t -> failed.put(t, e.getMessage()));
      return failed;
    }
    java.util.concurrent.BlockingQueue<Range> queue = new java.util.concurrent.LinkedBlockingQueue<>(ranges);
    ExecutorService workers = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, ranges.size())),
        r -> new Thread(r, "snapshot-copy"));
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < Math.max(1, Math.min(threads, ranges.size())); i++) {
        done.add(workers.submit(() -> work(queue, failed, owner)));
      }
      for (Future<?> future : done) {
        try {
          future.get();
        } catch (java.util.concurrent.ExecutionException e) {
          tables.forEach(t -> failed.putIfAbsent(t, String.valueOf(e.getCause())));
        }
      }
    } finally {
      workers.shutdownNow();
    }
    return failed;
  }

  private void work(java.util.concurrent.BlockingQueue<Range> queue, Map<Table, String> failed, BooleanSupplier owner) {
    try (Connection snapshot = snapshotConnection()) {
      Range range;
      while (!cancelled && (range = queue.poll()) != null) {
        if (failed.containsKey(range.table())) {
          continue;
        }
        try {
          copy(snapshot, range, owner);
        } catch (SQLException | RuntimeException e) {
          failed.putIfAbsent(range.table(), e.getMessage());
          log.warn("Pipeline {}: copying {} failed ({}); the table is snapshotted through the stream instead",
              range.table().pipeline().name(), range.table().mapping().source(), e.getMessage());
          if (snapshot.isClosed() || !snapshot.isValid(1)) {
            // the snapshot's connection broke: every table still queued goes through the stream
            queue.forEach(r -> failed.putIfAbsent(r.table(), "the copy's source connection broke"));
            return;
          }
          snapshot.rollback();
          snapshot.setAutoCommit(false);
          importSnapshot(snapshot);
        }
      }
    } catch (SQLException e) {
      queue.forEach(r -> failed.putIfAbsent(r.table(), e.getMessage()));
    }
    if (cancelled) {
      queue.forEach(r -> failed.putIfAbsent(r.table(), "stopped"));
    }
  }

  /** One range: out of the source with COPY, into a staging table, then inserted through the mapping. */
  private void copy(Connection snapshot, Range range, BooleanSupplier owner) throws SQLException {
    Table table = range.table();
    TableMapping mapping = table.mapping();
    List<ColumnMapping> columns = mapping.columns();
    Function<ColumnMapping, String> staged = c -> "s.c" + columns.indexOf(c);
    String select = "SELECT " + columns.stream().map(c -> Sql.quote(c.source().name())).collect(Collectors.joining(", "))
        + " FROM " + mapping.source().sql() + range.where();
    try (Connection target = table.target().getConnection()) {
      open.add(target);
      try {
        target.setAutoCommit(false);
        Sql.replicaRole(target);
        try (PreparedStatement marker = target.prepareStatement(EchoMarker.SQL); Statement statement = target.createStatement()) {
          marker.setString(1, table.pipeline().config().source());
          marker.execute();
          statement.execute("CREATE TEMP TABLE strangler_copy (" + java.util.stream.IntStream.range(0, columns.size())
              .mapToObj(i -> "c" + i + " text").collect(Collectors.joining(", ")) + ") ON COMMIT DROP");
          CopyIn in = target.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY pg_temp.strangler_copy FROM STDIN");
          long rows = 0;
          try {
            CopyOut out = snapshot.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + select + ") TO STDOUT");
            try {
              byte[] row;
              while ((row = out.readFromCopy()) != null) {
                in.writeToCopy(row, 0, row.length);
                rows++;
              }
            } finally {
              if (out.isActive()) {
                out.cancelCopy(); // the target failed mid-range: the source connection can go on
              }
            }
            in.endCopy();
          } finally {
            if (in.isActive()) {
              in.cancelCopy();
            }
          }
          statement.executeUpdate(mapping.insert(staged, "pg_temp.strangler_copy s", table.sourceWins()));
          if (!owner.getAsBoolean()) {
            throw new IllegalStateException("the capture lease of this source was lost; the copy stops");
          }
          target.commit();
          table.pipeline().stats().snapshotRows(rows);
        } catch (SQLException | RuntimeException e) {
          target.rollback();
          throw e;
        }
      } finally {
        open.remove(target);
      }
    }
  }

  /** A connection on the source inside the exported snapshot (a read-only repeatable-read transaction). */
  private Connection snapshotConnection() throws SQLException {
    Connection connection = DriverManager.getConnection(source.url(), credentials(source));
    open.add(connection);
    try {
      connection.setAutoCommit(false);
      importSnapshot(connection);
      return connection;
    } catch (SQLException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  private void importSnapshot(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      statement.execute("SET TRANSACTION SNAPSHOT '" + snapshotName + "'");
    }
  }

  /**
   * The table's size in blocks, one more than it has (it may have grown since the snapshot; a range
   * past its end finds no rows). A partitioned table has no blocks of its own: one range, whose
   * {@code ctid} bound holds in each partition, copies it whole.
   */
  private static long blocks(Connection connection, TableMapping mapping) throws SQLException {
    try (PreparedStatement size = connection.prepareStatement(
        "SELECT pg_relation_size(?::regclass) / current_setting('block_size')::bigint")) {
      size.setString(1, mapping.source().sql());
      try (ResultSet row = size.executeQuery()) {
        row.next();
        return row.getLong(1) + 1;
      }
    }
  }

  /** Ends the copy now (the engine stops): its open transactions are rolled back by their servers. */
  void cancel() {
    cancelled = true;
    open.forEach(CopySnapshot::closeQuietly);
  }

  /** Ends the exported snapshot (and the replication connection that holds it). */
  @Override
  public void close() {
    closeQuietly(replication);
  }

  private static Properties credentials(SyncProperties.Datasource source) {
    Properties properties = new Properties();
    properties.setProperty("user", source.username() == null ? "" : source.username());
    properties.setProperty("password", source.password() == null ? "" : source.password());
    return properties;
  }

  private static void closeQuietly(Connection connection) {
    try {
      if (connection != null) {
        connection.close();
      }
    } catch (SQLException ignored) {
      // closing: nothing left to do with it
    }
  }

  /** Blocks {@code [from, to)} of a table; {@code to} -1: to the end. */
  private record Range(Table table, long from, long to) {
    String where() {
      return " WHERE ctid >= '(" + from + ",0)'::tid" + (to < 0 ? "" : " AND ctid < '(" + to + ",0)'::tid");
    }
  }
}
