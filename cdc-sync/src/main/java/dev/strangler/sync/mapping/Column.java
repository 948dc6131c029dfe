package dev.strangler.sync.mapping;

/**
 * A column as the catalog describes it.
 *
 * @param name its name
 * @param udtName {@code pg_type.typname}, e.g. {@code int8}, {@code timestamptz}
 * @param sqlType the full type for casts, e.g. {@code numeric(10,2)}
 * @param nullable whether it accepts null
 * @param hasDefault whether it has a default or is an identity column
 * @param typmod {@code pg_attribute.atttypmod}: length, precision and scale; -1 when unbounded
 */
public record Column(String name, String udtName, String sqlType, boolean nullable, boolean hasDefault, int typmod) {

  public TypeCategory category() {
    return TypeCategory.of(udtName);
  }
}
