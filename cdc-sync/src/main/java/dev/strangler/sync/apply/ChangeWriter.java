package dev.strangler.sync.apply;

import dev.strangler.sync.capture.AppliedTransactions;
import dev.strangler.sync.capture.EchoMarker;
import dev.strangler.sync.config.SyncProperties.ConflictWinner;
import dev.strangler.sync.mapping.Column;
import dev.strangler.sync.mapping.ColumnMapping;
import dev.strangler.sync.mapping.Sql;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Writes change events into the target, one transaction per call, idempotently: inserts and
 * snapshot rows are upserts ({@code INSERT ... ON CONFLICT (key) DO UPDATE}), deletes are by
 * key, so replaying a batch changes nothing. Each transaction starts with the {@link EchoMarker}.
 *
 * <p>Conflicts: an update or delete carries the row as it was before (REPLICA IDENTITY FULL).
 * When the target's row (compared on the columns the change touches, through the mapping) is
 * neither that before-image nor already the after-image, the row was changed on the target
 * concurrently: the pipeline's {@code conflict-winner} decides: {@code source} applies the
 * change anyway, {@code target} keeps the target's row (and, for inserts, {@code DO NOTHING}).
 * Either way the conflict is counted and logged with the key.
 */
final class ChangeWriter {

  private static final Logger log = LoggerFactory.getLogger(ChangeWriter.class);

  private final Pipeline pipeline;
  private final DataSource target;
  private final String origin;
  private final boolean sourceWins;
  /** whether the target is captured by Kafka Connect: each transaction is also recorded in {@link AppliedTransactions} */
  private final boolean recordApplied;
  /** shared by the applier's consumer threads, which write concurrently (one transaction each) */
  private final Map<TableMapping, Statements> sql = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean replicaRole = true;

  /**
   * @param pipeline the pipeline applied
   * @param target a pool on its target
   */
  ChangeWriter(Pipeline pipeline, DataSource target, boolean recordApplied) {
    this.pipeline = pipeline;
    this.recordApplied = recordApplied;
    this.target = target;
    this.origin = pipeline.config().source();
    this.sourceWins = pipeline.config().conflictWinner() == ConflictWinner.SOURCE;
  }

  /** Applies with replication's role (see {@link Sql#replicaRole}), saying once when the target user may not. */
  private void asReplica(Connection connection) throws SQLException {
    if (replicaRole && !Sql.replicaRole(connection)) {
      replicaRole = false;
      log.warn("Pipeline {}: the target user may not set session_replication_role; changes are applied with "
          + "foreign keys checked, so a child row that arrives before its parent is dead-lettered", pipeline.name());
    }
  }

  /** Checked in the transaction before it writes; throws to roll it back (see {@link ApplyClaims}). */
  interface Fence {
    /** @param events the transaction's changes */
    void check(Connection connection, List<ChangeEvent> events) throws SQLException;

    /** After the transaction the check ran in committed. */
    default void committed() {}
  }

  /**
   * Applies the events in order in one transaction, after the fence passed; on any error nothing of
   * them is applied.
   */
  void apply(List<ChangeEvent> events, Fence fence) throws SQLException {
    try (Connection connection = target.getConnection()) {
      connection.setAutoCommit(false);
      try {
        asReplica(connection);
        fence.check(connection, events);
        try (PreparedStatement marker = connection.prepareStatement(EchoMarker.SQL)) {
          marker.setString(1, origin);
          marker.execute();
        }
        if (recordApplied) {
          try (PreparedStatement applied = connection.prepareStatement(AppliedTransactions.RECORD)) {
            applied.setString(1, origin);
            applied.execute();
          }
        }
        Map<String, PreparedStatement> prepared = new HashMap<>();
        Batch batch = new Batch(connection, prepared);
        for (ChangeEvent event : events) {
          Statements statements = statements(event.mapping());
          if ((event.isUpdate() || event.isDelete()) && event.before() != null && event.unavailable().isEmpty()) {
            List<ColumnMapping> compared = compared(event);
            if (event.isUpdate() && compared.isEmpty()) {
              continue; // only unmapped columns changed
            }
            batch.add(event, compared.isEmpty() ? statements.delete : guardedWrite(event.mapping(), compared, event.isDelete()),
                compared, statements);
          } else if (event.isUpdate() || event.isDelete() || !event.unavailable().isEmpty()) {
            batch.flush();
            applyChecked(connection, prepared, statements, event);
          } else {
            batch.add(event, statements.insert, null, statements);
          }
        }
        batch.flush();
        connection.commit();
        fence.committed();
        for (PreparedStatement statement : prepared.values()) {
          statement.close();
        }
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    }
  }

  /**
   * Consecutive changes of one statement, sent in one JDBC batch (one round trip): upserts of
   * inserts and snapshot rows, and updates and deletes guarded by their before-image. A key
   * repeated starts a new batch, so no key is touched twice in one. A guarded write that changed
   * no row (the target's row is not the before-image: a replay, a missing row or a conflict) is
   * then decided one by one ({@link #applyChecked}) before anything later is sent; the batch holds
   * no other change of its key, so the order per key is kept.
   */
  private final class Batch {
    private final Connection connection;
    private final Map<String, PreparedStatement> prepared;
    private final java.util.Set<String> keys = new java.util.HashSet<>();
    private final List<ChangeEvent> guarded = new ArrayList<>();
    private final List<Statements> guardedStatements = new ArrayList<>();
    private PreparedStatement statement;

    Batch(Connection connection, Map<String, PreparedStatement> prepared) {
      this.connection = connection;
      this.prepared = prepared;
    }

    /** @param compared the before-image's columns the write is guarded by; null for an upsert */
    void add(ChangeEvent event, String sql, List<ColumnMapping> compared, Statements statements) throws SQLException {
      PreparedStatement next = prepared(connection, prepared, sql);
      if (statement != null && (statement != next || !keys.add(event.key()))) {
        flush();
      }
      keys.add(event.key());
      statement = next;
      TableMapping mapping = event.mapping();
      if (compared == null) {
        bindRow(next, mapping.columns(), event.after(), 1);
      } else if (event.isDelete()) {
        bindRow(next, compared, event.before(), bindRow(next, mapping.keyColumns(), event.before(), 1));
      } else {
        int index = bindRow(next, mapping.valueColumns(), event.after(), 1);
        bindRow(next, compared, event.before(), bindRow(next, mapping.keyColumns(), event.after(), index));
      }
      next.addBatch();
      if (compared != null) {
        guarded.add(event);
        guardedStatements.add(statements);
      }
    }

    void flush() throws SQLException {
      if (statement == null) {
        return;
      }
      int[] counts = statement.executeBatch();
      statement = null;
      keys.clear();
      for (int i = 0; i < guarded.size(); i++) {
        if (counts[i] == 0 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO) {
          applyChecked(connection, prepared, guardedStatements.get(i), guarded.get(i));
        }
      }
      guarded.clear();
      guardedStatements.clear();
    }
  }

  /**
   * An update (the row set to the after-image) or a delete by key that changes the row only when
   * the target's {@code compared} columns still hold the before-image.
   */
  private static String guardedWrite(TableMapping mapping, List<ColumnMapping> compared, boolean delete) {
    String guard = " AND ROW(" + compared.stream().map(c -> Sql.quote(c.target().name())).collect(Collectors.joining(", "))
        + ") IS NOT DISTINCT FROM ROW(" + compared.stream().map(c -> c.targetExpression("?"))
        .collect(Collectors.joining(", ")) + ")";
    if (delete) {
      return "DELETE FROM " + mapping.target().sql() + " WHERE " + keyPredicate(mapping, "") + guard;
    }
    return "UPDATE " + mapping.target().sql() + " SET " + mapping.valueColumns().stream()
        .map(c -> Sql.quote(c.target().name()) + " = " + c.targetExpression("?")).collect(Collectors.joining(", "))
        + " WHERE " + keyPredicate(mapping, "") + guard;
  }

  /**
   * The columns an update or delete is checked on: for an update those it changes, for a delete
   * all; never a value the change does not carry.
   */
  private static List<ColumnMapping> compared(ChangeEvent event) {
    JsonNode before = event.before();
    List<ColumnMapping> compared = new ArrayList<>();
    for (ColumnMapping column : event.mapping().valueColumns()) {
      if (event.unavailable().contains(column.source().name())
          || ChangeEvent.isPlaceholder(before == null ? null : before.get(column.source().name()))) {
        continue; // a value the change does not carry can be neither compared nor written
      }
      if (event.isDelete() || before == null
          || !java.util.Objects.equals(before.get(column.source().name()), event.after().get(column.source().name()))) {
        compared.add(column);
      }
    }
    return compared;
  }

  private void applyChecked(Connection connection, Map<String, PreparedStatement> prepared, Statements statements,
                            ChangeEvent event) throws SQLException {
    TableMapping mapping = event.mapping();
    JsonNode before = event.before();
    JsonNode keyRow = event.isDelete() ? before : event.after();
    List<ColumnMapping> compared = compared(event);
    if (event.isUpdate() && before != null && compared.isEmpty()) {
      return; // only unmapped columns changed
    }
    Check check = before == null || compared.isEmpty() ? Check.MATCHES_BEFORE
        : check(connection, prepared, mapping, compared, before, event.isDelete() ? null : event.after(), keyRow);
    boolean write = switch (check) {
      case MATCHES_BEFORE -> true;
      case MATCHES_AFTER -> false;
      case MISSING -> !event.isDelete() && sourceWins;
      case CONFLICT -> sourceWins;
    };
    // while the pipeline's snapshot is being taken, an update of a row not copied yet is expected
    boolean notCopiedYet = check == Check.MISSING && pipeline.state() == dev.strangler.sync.pipeline.PipelineState.SNAPSHOT;
    if (check == Check.CONFLICT || (check == Check.MISSING && event.isUpdate() && !notCopiedYet)) {
      pipeline.stats().conflict();
      log.warn("Conflict in pipeline {}: {} key {} was changed in the target concurrently ({}); {} wins",
          pipeline.name(), mapping.target(), event.key(), event.isDelete() ? "delete" : "update",
          sourceWins ? "source" : "target");
    }
    if (!write) {
      return;
    }
    if (event.isDelete()) {
      PreparedStatement delete = prepared(connection, prepared, statements.delete);
      bindRow(delete, mapping.keyColumns(), before, 1);
      delete.executeUpdate();
    } else if (!event.unavailable().isEmpty()) {
      updateAvailable(connection, prepared, event);
    } else {
      PreparedStatement upsert = prepared(connection, prepared, statements.upsert);
      bindRow(upsert, mapping.columns(), event.after(), 1);
      upsert.executeUpdate();
    }
  }

  /**
   * Writes a change that lacks some values (unchanged TOASTed values without a before-image):
   * only the columns it carries are set, so the target keeps the values it has for the others.
   * Without a target row to keep them from, the change cannot be applied (a data error: it is
   * dead-lettered, or stops the pipeline).
   */
  private void updateAvailable(Connection connection, Map<String, PreparedStatement> prepared, ChangeEvent event)
      throws SQLException {
    TableMapping mapping = event.mapping();
    List<ColumnMapping> available = mapping.valueColumns().stream()
        .filter(c -> !event.unavailable().contains(c.source().name())).toList();
    String assignments = available.isEmpty()
        ? Sql.quote(mapping.keyColumns().get(0).target().name()) + " = " + Sql.quote(mapping.keyColumns().get(0).target().name())
        : available.stream().map(c -> Sql.quote(c.target().name()) + " = " + c.targetExpression("?"))
            .collect(Collectors.joining(", "));
    PreparedStatement update = prepared(connection, prepared,
        "UPDATE " + mapping.target().sql() + " SET " + assignments + " WHERE " + keyPredicate(mapping, ""));
    int index = bindRow(update, available, event.after(), 1);
    bindRow(update, mapping.keyColumns(), event.after(), index);
    if (update.executeUpdate() == 0) {
      throw new UnavailableValueException("change on " + mapping.source() + " key " + event.key()
          + " does not carry the value of " + event.unavailable() + " (unchanged TOAST value without a before-image) "
          + "and " + mapping.target() + " has no row to keep it from");
    }
  }

  /** A change that cannot be written without inventing a value it does not carry. */
  static final class UnavailableValueException extends RuntimeException {
    UnavailableValueException(String message) {
      super(message);
    }
  }

  private enum Check { MATCHES_BEFORE, MATCHES_AFTER, MISSING, CONFLICT }

  private Check check(Connection connection, Map<String, PreparedStatement> prepared, TableMapping mapping,
                      List<ColumnMapping> compared, JsonNode before, JsonNode after, JsonNode keyRow) throws SQLException {
    String columns = compared.stream().map(c -> "t." + Sql.quote(c.target().name())).collect(Collectors.joining(", "));
    String beforeRow = compared.stream().map(c -> c.targetExpression("?")).collect(Collectors.joining(", "));
    String select = "SELECT ROW(" + columns + ") IS NOT DISTINCT FROM ROW(" + beforeRow + ")"
        + (after == null ? "" : ", ROW(" + columns + ") IS NOT DISTINCT FROM ROW(" + beforeRow + ")")
        + " FROM " + mapping.target().sql() + " t WHERE " + keyPredicate(mapping, "t.") + " FOR UPDATE";
    PreparedStatement statement = prepared(connection, prepared, select);
    int index = bindRow(statement, compared, before, 1);
    if (after != null) {
      index = bindRow(statement, compared, after, index);
    }
    bindRow(statement, mapping.keyColumns(), keyRow, index);
    try (ResultSet row = statement.executeQuery()) {
      if (!row.next()) {
        return Check.MISSING;
      }
      if (row.getBoolean(1)) {
        return Check.MATCHES_BEFORE;
      }
      return after != null && row.getBoolean(2) ? Check.MATCHES_AFTER : Check.CONFLICT;
    }
  }

  private static PreparedStatement prepared(Connection connection, Map<String, PreparedStatement> prepared, String sql)
      throws SQLException {
    PreparedStatement statement = prepared.get(sql);
    if (statement == null) {
      statement = connection.prepareStatement(sql);
      prepared.put(sql, statement);
    }
    return statement;
  }

  /** Binds the source values of {@code columns} from {@code row}, starting at {@code index}; returns the next index. */
  private static int bindRow(PreparedStatement statement, List<ColumnMapping> columns, JsonNode row, int index)
      throws SQLException {
    for (ColumnMapping column : columns) {
      String value = SourceValues.text(column.source(), row.get(column.source().name()));
      if (value == null) {
        statement.setNull(index++, Types.OTHER);
      } else {
        statement.setObject(index++, value, Types.OTHER);
      }
    }
    return index;
  }

  private Statements statements(TableMapping mapping) {
    return sql.computeIfAbsent(mapping, m -> new Statements(m, sourceWins));
  }

  static String keyPredicate(TableMapping mapping, String alias) {
    return mapping.keyColumns().stream()
        .map(c -> alias + Sql.quote(c.target().name()) + " = " + c.targetExpression("?"))
        .collect(Collectors.joining(" AND "));
  }

  /** The SQL of one table mapping. */
  private static final class Statements {
    /** for updates: the target's row becomes the source's */
    final String upsert;
    /** for inserts and snapshot rows: an upsert, or DO NOTHING when the target wins conflicts */
    final String insert;
    final String delete;

    Statements(TableMapping mapping, boolean sourceWins) {
      upsert = mapping.insert(c -> "?", null, true);
      insert = mapping.insert(c -> "?", null, sourceWins);
      delete = "DELETE FROM " + mapping.target().sql() + " WHERE " + keyPredicate(mapping, "");
    }
  }
}
