package dev.strangler.sync.mapping;

/** Identifier quoting for generated SQL. */
public final class Sql {

  private Sql() {}

  public static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
