package dev.strangler.sync.mapping;

import java.util.Locale;

/** What kind of value a PostgreSQL column holds, as far as mapping and conversion care. */
public enum TypeCategory {
  TEXT, INTEGER, NUMERIC, FLOAT, BOOLEAN, TIMESTAMP, TIMESTAMPTZ, DATE, TIME, UUID, JSON, BYTEA, OTHER;

  /** The category of a type by its {@code pg_type.typname} (udt name). */
  static TypeCategory of(String udtName) {
    return switch (udtName.toLowerCase(Locale.ROOT)) {
      case "text", "varchar", "bpchar", "name", "citext", "char" -> TEXT;
      case "int2", "int4", "int8", "oid" -> INTEGER;
      case "numeric" -> NUMERIC;
      case "float4", "float8" -> FLOAT;
      case "bool" -> BOOLEAN;
      case "timestamp" -> TIMESTAMP;
      case "timestamptz" -> TIMESTAMPTZ;
      case "date" -> DATE;
      case "time" -> TIME;
      case "uuid" -> UUID;
      case "json", "jsonb" -> JSON;
      case "bytea" -> BYTEA;
      default -> OTHER;
    };
  }

  /** Whether a value of this category can be written to a column of {@code target} as is. */
  boolean assignableTo(TypeCategory target) {
    if (this == target) {
      return this != OTHER;
    }
    return switch (this) {
      case INTEGER -> target == NUMERIC || target == FLOAT;
      case NUMERIC -> target == FLOAT;
      case FLOAT -> target == NUMERIC;
      default -> false;
    };
  }
}
