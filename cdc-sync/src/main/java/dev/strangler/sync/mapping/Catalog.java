package dev.strangler.sync.mapping;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/** Reads tables, columns and unique keys from a live database's catalog. */
final class Catalog {

  private final DataSource dataSource;

  Catalog(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The table's columns in order, or empty when the table does not exist. */
  Optional<Map<String, Column>> columns(TableRef table) {
    String sql = """
        SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
               (a.atthasdef OR a.attidentity <> ''), a.atttypmod
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum""";
    try (Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, table.schema());
      statement.setString(2, table.name());
      Map<String, Column> columns = new LinkedHashMap<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          columns.put(rows.getString(1), new Column(rows.getString(1), rows.getString(2), rows.getString(3),
              rows.getBoolean(4), rows.getBoolean(5), rows.getInt(6)));
        }
      }
      return columns.isEmpty() ? Optional.empty() : Optional.of(columns);
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the catalog for " + table + ": " + e.getMessage(), e);
    }
  }

  /** The column sets of the table's primary key and unique constraints/indexes (non-partial). */
  List<Set<String>> uniqueKeys(TableRef table) {
    String sql = """
        SELECT array_agg(a.attname::text ORDER BY a.attname)
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
        WHERE n.nspname = ? AND c.relname = ? AND i.indisunique AND i.indpred IS NULL
          AND NOT (0 = ANY(i.indkey))
        GROUP BY i.indexrelid""";
    try (Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, table.schema());
      statement.setString(2, table.name());
      List<Set<String>> keys = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          keys.add(new LinkedHashSet<>(List.of((String[]) rows.getArray(1).getArray())));
        }
      }
      return keys;
    } catch (SQLException e) {
      throw new IllegalStateException("could not read the keys of " + table + ": " + e.getMessage(), e);
    }
  }
}
