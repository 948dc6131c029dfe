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

  /** Kafka topic carrying this table's changes. */
  public String topic() {
    return topicFor(pipeline, source);
  }

  public static String topicFor(String pipeline, TableRef source) {
    return pipeline + "." + source.schema() + "." + source.name();
  }
}
