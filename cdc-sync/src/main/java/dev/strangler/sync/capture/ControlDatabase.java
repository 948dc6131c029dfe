package dev.strangler.sync.capture;

import dev.strangler.sync.config.SyncProperties;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.stereotype.Component;

/**
 * cdc-sync's own database ({@code spring.datasource}, embedded PostgreSQL by default), where the
 * capture engines keep their offsets: one table per engine (per source slot),
 * {@code strangler_sync_offsets_<slot>} (Debezium's JDBC offset store rewrites its whole table on each
 * flush, so engines must not share one); and in {@code strangler_sync_captured_tables}, which tables
 * each engine has been asked to capture, so a table added later is snapshotted on its own.
 */
@Component
public class ControlDatabase {

  private static final String CAPTURED_TABLES = "strangler_sync_captured_tables";

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
      capturedTablesTable(statement);
      statement.execute("DELETE FROM " + CAPTURED_TABLES + " WHERE slot = '" + slot.replace("'", "''") + "'");
    } catch (Exception e) {
      throw new IllegalStateException("could not drop the offsets of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** Whether the engine of this slot has stored offsets (it has run and will resume, not snapshot). */
  boolean hasOffsets(String slot) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
         ResultSet exists = statement.executeQuery("SELECT to_regclass('" + offsetTable(slot) + "') IS NOT NULL")) {
      exists.next();
      if (!exists.getBoolean(1)) {
        return false;
      }
      try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + offsetTable(slot))) {
        rows.next();
        return rows.getLong(1) > 0;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the offsets of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** The tables ({@code schema.table}) the engine of this slot was asked to capture before. */
  Set<String> capturedTables(String slot) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      capturedTablesTable(statement);
      Set<String> tables = new TreeSet<>();
      try (ResultSet rows = statement.executeQuery("SELECT table_name FROM " + CAPTURED_TABLES + " WHERE slot = '"
          + slot.replace("'", "''") + "'")) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
      return tables;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the captured tables of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  /** Records tables as captured (snapshotted or not to be snapshotted) by the engine of this slot. */
  void addCapturedTables(String slot, Collection<String> tables) {
    update(slot, tables, "INSERT INTO " + CAPTURED_TABLES + " (slot, table_name) VALUES (?, ?) ON CONFLICT DO NOTHING");
  }

  /** Forgets tables no pipeline of the slot maps any more: mapped again later, they are snapshotted again. */
  void removeCapturedTables(String slot, Collection<String> tables) {
    update(slot, tables, "DELETE FROM " + CAPTURED_TABLES + " WHERE slot = ? AND table_name = ?");
  }

  private void update(String slot, Collection<String> tables, String sql) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      capturedTablesTable(statement);
      try (PreparedStatement update = connection.prepareStatement(sql)) {
        for (String table : tables) {
          update.setString(1, slot);
          update.setString(2, table);
          update.addBatch();
        }
        update.executeBatch();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not record the captured tables of slot " + slot + ": " + e.getMessage(), e);
    }
  }

  private static void capturedTablesTable(Statement statement) throws SQLException {
    statement.execute("CREATE TABLE IF NOT EXISTS " + CAPTURED_TABLES
        + " (slot text NOT NULL, table_name text NOT NULL, PRIMARY KEY (slot, table_name))");
  }
}
