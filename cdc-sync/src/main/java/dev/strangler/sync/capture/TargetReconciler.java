package dev.strangler.sync.capture;

import dev.strangler.sync.mapping.ColumnMapping;
import dev.strangler.sync.mapping.Sql;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a pipeline was snapshotted again because its stored position was lost, deletes the target
 * rows whose keys the source does not have: the snapshot upserted every row the source has, but a
 * row deleted on the source while no position was kept would otherwise stay. Runs once the new
 * slot exists, so a delete on the source after that point is streamed anyway; the target's keys are
 * read first, then the source's, and each key about to be deleted is looked up in the source once
 * more, so a row the source inserts meanwhile is kept. Holds the source's keys (as text) in memory.
 */
final class TargetReconciler {

  private static final Logger log = LoggerFactory.getLogger(TargetReconciler.class);

  private final DataSource source;
  private final DataSource target;

  TargetReconciler(DataSource source, DataSource target) {
    this.source = source;
    this.target = target;
  }

  /**
   * @return the rows deleted from the target
   * @throws IllegalStateException when a table could not be reconciled (the others were): the
   *     reconcile stays pending and is done again at the next start
   */
  long reconcile(Pipeline pipeline) {
    long deleted = 0;
    List<String> failed = new ArrayList<>();
    for (TableMapping mapping : pipeline.mappings()) {
      try {
        deleted += reconcile(pipeline, mapping);
      } catch (SQLException e) {
        failed.add(mapping.target() + ": " + e.getMessage());
      }
    }
    if (!failed.isEmpty()) {
      throw new IllegalStateException("pipeline " + pipeline.name() + ": could not remove the target rows the source "
          + "no longer has from " + failed);
    }
    return deleted;
  }

  private long reconcile(Pipeline pipeline, TableMapping mapping) throws SQLException {
    List<ColumnMapping> keys = mapping.keyColumns();
    String targetKey = "ROW(" + keys.stream().map(c -> "t." + Sql.quote(c.target().name()))
        .collect(Collectors.joining(", ")) + ")::text";
    String sourceKey = "ROW(" + keys.stream().map(c -> c.targetExpression("s." + Sql.quote(c.source().name())))
        .collect(Collectors.joining(", ")) + ")::text";
    List<List<String>> candidates = new ArrayList<>();
    List<String> candidateText = new ArrayList<>();
    Set<String> inTarget = new HashSet<>();
    try (Connection connection = target.getConnection(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      statement.setFetchSize(10_000);
      String columns = keys.stream().map(c -> "(t." + Sql.quote(c.target().name()) + ")::text")
          .collect(Collectors.joining(", "));
      try (ResultSet rows = statement.executeQuery("SELECT " + targetKey + ", " + columns + " FROM "
          + mapping.target().sql() + " t")) {
        while (rows.next()) {
          inTarget.add(rows.getString(1));
          List<String> values = new ArrayList<>();
          for (int i = 0; i < keys.size(); i++) {
            values.add(rows.getString(i + 2));
          }
          candidates.add(values);
          candidateText.add(rows.getString(1));
        }
      }
      connection.commit();
    }
    Set<String> inSource = new HashSet<>();
    try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      statement.setFetchSize(10_000);
      try (ResultSet rows = statement.executeQuery("SELECT " + sourceKey + " FROM " + mapping.source().sql() + " s")) {
        while (rows.next()) {
          inSource.add(rows.getString(1));
        }
      }
      connection.commit();
    }
    long deleted = 0;
    String delete = "DELETE FROM " + mapping.target().sql() + " WHERE " + keys.stream()
        .map(c -> Sql.quote(c.target().name()) + " = ?::" + c.target().sqlType()).collect(Collectors.joining(" AND "));
    try (Connection sourceConnection = source.getConnection();
         PreparedStatement stillMissing = sourceConnection.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM "
             + mapping.source().sql() + " s WHERE " + sourceKey + " = ?)");
         Connection targetConnection = target.getConnection();
         PreparedStatement remove = targetConnection.prepareStatement(delete)) {
      for (int i = 0; i < candidates.size(); i++) {
        if (inSource.contains(candidateText.get(i))) {
          continue;
        }
        stillMissing.setString(1, candidateText.get(i));
        try (ResultSet row = stillMissing.executeQuery()) {
          row.next();
          if (!row.getBoolean(1)) {
            continue;
          }
        }
        List<String> values = candidates.get(i);
        for (int k = 0; k < values.size(); k++) {
          remove.setObject(k + 1, values.get(k), Types.OTHER);
        }
        deleted += remove.executeUpdate();
      }
    }
    log.warn("Pipeline {}: {} row(s) of {} that {} no longer has deleted after the new snapshot ({} target rows "
        + "checked)", pipeline.name(), deleted, mapping.target(), mapping.source(), inTarget.size());
    return deleted;
  }
}
