package dev.strangler.sync.mapping;

import java.util.List;

/**
 * One source column written to one target column.
 *
 * @param source the source column
 * @param target the target column
 * @param conversions applied in order; empty for a plain copy
 * @param key whether it is one of the key columns
 * @param fit how a value is made to fit a target column narrower than the source (see {@link Narrowing})
 */
public record ColumnMapping(Column source, Column target, List<Conversion> conversions, boolean key, Fit fit) {

  /** How a source value is written to the target column. */
  public enum Fit {
    /** the target holds every source value: cast */
    CAST,
    /** the target is narrower ({@code convert: exact}): a value that does not fit exactly is an error, never cut */
    EXACT,
    /** the target is narrower ({@code convert: truncate}): cut or rounded by the cast, as configured */
    TRUNCATE
  }

  public ColumnMapping(Column source, Column target, List<Conversion> conversions, boolean key) {
    this(source, target, conversions, key, Fit.CAST);
  }

  /** The source value after the conversions, in the type they give. */
  private String converted(String sourceExpression) {
    String expression = "(" + sourceExpression + ")::" + source.sqlType();
    for (Conversion conversion : conversions) {
      expression = conversion.sql(expression);
    }
    return expression;
  }

  /**
   * The SQL expression for the target value, given an SQL expression of the source value
   * (a column reference, or a {@code ?} parameter that carries the source value as text). With
   * {@link Fit#EXACT}, a value the target type would cut or round raises a data error (SQLSTATE
   * 22P02, "value does not fit ..."), which dead-letters the change; the value is never written cut.
   */
  public String targetExpression(String sourceExpression) {
    String value = converted(sourceExpression);
    String cast = "(" + value + ")::" + target.sqlType();
    if (fit != Fit.EXACT) {
      return "(" + cast + ")";
    }
    // the value is named once (a parameter appears once in the statement) in a subquery; the
    // ELSE depends on it, so it is evaluated per row, not folded at plan time
    String fitted = "fit.v::" + target.sqlType();
    return "(SELECT CASE WHEN " + fitted + " IS NOT DISTINCT FROM fit.v THEN " + fitted
        + " ELSE ((('value does not fit " + target.sqlType().replace("'", "") + "' || left(fit.v::text, 0))::int)::text)::"
        + target.sqlType() + " END FROM (SELECT " + value + " AS v) fit)";
  }

  /**
   * What the verifier compares on the source side: the value the target should hold. For a
   * narrowing column written {@link Fit#EXACT}, the source's own value (normalised, as
   * {@link #comparableTarget} normalises the target's), so a value that did not fit shows as a
   * difference instead of comparing equal once cut.
   */
  public String comparableSource(String sourceExpression) {
    return fit == Fit.EXACT ? normalised(converted(sourceExpression)) : targetExpression(sourceExpression);
  }

  /** What the verifier compares on the target side, given the target column's expression. */
  public String comparableTarget(String targetExpression) {
    return fit == Fit.EXACT ? normalised(targetExpression) : targetExpression;
  }

  /** A value in a type both sides share, where equal values print alike (1.230 and 1.23). */
  private String normalised(String expression) {
    return switch (target.category()) {
      case NUMERIC, INTEGER -> "trim_scale((" + expression + ")::numeric)";
      case FLOAT -> "((" + expression + ")::float8)";
      case TIMESTAMP -> "((" + expression + ")::timestamp)";
      case TIMESTAMPTZ -> "((" + expression + ")::timestamptz)";
      case TIME -> "((" + expression + ")::time)";
      default -> "((" + expression + ")::text)";
    };
  }
}
