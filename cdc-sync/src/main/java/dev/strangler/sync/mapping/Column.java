package dev.strangler.sync.mapping;

/**
 * A column as the catalog describes it.
 *
 * @param name its name
 * @param udtName {@code pg_type.typname}, e.g. {@code int8}, {@code timestamptz}
 * @param sqlType the full type for casts, e.g. {@code numeric(10,2)}
 * @param nullable whether it accepts null
 * @param hasDefault whether it has a default or is an identity column
 */
public record Column(String name, String udtName, String sqlType, boolean nullable, boolean hasDefault) {

  public TypeCategory category() {
    return TypeCategory.of(udtName);
  }
}
