package dev.strangler.sync.verify;

import dev.strangler.sync.capture.EchoMarker;
import dev.strangler.sync.mapping.Sql;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.deployment.Pipelines;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Re-copies exactly the keys that differ (found by a verify, or given) from the source through the
 * mapping into the target: inserts the missing, overwrites the different, deletes the target rows the
 * source lacks. Dry run by default: it then only counts.
 *
 * <p>The rule against setting a row back: each key is repaired in its own target transaction that first
 * locks the target row ({@code SELECT ... FOR UPDATE}) and only then reads the source row. An applier
 * write of that row either committed before the lock (so the source read is at least as new) or waits
 * for the repair and lands after it, as it would have anyway. A missing target row cannot be locked:
 * it is inserted only while still missing ({@code DO NOTHING}); when the applier inserted it after the
 * lock (its value may be newer than the source row read), the key is locked and read again. A source
 * row found missing deletes only a target row that was locked. Every repair transaction starts with
 * the applier's {@link EchoMarker} naming the source, so the reverse pipeline drops it, and runs with
 * the applier's replication role ({@link Sql#replicaRole}): the target's foreign keys and ordinary
 * triggers do not fire for repaired rows, as for applied ones. The repaired keys are re-verified
 * after; keys still different (traffic wrote them meanwhile) are reported, not hidden.
 *
 * <p>Each repair is audited in the control database ({@code strangler_sync_repairs}) and the log.
 */
@Component
public class Repairer {

  private static final Logger log = LoggerFactory.getLogger(Repairer.class);
  private static final String AUDIT = "strangler_sync_repairs";
  /** how often a key whose missing target row the applier inserted meanwhile is tried */
  private static final int ATTEMPTS = 5;

  private final Pipelines pipelines;
  private final Verifier verifier;
  private final DataSource control;

  /**
   * @param pipelines the pipelines and their datasources
   * @param verifier finds the differing keys and re-verifies them after
   * @param control cdc-sync's control database, where the audit goes
   */
  public Repairer(Pipelines pipelines, Verifier verifier, DataSource control) {
    this.pipelines = pipelines;
    this.verifier = verifier;
    this.control = control;
  }

  /**
   * @param name the pipeline
   * @param keys the keys to repair; null or empty: those a whole verify finds (at most 1 000)
   * @param apply false: a dry run that only counts
   * @param by who asked, for the audit
   */
  public RepairResult repair(String name, List<Verifier.RequestedKey> keys, boolean apply, String by) {
    Pipeline pipeline = pipelines.get(name);
    VerifyResult found = keys == null || keys.isEmpty() ? verifier.verify(name) : verifier.verifyKeys(name, keys);
    List<VerifyResult.DifferingKey> differing = found.differingKeys();
    int inserts = count(differing, "missing-in-target");
    int updates = count(differing, "different");
    int deletes = count(differing, "missing-in-source");
    if (!apply || differing.isEmpty()) {
      log.info("Repair of pipeline {} (dry run: {}) by {}: {} inserts, {} updates, {} deletes", name, !apply, by,
          inserts, updates, deletes);
      if (apply) {
        audit(name, by, true, 0, 0, 0);
      }
      return new RepairResult(apply, inserts, updates, deletes, differing, List.of());
    }
    List<Verifier.RequestedKey> repaired = differing.stream()
        .map(k -> new Verifier.RequestedKey(k.table(), k.key())).toList();
    Map<Verifier.RequestedKey, TableMapping> mappings = Verifier.resolve(pipeline, repaired);
    DataSource source = pipelines.datasources().dataSource(pipeline.config().source());
    DataSource target = pipelines.datasources().dataSource(pipeline.config().target());
    try (Connection src = source.getConnection(); Connection tgt = target.getConnection()) {
      tgt.setAutoCommit(false);
      boolean replica = true;
      for (Map.Entry<Verifier.RequestedKey, TableMapping> entry : mappings.entrySet()) {
        replica &= repairKey(pipeline, entry.getValue(), Verifier.keyValues(entry.getValue(), entry.getKey()), src, tgt);
      }
      if (!replica) {
        log.warn("Repair of pipeline {}: the target user may not set session_replication_role; the repair was "
            + "written with foreign keys and triggers on", name);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("repair of pipeline " + name + " failed: " + e.getMessage(), e);
    }
    audit(name, by, true, inserts, updates, deletes);
    List<VerifyResult.DifferingKey> still = verifier.verifyKeys(name, repaired).differingKeys();
    log.info("Repaired pipeline {} by {}: {} inserts, {} updates, {} deletes; {} keys still differ", name, by,
        inserts, updates, deletes, still.size());
    return new RepairResult(true, inserts, updates, deletes, differing, still);
  }

  private static int count(List<VerifyResult.DifferingKey> keys, String problem) {
    return (int) keys.stream().filter(k -> k.problem().equals(problem)).count();
  }

  /**
   * Repairs one key in its own target transaction: locks the target row, then reads the source row
   * and writes it. A row missing at the lock is inserted only if it is still missing ({@code ON
   * CONFLICT DO NOTHING}), and a source row found missing deletes only a locked target row: a row the
   * applier wrote after the lock may be newer than the source row read, so it is never overwritten or
   * deleted; the key is then tried again (its row can be locked now), at most {@value #ATTEMPTS} times,
   * after which it is left to the applier and the re-verify.
   *
   * @return false when the target user may not set the replica role (the key was repaired with checks on)
   */
  private static boolean repairKey(Pipeline pipeline, TableMapping mapping, List<String> key, Connection src,
                                   Connection tgt) throws SQLException {
    String targetKeys = mapping.keyColumns().stream().map(c -> "t." + Sql.quote(c.target().name()))
        .collect(Collectors.joining(", "));
    String keyParameters = mapping.keyColumns().stream().map(c -> "?::" + c.target().sqlType())
        .collect(Collectors.joining(", "));
    boolean replica = true;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        replica = Sql.replicaRole(tgt);
        try (PreparedStatement marker = tgt.prepareStatement(EchoMarker.SQL)) {
          marker.setString(1, pipeline.config().source());
          marker.execute();
        }
        boolean locked;
        try (PreparedStatement lock = tgt.prepareStatement("SELECT 1 FROM " + mapping.target().sql() + " t WHERE ROW("
            + targetKeys + ") = ROW(" + keyParameters + ") FOR UPDATE")) {
          bind(lock, key, 0);
          try (ResultSet rows = lock.executeQuery()) {
            locked = rows.next();
          }
        }
        List<String> row = sourceRow(mapping, key, src);
        boolean written = true;
        if (row == null) {
          if (locked) {
            try (PreparedStatement delete = tgt.prepareStatement("DELETE FROM " + mapping.target().sql()
                + " t WHERE ROW(" + targetKeys + ") = ROW(" + keyParameters + ")")) {
              bind(delete, key, 0);
              delete.executeUpdate();
            }
          }
        } else {
          try (PreparedStatement insert = tgt.prepareStatement(mapping.insert(c -> "?", null, locked))) {
            for (int i = 0; i < row.size(); i++) {
              insert.setString(i + 1, row.get(i));
            }
            written = insert.executeUpdate() == 1 || locked;
          }
        }
        if (written) {
          tgt.commit();
          return replica;
        }
        tgt.rollback(); // the applier inserted the row after the lock: lock it and read the source again
        log.debug("Repair of pipeline {}: {} key {} was inserted concurrently (attempt {})", pipeline.name(),
            mapping.target(), key, attempt);
      } catch (SQLException e) {
        tgt.rollback();
        throw e;
      }
    }
    log.info("Repair of pipeline {}: {} key {} kept being inserted concurrently; left to the applier", pipeline.name(),
        mapping.target(), key);
    return replica;
  }

  /** The source row's mapped columns as text, in mapping order, read now; null when the source lacks it. */
  private static List<String> sourceRow(TableMapping mapping, List<String> key, Connection src) throws SQLException {
    String columns = mapping.columns().stream().map(c -> "(s." + Sql.quote(c.source().name()) + ")::text")
        .collect(Collectors.joining(", "));
    String keys = mapping.keyColumns().stream().map(c -> c.targetExpression("s." + Sql.quote(c.source().name())))
        .collect(Collectors.joining(", "));
    String parameters = mapping.keyColumns().stream().map(c -> "?::" + c.target().sqlType())
        .collect(Collectors.joining(", "));
    try (PreparedStatement select = src.prepareStatement("SELECT " + columns + " FROM " + mapping.source().sql()
        + " s WHERE ROW(" + keys + ") = ROW(" + parameters + ")")) {
      bind(select, key, 0);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          return null;
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < mapping.columns().size(); i++) {
          values.add(rows.getString(i + 1));
        }
        return values;
      }
    }
  }

  private static void bind(PreparedStatement statement, List<String> values, int offset) throws SQLException {
    for (int i = 0; i < values.size(); i++) {
      statement.setObject(offset + i + 1, values.get(i), Types.OTHER);
    }
  }

  private void audit(String pipeline, String by, boolean applied, int inserts, int updates, int deletes) {
    try (Connection connection = control.getConnection(); Statement ddl = connection.createStatement()) {
      ddl.execute("CREATE TABLE IF NOT EXISTS " + AUDIT + " (id bigserial PRIMARY KEY, pipeline text NOT NULL,"
          + " repaired_at timestamptz NOT NULL, repaired_by text NOT NULL, applied boolean NOT NULL,"
          + " inserts int NOT NULL, updates int NOT NULL, deletes int NOT NULL)");
      try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + AUDIT
          + " (pipeline, repaired_at, repaired_by, applied, inserts, updates, deletes) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, pipeline);
        insert.setTimestamp(2, Timestamp.from(Instant.now()));
        insert.setString(3, by);
        insert.setBoolean(4, applied);
        insert.setInt(5, inserts);
        insert.setInt(6, updates);
        insert.setInt(7, deletes);
        insert.executeUpdate();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not audit the repair of pipeline " + pipeline + ": " + e.getMessage(), e);
    }
  }
}
