package dev.strangler.sync.verify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A whole verify's progress in the control database ({@code strangler_sync_verify_progress}, one row
 * per pipeline), saved after every finished chunk: a verify cut by a restart (even kill -9) goes on
 * from the chunk after the last one saved, with the tables and differing keys found so far. The row
 * is deleted when the verify finishes. Thread-safe (no state of its own).
 */
final class VerifyProgress {

  static final String TABLE = "strangler_sync_verify_progress";
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final DataSource control;
  private volatile boolean created;

  VerifyProgress(DataSource control) {
    this.control = control;
  }

  /**
   * @param tableIndex the table (in mapping order) being verified
   * @param lower the key after which its next chunk starts, null for its start
   * @param chunks chunks of that table done  @param differingChunks of them, those that differed
   * @param done the tables finished before it  @param differing the keys found so far
   */
  record Saved(int tableIndex, List<String> lower, int chunks, int differingChunks, List<VerifyResult.TableResult> done,
               List<VerifyResult.DifferingKey> differing) {

    int chunksDone() {
      return chunks + done.stream().mapToInt(VerifyResult.TableResult::chunks).sum();
    }
  }

  /** The saved progress of an unfinished verify of the pipeline, or null. */
  Saved load(String pipeline) throws SQLException {
    try (Connection connection = connection();
         PreparedStatement select = connection.prepareStatement("SELECT table_index, lower_key, chunks, "
             + "differing_chunks, done, differing FROM " + TABLE + " WHERE pipeline = ?")) {
      select.setString(1, pipeline);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return null;
        }
        java.sql.Array lower = row.getArray(2);
        return new Saved(row.getInt(1), lower == null ? null : Arrays.asList((String[]) lower.getArray()),
            row.getInt(3), row.getInt(4),
            JSON.readValue(row.getString(5), new TypeReference<List<VerifyResult.TableResult>>() {}),
            JSON.readValue(row.getString(6), new TypeReference<List<VerifyResult.DifferingKey>>() {}));
      }
    }
  }

  void save(String pipeline, Saved saved) throws SQLException {
    try (Connection connection = connection();
         PreparedStatement upsert = connection.prepareStatement("INSERT INTO " + TABLE + " (pipeline, table_index, "
             + "lower_key, chunks, differing_chunks, done, differing, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, now()) "
             + "ON CONFLICT (pipeline) DO UPDATE SET table_index = EXCLUDED.table_index, lower_key = EXCLUDED.lower_key,"
             + " chunks = EXCLUDED.chunks, differing_chunks = EXCLUDED.differing_chunks, done = EXCLUDED.done,"
             + " differing = EXCLUDED.differing, saved_at = now()")) {
      upsert.setString(1, pipeline);
      upsert.setInt(2, saved.tableIndex());
      upsert.setArray(3, saved.lower() == null ? null : connection.createArrayOf("text", saved.lower().toArray()));
      upsert.setInt(4, saved.chunks());
      upsert.setInt(5, saved.differingChunks());
      upsert.setString(6, JSON.writeValueAsString(saved.done()));
      upsert.setString(7, JSON.writeValueAsString(saved.differing()));
      upsert.executeUpdate();
    }
  }

  void finished(String pipeline) throws SQLException {
    try (Connection connection = connection();
         PreparedStatement delete = connection.prepareStatement("DELETE FROM " + TABLE + " WHERE pipeline = ?")) {
      delete.setString(1, pipeline);
      delete.executeUpdate();
    }
  }

  private Connection connection() throws SQLException {
    Connection connection = control.getConnection();
    if (!created) {
      try (Statement ddl = connection.createStatement()) {
        ddl.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (pipeline text PRIMARY KEY, table_index int NOT NULL,"
            + " lower_key text[], chunks int NOT NULL, differing_chunks int NOT NULL, done text NOT NULL,"
            + " differing text NOT NULL, saved_at timestamptz NOT NULL)");
      }
      created = true;
    }
    return connection;
  }
}
