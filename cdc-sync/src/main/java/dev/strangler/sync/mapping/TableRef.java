package dev.strangler.sync.mapping;

/**
 * A table by schema and name.
 *
 * @param schema the schema, {@code public} unless given
 * @param name the table name
 */
public record TableRef(String schema, String name) {

  /** Parses {@code table} or {@code schema.table}. */
  public static TableRef parse(String qualified) {
    int dot = qualified.indexOf('.');
    return dot < 0 ? new TableRef("public", qualified.trim())
        : new TableRef(qualified.substring(0, dot).trim(), qualified.substring(dot + 1).trim());
  }

  /** Quoted for SQL. */
  public String sql() {
    return Sql.quote(schema) + "." + Sql.quote(name);
  }

  @Override
  public String toString() {
    return schema + "." + name;
  }
}
