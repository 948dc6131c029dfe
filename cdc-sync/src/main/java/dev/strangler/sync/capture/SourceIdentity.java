package dev.strangler.sync.capture;

import dev.strangler.sync.config.SyncProperties;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Which PostgreSQL server a source is, and where Debezium's stored offsets point into its WAL. */
final class SourceIdentity {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private SourceIdentity() {}

  /**
   * The server's system identifier (the same on a physical replica, different on any other
   * server): from {@code pg_control_system()}, else, for a user not allowed to call it, from the
   * replication protocol's {@code IDENTIFY_SYSTEM}, which every user capture runs as may send.
   */
  static String systemIdentifier(DataSource dataSource, SyncProperties.Datasource config) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
         ResultSet row = statement.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
      row.next();
      return row.getString(1);
    } catch (SQLException notAllowed) {
      Properties properties = new Properties();
      properties.setProperty("user", config.username() == null ? "" : config.username());
      properties.setProperty("password", config.password() == null ? "" : config.password());
      properties.setProperty("replication", "database");
      properties.setProperty("assumeMinServerVersion", "9.4");
      properties.setProperty("preferQueryMode", "simple");
      try (Connection replication = DriverManager.getConnection(config.url(), properties);
           Statement statement = replication.createStatement();
           ResultSet row = statement.executeQuery("IDENTIFY_SYSTEM")) {
        row.next();
        return row.getString(1);
      } catch (SQLException e) {
        throw new IllegalStateException("could not read the system identifier of " + config.url() + ": "
            + e.getMessage(), e);
      }
    }
  }

  /** The highest LSN a stored Debezium offset names ({@code lsn}, {@code lsn_commit}, {@code lsn_proc}); 0 if none. */
  static long offsetLsn(String offset) {
    if (offset == null) {
      return 0;
    }
    JsonNode node = JSON.readTree(offset);
    long highest = 0;
    for (String key : List.of("lsn", "lsn_commit", "lsn_proc")) {
      if (node.path(key).isNumber()) {
        highest = Math.max(highest, node.get(key).asLong());
      }
    }
    return highest;
  }

  /**
   * Whether Debezium stored these offsets in the middle of its blocking snapshot (key
   * {@code snapshot}: {@code true} or a snapshot kind such as {@code "INITIAL"}; absent once it
   * streams). Incremental snapshot offsets use other keys.
   */
  static boolean inBlockingSnapshot(String offset) {
    if (offset == null) {
      return false;
    }
    JsonNode snapshot = JSON.readTree(offset).path("snapshot");
    return snapshot.isBoolean() ? snapshot.asBoolean()
        : snapshot.isString() && !snapshot.asString().isEmpty() && !"false".equalsIgnoreCase(snapshot.asString());
  }

  /**
   * The offsets of an interrupted blocking snapshot turned into a streaming position at
   * {@code lsn} (the slot's confirmed position, which a snapshot never moves): the snapshot keys
   * removed, so Debezium streams on from there instead of refusing to resume a snapshot.
   */
  static String streamingFrom(String offset, long lsn) {
    ObjectNode node = (ObjectNode) JSON.readTree(offset);
    node.remove(List.of("snapshot", "last_snapshot_record", "snapshot_completed", "lsn_proc", "lsn_commit"));
    node.put("lsn", lsn);
    return JSON.writeValueAsString(node);
  }
}
