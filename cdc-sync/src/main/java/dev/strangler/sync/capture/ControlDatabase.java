package dev.strangler.sync.capture;

import dev.strangler.sync.config.SyncProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.stereotype.Component;

/**
 * cdc-sync's own database ({@code spring.datasource}, embedded PostgreSQL by default), where the
 * capture engines keep their offsets: one table per engine (per source slot),
 * {@code strangler_sync_offsets_<slot>} (Debezium's JDBC offset store rewrites its whole table on each
 * flush, so engines must not share one); in {@code strangler_sync_snapshots}, per slot, pipeline and
 * table, whether the pipeline's snapshot of the table is done (a pipeline whose snapshot is not done
 * gets one, whatever the other pipelines of the source did); and in {@code strangler_sync_sources}
 * which server the offsets of a slot belong to (its system identifier), so offsets are never used
 * on another server; in {@code strangler_sync_reconciles} the pipelines whose targets still have to
 * lose the rows the source deleted while no position was kept (done after their new snapshot, kept
 * across a crash). What every instance of a deployment shares: in {@code strangler_sync_leases} who
 * captures each slot; in {@code strangler_sync_paused} the pipelines paused (by any instance; every
 * instance follows); in {@code strangler_sync_fences} the catch-up fences the capturing instance has
 * in Kafka, so a catch-up asked of any instance sees them; in {@code strangler_sync_instances} each
 * instance's last heartbeat, with what it does (see {@code InstanceHeartbeat}).
 */
@Component
public class ControlDatabase {

  /** the table of the version before per-pipeline snapshots: read once, for an upgrade */
  private static final String CAPTURED_TABLES = "strangler_sync_captured_tables";
  private static final String SNAPSHOTS = "strangler_sync_snapshots";
  private static final String SOURCES = "strangler_sync_sources";
  private static final String RECONCILES = "strangler_sync_reconciles";
  static final String LEASES = "strangler_sync_leases";
  private static final String PAUSED = "strangler_sync_paused";
  private static final String FENCES = "strangler_sync_fences";
  private static final String INSTANCES = "strangler_sync_instances";

  private volatile boolean tablesCreated;
  private final JdbcConnectionDetails details;
  private final DataSource dataSource;

  /**
   * @param details the control database's connection settings
   * @param dataSource a pool on it
   */
  public ControlDatabase(JdbcConnectionDetails details, DataSource dataSource) {
    this.details = details;
    this.dataSource = dataSource;
  }

  String url() { return details.getJdbcUrl(); }
  String username() { return details.getUsername(); }
  String password() { return details.getPassword(); }

  String offsetTable(String slot) {
    return SyncProperties.identifier("strangler_sync_offsets_"
        + slot.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"));
  }

  /** Forgets an engine's offsets and captured tables: the next start snapshots again. */
  public void dropOffsets(String slot) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + offsetTable(slot));
      tables(statement);
      String quoted = "'" + slot.replace("'", "''") + "'";
      statement.execute("DELETE FROM " + CAPTURED_TABLES + " WHERE slot = " + quoted);
      statement.execute("DELETE FROM " + SNAPSHOTS + " WHERE slot = " + quoted);
      statement.execute("DELETE FROM " + SOURCES + " WHERE slot = " + quoted);
      statement.execute("DELETE FROM " + RECONCILES + " WHERE slot = " + quoted);
    } catch (Exception e) {
      throw new IllegalStateException("could not drop the offsets of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the engine's stored offsets with {@code offset} (Debezium's JDBC offset store keeps
   * one key per engine; every row of it is set), e.g. a streaming position in place of an
   * interrupted snapshot's.
   */
  void replaceOffsets(String slot, String offset) {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement update = connection.prepareStatement("UPDATE " + offsetTable(slot) + " SET offset_val = ?")) {
      update.setString(1, offset);
      update.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("could not write the offsets of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * After cdc-sync copied a new slot's snapshot itself ({@link CopySnapshot}): in one transaction,
   * the engine's first offsets (streaming from the slot's consistent point {@code lsn}, in
   * Debezium's JDBC offset store format, so the engine starts there and not at the server's current
   * position), the server they belong to, and the pipelines' tables whose copy is done.
   *
   * @param copied per pipeline, the tables copied
   */
  void snapshotCopied(String slot, long lsn, String systemIdentifier, Map<String, Set<String>> copied) {
    // the engine's name and topic prefix are both the slot (see CaptureEngine#debeziumProperties)
    String key = "[\"" + slot + "\",{\"server\":\"" + slot + "\"}]";
    String value = "{\"lsn\":" + lsn + ",\"ts_usec\":" + java.time.Instant.now().toEpochMilli() * 1000 + "}";
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      connection.setAutoCommit(false);
      statement.execute("CREATE TABLE IF NOT EXISTS " + offsetTable(slot) + " (id VARCHAR(36) NOT NULL, "
          + "offset_key VARCHAR(1255), offset_val VARCHAR(1255), record_insert_ts TIMESTAMP NOT NULL, "
          + "record_insert_seq INTEGER NOT NULL, PRIMARY KEY (id))");
      statement.execute("DELETE FROM " + offsetTable(slot));
      try (PreparedStatement offset = connection.prepareStatement("INSERT INTO " + offsetTable(slot)
          + " (id, offset_key, offset_val, record_insert_ts, record_insert_seq) VALUES (?, ?, ?, now(), 1)");
           PreparedStatement source = connection.prepareStatement("INSERT INTO " + SOURCES
               + " (slot, system_identifier) VALUES (?, ?) ON CONFLICT (slot) DO UPDATE SET system_identifier = "
               + "excluded.system_identifier");
           PreparedStatement done = connection.prepareStatement("INSERT INTO " + SNAPSHOTS
               + " (slot, pipeline, table_name, done) VALUES (?, ?, ?, true) ON CONFLICT (slot, pipeline, table_name) "
               + "DO UPDATE SET done = true")) {
        offset.setString(1, java.util.UUID.randomUUID().toString());
        offset.setString(2, key);
        offset.setString(3, value);
        offset.executeUpdate();
        source.setString(1, slot);
        source.setString(2, systemIdentifier);
        source.executeUpdate();
        for (Map.Entry<String, Set<String>> pipeline : copied.entrySet()) {
          for (String table : pipeline.getValue()) {
            done.setString(1, slot);
            done.setString(2, pipeline.getKey());
            done.setString(3, table);
            done.addBatch();
          }
        }
        done.executeBatch();
      }
      connection.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("could not record the copied snapshot of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * The latest offset Debezium stored for this slot's engine (its JSON, e.g. {@code lsn},
   * {@code snapshot}, {@code incremental_snapshot_collections}); null when there is none.
   */
  String latestOffset(String slot) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
         ResultSet exists = statement.executeQuery("SELECT to_regclass('" + offsetTable(slot) + "') IS NOT NULL")) {
      exists.next();
      if (!exists.getBoolean(1)) {
        return null;
      }
      try (ResultSet rows = statement.executeQuery("SELECT offset_val FROM " + offsetTable(slot)
          + " ORDER BY record_insert_ts DESC, record_insert_seq DESC LIMIT 1")) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the offsets of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * The snapshot state of every (pipeline, table) the engine of this slot knows: {@code true} when
   * the pipeline's snapshot of the table is done (its rows acknowledged by Kafka), {@code false}
   * while requested. Keys are {@code pipeline} → {@code schema.table} → done. Rows of the version
   * before per-pipeline snapshots count as done for every pipeline named in {@code pipelines} that
   * maps the table.
   */
  Map<String, Map<String, Boolean>> snapshots(String slot, Map<String, Set<String>> pipelines) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      Map<String, Map<String, Boolean>> states = new TreeMap<>();
      String quoted = "'" + slot.replace("'", "''") + "'";
      try (ResultSet rows = statement.executeQuery("SELECT pipeline, table_name, done FROM " + SNAPSHOTS
          + " WHERE slot = " + quoted)) {
        while (rows.next()) {
          states.computeIfAbsent(rows.getString(1), p -> new TreeMap<>()).put(rows.getString(2), rows.getBoolean(3));
        }
      }
      if (states.isEmpty()) {
        Set<String> legacy = new TreeSet<>();
        try (ResultSet rows = statement.executeQuery("SELECT table_name FROM " + CAPTURED_TABLES + " WHERE slot = "
            + quoted)) {
          while (rows.next()) {
            legacy.add(rows.getString(1));
          }
        }
        pipelines.forEach((pipeline, mapped) -> mapped.stream().filter(legacy::contains)
            .forEach(table -> states.computeIfAbsent(pipeline, p -> new TreeMap<>()).put(table, true)));
      }
      return states;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the snapshot states of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** Records the snapshot state of a pipeline's tables on this slot. */
  void snapshotState(String slot, String pipeline, Collection<String> tables, boolean done) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement update = connection.prepareStatement("INSERT INTO " + SNAPSHOTS
          + " (slot, pipeline, table_name, done) VALUES (?, ?, ?, ?) ON CONFLICT (slot, pipeline, table_name) "
          + "DO UPDATE SET done = excluded.done")) {
        for (String table : tables) {
          update.setString(1, slot);
          update.setString(2, pipeline);
          update.setString(3, table);
          update.setBoolean(4, done);
          update.addBatch();
        }
        update.executeBatch();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not record the snapshot of pipeline " + pipeline + ": " + e.getMessage(), e);
    }
  }

  /**
   * Forgets a pipeline's snapshots (disabled or retired, or tables no longer mapped): started or
   * mapped again later, it is snapshotted again.
   *
   * @param pipeline the pipeline
   * @param tables its tables to forget; null for all, on every slot
   */
  public void forgetSnapshots(String pipeline, Collection<String> tables) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      if (tables == null) {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + SNAPSHOTS + " WHERE pipeline = ?")) {
          delete.setString(1, pipeline);
          delete.executeUpdate();
        }
        return;
      }
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + SNAPSHOTS
          + " WHERE pipeline = ? AND table_name = ?")) {
        for (String table : tables) {
          delete.setString(1, pipeline);
          delete.setString(2, table);
          delete.addBatch();
        }
        delete.executeBatch();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not forget the snapshots of pipeline " + pipeline + ": " + e.getMessage(), e);
    }
  }

  /** The system identifier of the server whose WAL the slot's offsets point into; null when not recorded. */
  String sourceIdentity(String slot) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement query = connection.prepareStatement("SELECT system_identifier FROM " + SOURCES
          + " WHERE slot = ?")) {
        query.setString(1, slot);
        try (ResultSet row = query.executeQuery()) {
          return row.next() ? row.getString(1) : null;
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the source of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** Records which server (system identifier) the slot's offsets belong to. */
  void sourceIdentity(String slot, String systemIdentifier) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement update = connection.prepareStatement("INSERT INTO " + SOURCES
          + " (slot, system_identifier) VALUES (?, ?) ON CONFLICT (slot) DO UPDATE SET system_identifier = "
          + "excluded.system_identifier")) {
        update.setString(1, slot);
        update.setString(2, systemIdentifier);
        update.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not record the source of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates the tables, once per process rather than on every call (lease renewals, heartbeats and
   * catch-up reads come every few seconds). Every caller runs it in autocommit, so a table created
   * here stays created.
   */
  private void tables(Statement statement) throws SQLException {
    if (tablesCreated) {
      return;
    }
    statement.execute("CREATE TABLE IF NOT EXISTS " + CAPTURED_TABLES
        + " (slot text NOT NULL, table_name text NOT NULL, PRIMARY KEY (slot, table_name))");
    statement.execute("CREATE TABLE IF NOT EXISTS " + SNAPSHOTS + " (slot text NOT NULL, pipeline text NOT NULL, "
        + "table_name text NOT NULL, done boolean NOT NULL, PRIMARY KEY (slot, pipeline, table_name))");
    statement.execute("CREATE TABLE IF NOT EXISTS " + SOURCES
        + " (slot text PRIMARY KEY, system_identifier text NOT NULL)");
    statement.execute("CREATE TABLE IF NOT EXISTS " + RECONCILES
        + " (slot text NOT NULL, pipeline text NOT NULL, PRIMARY KEY (slot, pipeline))");
    statement.execute("CREATE TABLE IF NOT EXISTS " + LEASES + " (slot text PRIMARY KEY, owner text NOT NULL, "
        + "epoch bigint NOT NULL, expires_at timestamptz NOT NULL)");
    statement.execute("CREATE TABLE IF NOT EXISTS " + PAUSED + " (pipeline text PRIMARY KEY, paused_by text NOT NULL, "
        + "paused_at timestamptz NOT NULL DEFAULT now())");
    statement.execute("CREATE TABLE IF NOT EXISTS " + FENCES + " (id text PRIMARY KEY, captured_lsn bigint NOT NULL, "
        + "captured_at timestamptz NOT NULL DEFAULT now())");
    statement.execute("CREATE TABLE IF NOT EXISTS " + INSTANCES + " (instance text PRIMARY KEY, "
        + "started_at timestamptz NOT NULL, seen_at timestamptz NOT NULL, report text NOT NULL)");
    tablesCreated = true;
  }

  /**
   * Records a heartbeat of {@code instance}: the control database's time, and its report (what it
   * does, as JSON); forgets instances not seen for {@code forgetAfter}.
   *
   * @param startedAt when the instance started (kept from its first heartbeat until it starts again)
   */
  public void instanceSeen(String instance, java.time.Instant startedAt, String report, java.time.Duration forgetAfter) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + INSTANCES + " (instance, started_at, "
          + "seen_at, report) VALUES (?, ?, now(), ?) ON CONFLICT (instance) DO UPDATE SET started_at = "
          + "excluded.started_at, seen_at = now(), report = excluded.report");
           PreparedStatement forget = connection.prepareStatement("DELETE FROM " + INSTANCES
               + " WHERE seen_at < now() - ? * interval '1 millisecond'")) {
        upsert.setString(1, instance);
        upsert.setTimestamp(2, java.sql.Timestamp.from(startedAt));
        upsert.setString(3, report);
        upsert.executeUpdate();
        forget.setLong(1, forgetAfter.toMillis());
        forget.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not record the heartbeat of instance " + instance + ": " + e.getMessage(), e);
    }
  }

  /** Forgets an instance that stopped cleanly. */
  public void instanceGone(String instance) {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement delete = connection.prepareStatement("DELETE FROM " + INSTANCES + " WHERE instance = ?")) {
      delete.setString(1, instance);
      delete.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("could not forget instance " + instance + ": " + e.getMessage(), e);
    }
  }

  /**
   * An instance's last heartbeat.
   *
   * @param instance its name
   * @param startedAt when it started
   * @param seenAt its last heartbeat (the control database's time)
   * @param seenMillisAgo how long ago that was, by the control database's clock
   * @param report what it reported then (JSON)
   */
  public record InstanceRow(String instance, java.time.Instant startedAt, java.time.Instant seenAt, long seenMillisAgo,
                            String report) {}

  /** Every instance with a heartbeat recorded, by name. */
  public List<InstanceRow> instances() {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      List<InstanceRow> instances = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery("SELECT instance, started_at, seen_at, "
          + "(extract(epoch FROM now() - seen_at) * 1000)::bigint, report FROM " + INSTANCES + " ORDER BY instance")) {
        while (rows.next()) {
          instances.add(new InstanceRow(rows.getString(1), rows.getTimestamp(2).toInstant(),
              rows.getTimestamp(3).toInstant(), rows.getLong(4), rows.getString(5)));
        }
      }
      return instances;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the instances: " + e.getMessage(), e);
    }
  }

  /**
   * Pauses ({@code paused}) or resumes a pipeline for the whole deployment.
   *
   * @param instance the instance asked, recorded with a pause
   */
  public void paused(String pipeline, String instance, boolean paused) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement update = connection.prepareStatement(paused
          ? "INSERT INTO " + PAUSED + " (pipeline, paused_by) VALUES (?, ?) ON CONFLICT (pipeline) DO NOTHING"
          : "DELETE FROM " + PAUSED + " WHERE pipeline = ? AND ? IS NOT NULL")) {
        update.setString(1, pipeline);
        update.setString(2, instance);
        update.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not record in the control database that pipeline " + pipeline + " is "
          + (paused ? "paused" : "resumed") + ": " + e.getMessage(), e);
    }
  }

  /** The pipelines paused for the whole deployment. */
  public Set<String> pausedPipelines() {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      Set<String> paused = new TreeSet<>();
      try (ResultSet rows = statement.executeQuery("SELECT pipeline FROM " + PAUSED)) {
        while (rows.next()) {
          paused.add(rows.getString(1));
        }
      }
      return paused;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the paused pipelines: " + e.getMessage(), e);
    }
  }

  /**
   * Records catch-up fences capture has in Kafka, at its WAL position then, for catch-ups waiting on
   * other instances; forgets those older than ten minutes (no catch-up waits that long).
   */
  void fencesCaptured(Collection<String> ids, long capturedLsn) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + FENCES + " (id, captured_lsn) "
          + "VALUES (?, ?) ON CONFLICT (id) DO NOTHING")) {
        for (String id : ids) {
          insert.setString(1, id);
          insert.setLong(2, capturedLsn);
          insert.addBatch();
        }
        insert.executeBatch();
      }
      statement.executeUpdate("DELETE FROM " + FENCES + " WHERE captured_at < now() - interval '10 minutes'");
    } catch (SQLException e) {
      throw new IllegalStateException("could not record captured fences: " + e.getMessage(), e);
    }
  }

  /**
   * The WAL position capture was at when it had the fence in Kafka, or null when it has not (yet).
   */
  public Long fenceCaptured(String id) {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement query = connection.prepareStatement("SELECT captured_lsn FROM " + FENCES + " WHERE id = ?")) {
      query.setString(1, id);
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? row.getLong(1) : null;
      }
    } catch (SQLException e) {
      return null; // before the table exists, or the control database is away: not seen yet
    }
  }

  /**
   * Takes the capture lease of the slot for {@code instance} when it is free, expired, or its own
   * (an instance started again); each take is a new epoch. Times are the control database's.
   *
   * @return the lease's epoch, or -1 when another instance holds it
   */
  long acquireLease(String slot, String instance, java.time.Duration duration) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement take = connection.prepareStatement("INSERT INTO " + LEASES + " AS l (slot, owner, epoch, "
          + "expires_at) VALUES (?, ?, 1, now() + ? * interval '1 millisecond') ON CONFLICT (slot) DO UPDATE SET "
          + "owner = excluded.owner, epoch = l.epoch + 1, expires_at = excluded.expires_at "
          + "WHERE l.expires_at < now() OR l.owner = excluded.owner RETURNING epoch")) {
        take.setString(1, slot);
        take.setString(2, instance);
        take.setLong(3, duration.toMillis());
        try (ResultSet row = take.executeQuery()) {
          return row.next() ? row.getLong(1) : -1;
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not take the capture lease of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** Extends the lease if {@code instance} still holds it at {@code epoch} and it has not expired. */
  boolean renewLease(String slot, String instance, long epoch, java.time.Duration duration) {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement renew = connection.prepareStatement("UPDATE " + LEASES + " SET expires_at = now() + ? * "
             + "interval '1 millisecond' WHERE slot = ? AND owner = ? AND epoch = ? AND expires_at > now()")) {
      renew.setLong(1, duration.toMillis());
      renew.setString(2, slot);
      renew.setString(3, instance);
      renew.setLong(4, epoch);
      return renew.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new IllegalStateException("could not renew the capture lease of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** Ends the lease now (a clean stop), so a standby takes over without waiting for it to expire. */
  void releaseLease(String slot, String instance, long epoch) {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement release = connection.prepareStatement("UPDATE " + LEASES + " SET expires_at = now() - "
             + "interval '1 millisecond' WHERE slot = ? AND owner = ? AND epoch = ?")) {
      release.setString(1, slot);
      release.setString(2, instance);
      release.setLong(3, epoch);
      release.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("could not release the capture lease of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * A capture lease as the control database holds it.
   *
   * @param slot the source's replication slot
   * @param owner the instance that took it last
   * @param epoch how many times it was taken
   * @param expiresAt when it runs out unless renewed
   * @param held whether it has not run out (the owner captures the source now)
   */
  public record Lease(String slot, String owner, long epoch, java.time.Instant expiresAt, boolean held) {}

  /** Every capture lease of the deployment, by slot. */
  public List<Lease> leases() {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      List<Lease> leases = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery("SELECT slot, owner, epoch, expires_at, expires_at > now() FROM "
          + LEASES + " ORDER BY slot")) {
        while (rows.next()) {
          leases.add(new Lease(rows.getString(1), rows.getString(2), rows.getLong(3),
              rows.getTimestamp(4).toInstant(), rows.getBoolean(5)));
        }
      }
      return leases;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the capture leases: " + e.getMessage(), e);
    }
  }

  /** The instance holding the slot's lease now, or null when none does. */
  String leaseOwner(String slot) {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement query = connection.prepareStatement("SELECT owner FROM " + LEASES
             + " WHERE slot = ? AND expires_at > now()")) {
      query.setString(1, slot);
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? row.getString(1) : null;
      }
    } catch (SQLException e) {
      return null; // before the table exists
    }
  }

  /** The pipelines of this slot whose targets still wait for their reconcile. */
  Set<String> reconcilesPending(String slot) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement query = connection.prepareStatement("SELECT pipeline FROM " + RECONCILES
          + " WHERE slot = ?")) {
        query.setString(1, slot);
        Set<String> pipelines = new TreeSet<>();
        try (ResultSet rows = query.executeQuery()) {
          while (rows.next()) {
            pipelines.add(rows.getString(1));
          }
        }
        return pipelines;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the pending reconciles of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /**
   * Records that the pipeline's target has to be reconciled after its snapshot ({@code pending})
   * or that it was ({@code !pending}).
   */
  void reconcilePending(String slot, String pipeline, boolean pending) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      tables(statement);
      try (PreparedStatement update = connection.prepareStatement(pending
          ? "INSERT INTO " + RECONCILES + " (slot, pipeline) VALUES (?, ?) ON CONFLICT DO NOTHING"
          : "DELETE FROM " + RECONCILES + " WHERE slot = ? AND pipeline = ?")) {
        update.setString(1, slot);
        update.setString(2, pipeline);
        update.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not record the reconcile of pipeline " + pipeline + ": " + e.getMessage(), e);
    }
  }
}
