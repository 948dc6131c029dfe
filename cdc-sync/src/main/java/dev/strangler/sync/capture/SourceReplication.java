package dev.strangler.sync.capture;

import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TableRef;
import dev.strangler.sync.pipeline.Pipeline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What capture keeps on a source database: the captured tables set to {@code REPLICA IDENTITY FULL}
 * (before-images for conflict detection), the shared heartbeat table ({@value CaptureEngine#HEARTBEAT_TABLE},
 * one row per slot, written by Debezium's heartbeat action query), Debezium's signal table
 * ({@value CaptureEngine#SIGNAL_TABLE}), the publication with exactly the engine's tables, and the
 * replication slot. Each failure names the source and, where there is one, the property to change.
 * Stateless apart from its settings; thread-safe.
 */
final class SourceReplication {

  private static final Logger log = LoggerFactory.getLogger(SourceReplication.class);

  private final SourceSettings settings;
  private final DataSource source;

  /**
   * @param settings slot, publication and heartbeat of the source
   * @param source a pool on the source
   */
  SourceReplication(SourceSettings settings, DataSource source) {
    this.settings = settings;
    this.source = source;
  }

  /**
   * Sets the source up before capture reads it: the slot's name checked, the captured tables'
   * replica identity, the heartbeat (unless disabled) and signal tables, the publication.
   *
   * @param pipelines the pipelines captured
   * @param tables every captured table, {@code schema.table}
   */
  void prepare(List<Pipeline> pipelines, Set<String> tables) {
    slotOfThisDatabase();
    replicaIdentityFull(pipelines);
    if (!settings.heartbeatInterval().isZero()) {
      heartbeatTable();
    }
    signalTable();
    publication(tables);
  }

  /** The tables the publication and Debezium's include list hold: the captured ones, the signal and heartbeat tables. */
  Set<String> published(Set<String> tables) {
    Set<String> published = new TreeSet<>(tables);
    published.add("public." + CaptureEngine.SIGNAL_TABLE);
    if (!settings.heartbeatInterval().isZero()) {
      // its changes reach the engine and move the slot's confirmed position even when the mapped
      // tables are idle; they are not forwarded
      published.add("public." + CaptureEngine.HEARTBEAT_TABLE);
    }
    return published;
  }

  /** Slot names are unique per server: a slot of this name reading another database is not ours. */
  private void slotOfThisDatabase() {
    try (Connection connection = source.getConnection();
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

  /**
   * Before-images of every column, for conflict detection; set before the engine starts so that
   * no captured update or delete lacks them.
   */
  private void replicaIdentityFull(List<Pipeline> pipelines) {
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
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
    createIfMissing(CaptureEngine.HEARTBEAT_TABLE, "pipeline text PRIMARY KEY, beat_at timestamptz NOT NULL",
        "heartbeat table", " (set strangler.sync.datasources." + settings.datasource()
            + ".heartbeat-interval: 0 to run without)");
  }

  /** Debezium's heartbeat action query: the slot's row of the heartbeat table, upserted. */
  String heartbeatQuery() {
    return "INSERT INTO public." + CaptureEngine.HEARTBEAT_TABLE + " (pipeline, beat_at) VALUES ('"
        + settings.slotName() + "', now()) ON CONFLICT (pipeline) DO UPDATE SET beat_at = excluded.beat_at";
  }

  /** Creates Debezium's signal table on the source if it is missing. */
  private void signalTable() {
    createIfMissing(CaptureEngine.SIGNAL_TABLE,
        "id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048)", "signal table", "");
  }

  private void createIfMissing(String table, String columns, String what, String hint) {
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS public." + table + " (" + columns + ")");
    } catch (Exception e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not create the " + what
          + " public." + table + hint + ": " + e.getMessage(), e);
    }
  }

  /**
   * Asks Debezium for an incremental snapshot of the tables: a signal row it reads from the WAL (so
   * the request survives a restart).
   *
   * @param id the signal's id (the row Debezium reads shows it)
   */
  void signalSnapshot(String id, Set<String> tables) {
    String collections = tables.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "));
    try (Connection connection = source.getConnection();
         PreparedStatement signal = connection.prepareStatement("INSERT INTO public." + CaptureEngine.SIGNAL_TABLE
             + " (id, type, data) VALUES (?, 'execute-snapshot', ?)")) {
      signal.setString(1, id);
      signal.setString(2, "{\"data-collections\": [" + collections + "], \"type\": \"incremental\"}");
      signal.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not request the snapshot of "
          + tables + ": " + e.getMessage(), e);
    }
  }

  /** Creates the publication, or sets its tables to exactly {@code tables} (plus the signal and heartbeat tables). */
  private void publication(Set<String> tables) {
    String list = published(tables).stream().map(t -> TableRef.parse(t).sql()).collect(Collectors.joining(", "));
    String publication = "\"" + settings.publicationName() + "\"";
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
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

  /** Drops tables ({@code schema.table}) that no pipeline of the source maps any more from the publication. */
  void unpublish(Collection<String> tables) {
    String list = tables.stream().map(t -> TableRef.parse(t).sql()).collect(Collectors.joining(", "));
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute("ALTER PUBLICATION \"" + settings.publicationName() + "\" DROP TABLE " + list);
    } catch (Exception e) {
      throw new IllegalStateException("could not drop " + tables + " from publication " + settings.publicationName()
          + ": " + e.getMessage(), e);
    }
  }

  /** The engine's slot on the source: whether it exists and its confirmed position (LSN as a number, or null). */
  Slot slot() {
    try (Connection connection = source.getConnection();
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

  /** @param exists whether the slot is on the source  @param confirmed its confirmed position, or null */
  record Slot(boolean exists, Long confirmed) {
    static final Slot NONE = new Slot(false, null);
  }

  /** Drops the slot (a lost position's), if it is there; one still read by another process is not ours to drop. */
  void dropSlot() {
    try (Connection connection = source.getConnection();
         PreparedStatement drop = connection.prepareStatement(
             "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
      drop.setString(1, settings.slotName());
      drop.execute();
    } catch (SQLException e) {
      throw new IllegalStateException("source " + settings.datasource() + ": could not drop slot " + settings.slotName()
          + " to snapshot again (is another process reading it?): " + e.getMessage(), e);
    }
  }

  /**
   * Ends the connection still reading the slot, if any: it belongs to an owner whose lease expired
   * (hung, cut off), and would keep the slot from this one. Waits up to 10 s for the slot to be free.
   * Called by the lease's ticker, before the engine starts.
   */
  void endOtherReader() {
    try (Connection connection = source.getConnection();
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

  /**
   * Drops the source's replication slot and publication, so PostgreSQL stops keeping WAL for them;
   * the engine must be stopped first.
   */
  void drop() {
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
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
  }
}
