package dev.strangler.sync.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Everything cdc-sync syncs, under {@code strangler.sync}.
 *
 * <p>Write map keys (column names) in brackets, {@code columns[full_name]=name} (YAML:
 * {@code "[full_name]": name}): unbracketed keys are bound relaxed, so characters other than
 * letters, digits, {@code -} and {@code _} are dropped and keys that differ only in case or
 * underscores collide ({@code FullName} overwrote {@code full_name} in a probe). Start-up
 * validation reports a mangled name as an unknown column.
 *
 * @param datasources the databases cdc-sync reads and writes, by name
 * @param pipelines the pipelines by name; the name is used in topic, slot and publication names
 * @param admin the admin API on the management port
 * @param partitions partitions of each table topic of a pipeline (1–64), unless the pipeline sets its
 *     own {@code partitions}; each pipeline's applier runs as many consumers. Default 4. Records are
 *     keyed by primary key, so the changes of one row stay in one partition, in order. An existing
 *     topic with fewer partitions is grown at start only when its applier has applied everything in it
 *     (growing re-maps keys to partitions); Kafka cannot shrink a topic, so a smaller value leaves it as it is
 * @param lease who captures each source when several instances share the control database
 * @param initialSnapshot how a new slot's snapshot is taken
 */
@Validated
@ConfigurationProperties("strangler.sync")
public record SyncProperties(Map<String, @Valid Datasource> datasources,
                             Map<String, @Valid Pipeline> pipelines,
                             @Valid Admin admin,
                             @DefaultValue("4") @Min(value = 1, message = PARTITIONS_RANGE)
                             @Max(value = MAX_PARTITIONS, message = PARTITIONS_RANGE) int partitions,
                             @Valid Lease lease,
                             @Valid InitialSnapshot initialSnapshot) {

  /** Most partitions a pipeline's topics may have: each one is a consumer thread of its applier here. */
  public static final int MAX_PARTITIONS = 64;
  static final String PARTITIONS_RANGE = "must be between 1 and 64 (partitions of each table topic, and consumers of "
      + "the pipeline's applier)";

  public SyncProperties {
    datasources = datasources == null ? Map.of() : Map.copyOf(datasources);
    pipelines = pipelines == null ? Map.of() : Map.copyOf(pipelines);
    admin = admin == null ? new Admin(null) : admin;
    lease = lease == null ? new Lease(null, Duration.ofSeconds(6), Duration.ofSeconds(2), Duration.ofSeconds(1)) : lease;
    initialSnapshot = initialSnapshot == null ? new InitialSnapshot(InitialSnapshot.Method.COPY, 2, 2048) : initialSnapshot;
  }

  /**
   * How the initial snapshot of a new slot is taken (snapshots of tables added later, re-requested
   * or interrupted are always Debezium's incremental snapshot, read while streaming).
   *
   * @param method {@code copy} (default): cdc-sync copies the rows of the slot's exported snapshot
   *     straight into the targets with {@code COPY}, in parallel block ranges, and streaming starts at
   *     the slot's consistent point; a table whose copy fails (a value the mapping rejects) is
   *     snapshotted through the stream instead, where the bad row is dead-lettered. {@code debezium}:
   *     Debezium's blocking snapshot, every row through Kafka (slower)
   * @param threads connections copying at once (1–16, default 2), each with its own source and target connection
   * @param rangeBlocks the table blocks (8 kB each) one range copies, in one target transaction
   *     (default 2048, about 16 MB)
   */
  public record InitialSnapshot(@DefaultValue("copy") Method method,
                                @DefaultValue("2") @Min(value = 1, message = "must be between 1 and 16")
                                @Max(value = 16, message = "must be between 1 and 16") int threads,
                                @DefaultValue("2048") @Min(value = 1, message = "must be at least 1") long rangeBlocks) {
    public InitialSnapshot {
      method = method == null ? Method.COPY : method;
    }

    public enum Method { COPY, DEBEZIUM }
  }

  /** The partitions of the pipeline's table topics: its own {@code partitions}, else {@link #partitions()}. */
  public int partitionsOf(Pipeline pipeline) {
    return pipeline.partitions() != null ? pipeline.partitions() : partitions;
  }

  /**
   * A PostgreSQL database (with {@code wal_level=logical} when it is a pipeline's source). A source
   * is read by one capture engine, with one replication slot and one publication, whatever the
   * number of pipelines reading it.
   *
   * @param url its JDBC URL, {@code jdbc:postgresql://host:port/db}
   * @param username the user (needs the REPLICATION attribute on a source)
   * @param password its password
   * @param slotName the replication slot capture reads on this source; default
   *     {@code strangler_<datasource>_<database>} (slot names are unique per server)
   * @param publicationName the publication on this source; default {@code strangler_<datasource>}
   * @param heartbeatInterval how often capture writes this source's row of {@code strangler_sync_heartbeat}
   *     (Debezium's heartbeat action query), so its slot advances while the mapped tables are idle;
   *     {@code 0} disables heartbeats; default {@code 5s}
   * @param positionLost what capture does when its stored position does not belong to this source
   *     any more (the slot is gone, the server is another one, or the slot moved past the stored
   *     offsets): {@code resnapshot} (default: forget the offsets, take a new slot and snapshot, and
   *     delete the target rows the source no longer has) or {@code stop} (the source's pipelines
   *     fail, naming the source, the slot and what was found)
   * @param capture who captures this source when it is a pipeline's source: {@code embedded} (default:
   *     cdc-sync's own Debezium engine) or {@code connect} (the Debezium PostgreSQL connector on a Kafka
   *     Connect cluster, configured with {@code GET /admin/sources/<name>/connector}; cdc-sync only
   *     applies, from the same topics)
   * @param connect the Kafka Connect cluster capturing this source, with {@code capture: connect}
   */
  public record Datasource(@NotBlank @Pattern(regexp = "jdbc:postgresql:.*",
      message = "must be a jdbc:postgresql: URL") String url, String username, String password,
                           @Pattern(regexp = "[a-z0-9_]+", message = "must be lower-case letters, digits and _") String slotName,
                           @Pattern(regexp = "[a-z0-9_]+", message = "must be lower-case letters, digits and _") String publicationName,
                           java.time.Duration heartbeatInterval,
                           @DefaultValue("resnapshot") PositionLost positionLost,
                           @DefaultValue("embedded") Capture capture,
                           @Valid Connect connect) {

    public Datasource {
      if (heartbeatInterval != null && heartbeatInterval.isNegative()) {
        throw new IllegalArgumentException("heartbeat-interval must not be negative");
      }
      positionLost = positionLost == null ? PositionLost.RESNAPSHOT : positionLost;
      capture = capture == null ? Capture.EMBEDDED : capture;
      connect = connect == null ? new Connect(null, null, null) : connect;
    }
  }

  /**
   * The Kafka Connect cluster that captures a source with {@code capture: connect}.
   *
   * @param urls the REST API of the cluster's workers (or of a load balancer in front of them), e.g.
   *     {@code http://connect-1:8083,http://connect-2:8083}, tried in order; catch-up reads the
   *     connector's committed offsets there ({@code GET /connectors/<name>/offsets}). Required with
   *     {@code capture: connect}
   * @param connectorName the connector's name on the cluster; default the source's slot name
   * @param password what the generated connector configuration puts as {@code database.password}: a
   *     Connect config-provider placeholder, never the secret; default
   *     {@code ${env:STRANGLER_SYNC_<DATASOURCE>_PASSWORD}} (the workers need
   *     {@code config.providers=env} with {@code EnvVarConfigProvider})
   */
  public record Connect(List<@Pattern(regexp = "https?://.+", message = "must be an http:// or https:// URL") String> urls,
                        @Pattern(regexp = "[A-Za-z0-9._-]+", message = "must be letters, digits and . _ -")
                        String connectorName,
                        String password) {
    public Connect {
      urls = urls == null ? List.of() : List.copyOf(urls);
    }
  }

  /** Who captures a source. */
  public enum Capture { EMBEDDED, CONNECT }

  /**
   * The default publication of a source datasource, {@code strangler_<datasource>} (publications
   * live in their database).
   */
  public static String defaultPublicationName(String datasource) {
    return "strangler_" + sanitize(datasource);
  }

  /**
   * The default replication slot of a source datasource, {@code strangler_<datasource>_<database>}
   * (at most 63 characters): slot names are unique per PostgreSQL server, not per database, so the
   * database keeps two sources of the same name on one server apart.
   */
  public static String defaultSlotName(String datasource, String url) {
    java.util.regex.Matcher database = java.util.regex.Pattern.compile("jdbc:postgresql://[^/]*/([^?]+).*")
        .matcher(url == null ? "" : url);
    return identifier("strangler_" + sanitize(datasource) + (database.matches() ? "_" + sanitize(database.group(1)) : ""));
  }

  /**
   * A PostgreSQL identifier of at most 63 characters (PostgreSQL silently truncates longer ones):
   * a longer name keeps its start and ends with a hash of the whole, so two long names stay apart.
   */
  public static String identifier(String name) {
    if (name.length() <= 63) {
      return name;
    }
    return name.substring(0, 54) + "_" + String.format("%08x", name.hashCode());
  }

  private static String sanitize(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
  }

  /**
   * One direction of sync between two datasources.
   *
   * @param source name of the datasource captured
   * @param target name of the datasource written
   * @param tables the table mappings
   * @param slotName the source's replication slot (shared by every pipeline of the source); prefer
   *     {@code datasources.<source>.slot-name}; pipelines of one source that set it must agree
   * @param publicationName the source's publication (shared), likewise; prefer
   *     {@code datasources.<source>.publication-name}
   * @param snapshot {@code initial} copies existing rows first, {@code never} streams only
   * @param onError what a change that cannot be applied does: {@code continue} (dead-letter it
   *     and go on) or {@code stop} (stop applying)
   * @param conflictWinner which side wins when a row was changed on both sides concurrently:
   *     {@code source} (apply anyway) or {@code target} (keep the target's row)
   * @param enabled whether the pipeline runs at all
   * @param heartbeatInterval the source's heartbeat interval (shared), likewise; prefer
   *     {@code datasources.<source>.heartbeat-interval}
   * @param partitions partitions of this pipeline's table topics (1–64), and consumers of its applier;
   *     default {@code strangler.sync.partitions}
   * @param createTarget whether cdc-sync creates a missing target table at start-up, from the source's
   *     columns through the mapping (renamed and dropped columns, primary key on the key columns, an
   *     identity key where the source's key comes from a sequence); only for tables without
   *     {@code convert} or {@code defaults}. Default {@code false}: a missing target table stops
   *     start-up, and the report carries its {@code CREATE TABLE}
   * @param alignSequences whether cdc-sync raises the sequence of each target key column (serial or
   *     identity) so that its next value lies beyond the keys on both sides: at start-up and, while
   *     the pipeline streams, every 5 s (so also right after the snapshot). It never lowers a
   *     sequence. Default {@code false}: a sequence that would collide is only reported (WARN and
   *     the admin view's {@code keyRanges})
   */
  public record Pipeline(@NotBlank String source, @NotBlank String target,
                         @NotEmpty List<@Valid Table> tables,
                         @Pattern(regexp = "[a-z0-9_]+", message = "must be lower-case letters, digits and _") String slotName,
                         @Pattern(regexp = "[a-z0-9_]+", message = "must be lower-case letters, digits and _") String publicationName,
                         @DefaultValue("initial") Snapshot snapshot,
                         @DefaultValue("continue") OnError onError,
                         @DefaultValue("source") ConflictWinner conflictWinner,
                         @DefaultValue("true") boolean enabled,
                         java.time.Duration heartbeatInterval,
                         @Min(value = 1, message = PARTITIONS_RANGE)
                         @Max(value = MAX_PARTITIONS, message = PARTITIONS_RANGE) Integer partitions,
                         @DefaultValue("false") boolean createTarget,
                         @DefaultValue("false") boolean alignSequences) {

    public Pipeline {
      if (heartbeatInterval != null && heartbeatInterval.isNegative()) {
        throw new IllegalArgumentException("heartbeat-interval must not be negative");
      }
    }
  }

  /**
   * One source table copied into one target table.
   *
   * @param sourceTable {@code table} or {@code schema.table} in the source
   * @param targetTable the same in the target; default: the source table's name
   * @param key the source key columns (their mapped target columns must be the target's
   *     primary key or a unique key)
   * @param columns renames: source column → target column (unlisted columns keep their name)
   * @param drop source columns not copied
   * @param defaults target column → constant set on inserted rows ({@code now()} is the
   *     insert time)
   * @param convert target column → named conversion, or several separated by commas
   * @param keySequence the range the target's key sequence hands out, set at start-up (see {@link KeySequence})
   */
  public record Table(@NotBlank String sourceTable, String targetTable, @NotEmpty List<@NotBlank String> key,
                      Map<String, String> columns, List<String> drop, Map<String, String> defaults,
                      Map<String, String> convert, @Valid KeySequence keySequence) {

    public Table {
      columns = columns == null ? Map.of() : Map.copyOf(columns);
      drop = drop == null ? List.of() : List.copyOf(drop);
      defaults = defaults == null ? Map.of() : Map.copyOf(defaults);
      convert = convert == null ? Map.of() : Map.copyOf(convert);
    }

    public String targetTableOrSource() {
      return targetTable == null || targetTable.isBlank() ? sourceTable : targetTable;
    }
  }

  /**
   * The range the sequence behind the target's key column (serial or identity) hands out, so rows
   * created on the target never take a key the source uses: set at start-up, before anything is
   * applied. Give the reverse pipeline's table the other half (e.g. {@code start: 1000001, increment: 2}
   * here and {@code start: 1000000, increment: 2} there: odd and even keys), or a start far beyond
   * anything the source will reach. Start-up stops, naming the property, when the target key has no
   * sequence or the sequence would hand out a key already on either side.
   *
   * @param start the first value the target's sequence hands out; a sequence already beyond it is never
   *     lowered, only moved to the next value of the start's steps (so a restart keeps odd keys odd)
   * @param increment the sequence's increment (at least 1); unset: left as it is
   */
  public record KeySequence(@Min(value = 1, message = "must be at least 1") Long start,
                            @Min(value = 1, message = "must be at least 1") Long increment) {}

  /** @param token bearer token required on every {@code /admin} request; unset disables the admin API */
  public record Admin(String token) {}

  /**
   * The capture of each source runs on one instance at a time: the holder of its lease in the
   * control database ({@code strangler_sync_leases}), renewed while it runs; the others stand by
   * and take over once it expired. Offsets are written only under a valid lease.
   *
   * @param instanceId this instance's name in the leases (letters, digits, {@code . _ : -}); default
   *     {@code <host>:<management port>}, so an instance started again after a crash takes its
   *     lease back at once (no other live process can hold that port)
   * @param duration how long a lease lasts without renewal (default {@code 6s}): an owner that stops
   *     renewing (killed, paused, cut off) loses capture after this, and a standby takes over
   * @param renewEvery how often the owner renews (default {@code 2s}); less than half of {@code duration}
   * @param checkEvery how often a standby tries to take an expired lease (default {@code 1s})
   */
  public record Lease(@Pattern(regexp = "[A-Za-z0-9._:-]+", message = "must be letters, digits and . _ : -")
                      String instanceId,
                      @DefaultValue("6s") Duration duration,
                      @DefaultValue("2s") Duration renewEvery,
                      @DefaultValue("1s") Duration checkEvery) {
    public Lease {
      if (renewEvery.compareTo(duration.dividedBy(2)) >= 0) {
        throw new IllegalArgumentException("strangler.sync.lease.renew-every (" + renewEvery + ") must be less than half "
            + "of strangler.sync.lease.duration (" + duration + ")");
      }
      if (checkEvery.isNegative() || checkEvery.isZero()) {
        throw new IllegalArgumentException("strangler.sync.lease.check-every must be positive");
      }
    }
  }

  public enum Snapshot { INITIAL, NEVER }

  public enum PositionLost { RESNAPSHOT, STOP }

  public enum OnError { CONTINUE, STOP }

  public enum ConflictWinner { SOURCE, TARGET }
}
