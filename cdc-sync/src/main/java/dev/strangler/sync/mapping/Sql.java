package dev.strangler.sync.mapping;

/** Identifier quoting for generated SQL. */
public final class Sql {

  private Sql() {}

  /**
   * Sets {@code session_replication_role = replica} for the current transaction, as PostgreSQL's
   * own logical replication applies: the target's foreign keys and ordinary triggers do not fire
   * for replicated rows (tables are copied and applied independently, so a child row may come
   * before its parent). Needs a superuser, or from PostgreSQL 15 a role granted SET on the parameter.
   *
   * @return false when the user may not set it (the transaction goes on, with checks on)
   */
  public static boolean replicaRole(java.sql.Connection connection) throws java.sql.SQLException {
    try (var statement = connection.createStatement()) {
      statement.execute("SAVEPOINT strangler_role");
      try {
        statement.execute("SET LOCAL session_replication_role = replica");
      } catch (java.sql.SQLException e) {
        if (!"42501".equals(e.getSQLState())) {
          throw e;
        }
        statement.execute("ROLLBACK TO SAVEPOINT strangler_role");
        return false;
      }
      statement.execute("RELEASE SAVEPOINT strangler_role");
      return true;
    }
  }

  public static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
