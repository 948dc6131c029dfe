package dev.strangler.sync.mapping;

import java.util.List;

/**
 * One source column written to one target column.
 *
 * @param source the source column
 * @param target the target column
 * @param conversions applied in order; empty for a plain copy
 * @param key whether it is one of the key columns
 */
public record ColumnMapping(Column source, Column target, List<Conversion> conversions, boolean key) {

  /**
   * The SQL expression for the target value, given an SQL expression of the source value
   * (a column reference, or a {@code ?} parameter that carries the source value as text).
   */
  public String targetExpression(String sourceExpression) {
    String expression = "(" + sourceExpression + ")::" + source.sqlType();
    for (Conversion conversion : conversions) {
      expression = conversion.sql(expression);
    }
    return "(" + expression + ")::" + target.sqlType();
  }
}
