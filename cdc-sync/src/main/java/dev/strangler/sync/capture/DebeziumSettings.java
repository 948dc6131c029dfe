package dev.strangler.sync.capture;

import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.config.SyncProperties;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Debezium PostgreSQL connector's settings for one source: those of the embedded engine, and
 * the base of a Kafka Connect connector's ({@link ConnectCapture}). Offsets go to the control
 * database, one table per slot; under a capture lease they are written only while the lease holds
 * at its epoch.
 */
final class DebeziumSettings {

  private DebeziumSettings() {}

  /**
   * @param settings slot, publication and heartbeat of the source
   * @param source the source datasource's connection settings
   * @param control where the offsets are stored
   * @param replication the source's tables and heartbeat query
   * @param tables the captured tables, {@code schema.table}
   * @param snapshotTables the tables an initial snapshot copies (empty: no data snapshot)
   * @param leaseOwner the instance holding the source's capture lease; null: none (offsets written unguarded)
   * @param leaseEpoch the lease's epoch
   */
  static Properties of(SourceSettings settings, SyncProperties.Datasource source, ControlDatabase control,
                       SourceReplication replication, Set<String> tables, Set<String> snapshotTables,
                       String leaseOwner, long leaseEpoch) {
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
    props.setProperty("publication.autocreate.mode", "disabled"); // set up by SourceReplication before each start
    long heartbeatMillis = settings.heartbeatInterval().toMillis();
    if (heartbeatMillis > 0) {
      props.setProperty("heartbeat.interval.ms", Long.toString(heartbeatMillis));
      props.setProperty("heartbeat.action.query", replication.heartbeatQuery());
    }
    props.setProperty("table.include.list", regex(replication.published(tables)));
    props.setProperty("signal.data.collection", "public." + CaptureEngine.SIGNAL_TABLE);
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

  private static String regex(Set<String> tables) {
    return tables.stream().map(t -> t.replace(".", "\\.")).collect(Collectors.joining(","));
  }
}
