package dev.strangler.sync.mapping;

import java.util.List;
import java.util.Map;

/**
 * A validated mapping of one source table onto one target table.
 *
 * @param pipeline the pipeline's name
 * @param source the source table
 * @param target the target table
 * @param columns mapped columns, keys first
 * @param defaults target column → SQL expression set on insert (already typed)
 * @param dropped source columns not copied
 */
public record TableMapping(String pipeline, TableRef source, TableRef target, List<ColumnMapping> columns,
                           Map<Column, String> defaults, List<String> dropped) {

  public List<ColumnMapping> keyColumns() {
    return columns.stream().filter(ColumnMapping::key).toList();
  }

  public List<ColumnMapping> valueColumns() {
    return columns.stream().filter(c -> !c.key()).toList();
  }

  /** The mapped column for a source column name, or null when it is not copied. */
  public ColumnMapping bySource(String sourceColumn) {
    for (ColumnMapping column : columns) {
      if (column.source().name().equals(sourceColumn)) {
        return column;
      }
    }
    return null;
  }

  /**
   * The INSERT of a row into the target: the mapped columns and the defaults, each source value
   * given by {@code sourceValue} (a {@code ?} parameter, or a column of {@code from}), then on the
   * key either the value columns updated ({@code update}) or nothing.
   *
   * @param sourceValue the SQL of a mapped column's source value, as text
   * @param from null for one row of parameters ({@code VALUES}), else the {@code FROM} of a
   *     {@code SELECT} giving many
   */
  public String insert(java.util.function.Function<ColumnMapping, String> sourceValue, String from, boolean update) {
    List<String> names = new java.util.ArrayList<>();
    List<String> values = new java.util.ArrayList<>();
    for (ColumnMapping column : columns) {
      names.add(Sql.quote(column.target().name()));
      values.add(column.targetExpression(sourceValue.apply(column)));
    }
    for (Map.Entry<Column, String> entry : defaults.entrySet()) {
      names.add(Sql.quote(entry.getKey().name()));
      values.add(entry.getValue());
    }
    String keys = keyColumns().stream().map(c -> Sql.quote(c.target().name())).collect(java.util.stream.Collectors.joining(", "));
    String updates = valueColumns().stream()
        .map(c -> Sql.quote(c.target().name()) + " = EXCLUDED." + Sql.quote(c.target().name()))
        .collect(java.util.stream.Collectors.joining(", "));
    String rows = from == null ? "VALUES (" + String.join(", ", values) + ")"
        : "SELECT " + String.join(", ", values) + " FROM " + from;
    return "INSERT INTO " + target.sql() + " (" + String.join(", ", names) + ") " + rows + " ON CONFLICT (" + keys + ") "
        + (update && !updates.isEmpty() ? "DO UPDATE SET " + updates : "DO NOTHING");
  }

  /** Kafka topic carrying this table's changes. */
  public String topic() {
    return topicFor(pipeline, source);
  }

  public static String topicFor(String pipeline, TableRef source) {
    return pipeline + "." + source.schema() + "." + source.name();
  }
}
