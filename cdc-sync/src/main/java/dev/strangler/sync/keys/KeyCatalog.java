package dev.strangler.sync.keys;

import dev.strangler.sync.mapping.Sql;
import dev.strangler.sync.mapping.TableRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.sql.DataSource;

/** Key columns' sequences and largest keys in one database. */
final class KeyCatalog {

  private final DataSource dataSource;

  KeyCatalog(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** The sequence behind the column (serial or identity), or empty. */
  Optional<String> sequenceOf(TableRef table, String column) throws SQLException {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement("SELECT pg_get_serial_sequence(?, ?)")) {
      statement.setString(1, table.sql());
      statement.setString(2, column);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return Optional.ofNullable(rows.getString(1));
      }
    }
  }

  SequenceState state(String sequence) throws SQLException {
    try (Connection connection = dataSource.getConnection();
         PreparedStatement settings = connection.prepareStatement(
             "SELECT seqincrement, seqmax FROM pg_sequence WHERE seqrelid = ?::regclass");
         Statement value = connection.createStatement()) {
      settings.setString(1, sequence);
      long increment;
      long max;
      try (ResultSet rows = settings.executeQuery()) {
        if (!rows.next()) {
          throw new SQLException("sequence " + sequence + " does not exist");
        }
        increment = rows.getLong(1);
        max = rows.getLong(2);
      }
      // the name comes from pg_get_serial_sequence, already quoted where it needs to be
      try (ResultSet rows = value.executeQuery("SELECT last_value, is_called FROM " + sequence)) {
        rows.next();
        return new SequenceState(sequence, rows.getLong(1), rows.getBoolean(2), increment, max);
      }
    }
  }

  /** The largest value of the column, or null when the table is empty. */
  Long maxKey(TableRef table, String column) throws SQLException {
    try (Connection connection = dataSource.getConnection();
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT max(" + Sql.quote(column) + ")::bigint FROM " + table.sql())) {
      rows.next();
      long max = rows.getLong(1);
      return rows.wasNull() ? null : max;
    }
  }

  /**
   * The first key the sequence would hand out from {@code next} on, in steps of {@code increment},
   * that the column already holds; null when none is (keys of another residue, e.g. the other side's
   * even keys beside odd ones, do not count). An index range scan from {@code next} up.
   */
  Long takenFrom(TableRef table, String column, long next, long increment) throws SQLException {
    String key = Sql.quote(column);
    try (Connection connection = dataSource.getConnection();
         PreparedStatement statement = connection.prepareStatement("SELECT min(" + key + ")::bigint FROM " + table.sql()
             + " WHERE " + key + " >= ? AND mod(" + key + "::bigint - ?, ?) = 0")) {
      statement.setLong(1, next);
      statement.setLong(2, next);
      statement.setLong(3, increment);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        long taken = rows.getLong(1);
        return rows.wasNull() ? null : taken;
      }
    }
  }

  /**
   * Moves the sequence so that its next value is {@code next}, unless it is already there or beyond
   * (never lowers it); sets its increment first when given.
   *
   * @return whether anything changed
   */
  boolean raise(String sequence, long next, Long increment) throws SQLException {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      boolean changed = false;
      SequenceState before = state(sequence);
      if (increment != null && increment != before.increment()) {
        statement.execute("ALTER SEQUENCE " + sequence + " INCREMENT BY " + increment);
        changed = true;
      }
      long step = increment != null ? increment : before.increment();
      if (before.next() < next) {
        // setval(.., false): the next nextval hands out exactly `next`; GREATEST keeps a value a concurrent
        // nextval moved it to meanwhile
        try (PreparedStatement set = connection.prepareStatement(
            "SELECT setval(?::regclass, greatest(?, (SELECT CASE WHEN is_called THEN last_value + ? ELSE last_value END"
                + " FROM " + sequence + ")), false)")) {
          set.setString(1, sequence);
          set.setLong(2, next);
          set.setLong(3, step);
          set.executeQuery().close();
        }
        changed = true;
      }
      return changed;
    }
  }
}
