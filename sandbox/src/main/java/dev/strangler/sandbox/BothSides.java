package dev.strangler.sandbox;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Checks that every write the gateway acknowledged exists in the legacy and the new database. */
final class BothSides {

  private BothSides() {}

  /** Ids of {@code written} missing from {@code table} of {@code database}. */
  static Set<Long> missing(Stack stack, String database, String table, List<Traffic.Written> written) throws SQLException {
    Set<Long> wanted = written.stream().map(Traffic.Written::id).collect(Collectors.toCollection(HashSet::new));
    if (wanted.isEmpty()) {
      return Set.of();
    }
    try (Connection connection = DriverManager.getConnection(stack.jdbcUrl(database), "postgres", "postgres");
         PreparedStatement select = connection.prepareStatement("SELECT id FROM " + table + " WHERE id = ANY (?)")) {
      select.setArray(1, connection.createArrayOf("bigint", wanted.toArray()));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          wanted.remove(rows.getLong(1));
        }
      }
    }
    return wanted;
  }
}
