package dev.strangler.sync.mapping;

import dev.strangler.sync.config.SyncProperties;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * Checks a pipeline's table mappings against the live catalogs of its source and target and
 * compiles them. Every problem is reported, each naming pipeline, table and column, e.g.
 * {@code pipeline 'members': table members → accounts: source column 'fullname' (in columns)
 * does not exist in public.members}.
 */
public final class MappingCompiler {

  private final Function<String, DataSource> dataSources;

  /** @param dataSources datasource by configured name */
  public MappingCompiler(Function<String, DataSource> dataSources) {
    this.dataSources = dataSources;
  }

  /** Compiles one pipeline; throws {@link InvalidPipelineException} listing every problem. */
  public List<TableMapping> compile(String pipelineName, SyncProperties.Pipeline pipeline) {
    Catalog source = new Catalog(dataSources.apply(pipeline.source()));
    Catalog target = new Catalog(dataSources.apply(pipeline.target()));
    List<String> problems = new ArrayList<>();
    TargetTables targetTables = new TargetTables(dataSources);
    if (pipeline.createTarget()) {
      problems.addAll(targetTables.createMissing(pipelineName, pipeline));
    }
    List<TableMapping> mappings = new ArrayList<>();
    for (int i = 0; i < pipeline.tables().size(); i++) {
      SyncProperties.Table table = pipeline.tables().get(i);
      String where = "pipeline '" + pipelineName + "', tables[" + i + "] " + table.sourceTable() + " → "
          + table.targetTableOrSource() + ": ";
      compileTable(pipelineName, pipeline, table, source, target, where, problems).ifPresent(mappings::add);
    }
    if (!problems.isEmpty()) {
      List<TargetTables.TargetTable> missing = pipeline.createTarget() ? List.of() : missingTables(pipelineName, pipeline,
          targetTables);
      throw new InvalidPipelineException("strangler.sync.pipelines." + pipelineName + " does not fit the databases:\n  "
          + String.join("\n  ", problems) + (missing.isEmpty() ? "" : "\n  The missing target tables of pipeline '"
          + pipelineName + "', from the source's columns through the mapping (run on datasource '" + pipeline.target()
          + "'):\n" + TargetTables.script(pipelineName, missing, false).stripTrailing()));
    }
    return mappings;
  }

  private Optional<TableMapping> compileTable(String pipelineName, SyncProperties.Pipeline pipeline,
                                              SyncProperties.Table table, Catalog sourceCatalog,
                                              Catalog targetCatalog, String where, List<String> problems) {
    TableRef sourceTable = TableRef.parse(table.sourceTable());
    TableRef targetTable = TableRef.parse(table.targetTableOrSource());
    Optional<Map<String, Column>> sourceColumns = sourceCatalog.columns(sourceTable);
    Optional<Map<String, Column>> targetColumns = targetCatalog.columns(targetTable);
    if (sourceColumns.isEmpty()) {
      problems.add(where + "source table " + sourceTable + " does not exist");
    }
    if (targetColumns.isEmpty() && pipeline.createTarget()) {
      problems.add(where + "target table " + targetTable + " does not exist in datasource '" + pipeline.target()
          + "' (create-target did not create it" + (sourceColumns.isEmpty() ? ": no source table)" : ", see above)"));
    } else if (targetColumns.isEmpty()) {
      problems.add(where + "target table " + targetTable + " does not exist in datasource '" + pipeline.target()
          + "': create it (its CREATE TABLE is below" + (sourceColumns.isEmpty() ? ", once the source table exists" : "")
          + "), or set strangler.sync.pipelines." + pipelineName + ".create-target: true to have cdc-sync create it"
          + " (1:1 or renamed columns), or print it with './strangler sync ddl " + pipelineName + "' (or --liquibase)"
          + " while the pipeline is enabled: false");
    }
    if (sourceColumns.isEmpty() || targetColumns.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Column> src = sourceColumns.get();
    Map<String, Column> tgt = targetColumns.get();
    int before = problems.size();

    for (String column : table.columns().keySet()) {
      if (!src.containsKey(column)) {
        problems.add(where + "source column '" + column + "' (in columns) does not exist in " + sourceTable
            + hint(column));
      }
    }
    for (String column : table.drop()) {
      if (!src.containsKey(column)) {
        problems.add(where + "source column '" + column + "' (in drop) does not exist in " + sourceTable + hint(column));
      }
    }
    for (String column : table.key()) {
      if (!src.containsKey(column)) {
        problems.add(where + "key column '" + column + "' does not exist in " + sourceTable);
      } else if (table.drop().contains(column)) {
        problems.add(where + "key column '" + column + "' is dropped");
      }
    }

    List<ColumnMapping> columns = new ArrayList<>();
    Set<String> mappedTargets = new HashSet<>();
    for (Column sourceColumn : src.values()) {
      if (table.drop().contains(sourceColumn.name())) {
        continue;
      }
      String targetName = table.columns().getOrDefault(sourceColumn.name(), sourceColumn.name());
      Column targetColumn = tgt.get(targetName);
      if (targetColumn == null) {
        problems.add(where + "column '" + sourceColumn.name() + "' maps to target column '" + targetName
            + "', which does not exist in " + targetTable + " (rename it in columns or list it in drop)");
        continue;
      }
      if (!mappedTargets.add(targetName)) {
        problems.add(where + "target column '" + targetName + "' is mapped from more than one source column");
        continue;
      }
      List<Conversion> conversions = List.of();
      String convert = table.convert().get(targetName);
      if (convert != null) {
        try {
          conversions = Conversion.chain(convert);
        } catch (IllegalArgumentException e) {
          problems.add(where + "column '" + targetName + "': " + e.getMessage());
          continue;
        }
      }
      TypeCategory category = sourceColumn.category();
      boolean convertible = true;
      for (Conversion conversion : conversions) {
        if (!conversion.accepts().contains(category)) {
          problems.add(where + "column '" + sourceColumn.name() + "' → '" + targetName + "': conversion '"
              + conversion.name() + "' does not accept " + sourceColumn.sqlType());
          convertible = false;
          break;
        }
        category = conversion.outputFor(category);
      }
      if (convertible && !category.assignableTo(targetColumn.category())
          && !sameOtherType(sourceColumn, targetColumn, conversions)) {
        problems.add(where + "column '" + sourceColumn.name() + "' (" + sourceColumn.sqlType() + ") cannot be written to '"
            + targetName + "' (" + targetColumn.sqlType() + ")" + (conversions.isEmpty() ? " without a conversion" : "")
            + suggestion(sourceColumn.category(), targetColumn.category(), targetName));
        continue;
      }
      ColumnMapping.Fit fit = ColumnMapping.Fit.CAST;
      String narrowing = Narrowing.of(sourceColumn, conversions, targetColumn);
      if (narrowing != null) {
        boolean exact = conversions.stream().anyMatch(c -> c.name().equals("exact"));
        boolean truncate = conversions.stream().anyMatch(c -> c.name().equals("truncate"));
        if (!exact && !truncate) {
          problems.add(where + "column '" + sourceColumn.name() + "' (" + sourceColumn.sqlType() + ") → '" + targetName
              + "' (" + targetColumn.sqlType() + ") narrows: " + narrowing + "; add convert." + targetName
              + ": exact (a value that does not fit is dead-lettered) or truncate (it is cut or rounded)");
          continue;
        }
        fit = exact ? ColumnMapping.Fit.EXACT : ColumnMapping.Fit.TRUNCATE;
      }
      columns.add(new ColumnMapping(sourceColumn, targetColumn, conversions, table.key().contains(sourceColumn.name()),
          fit));
    }

    for (String target : table.convert().keySet()) {
      if (!mappedTargets.contains(target)) {
        problems.add(where + "convert names target column '" + target + "', which no source column maps to"
            + hint(target));
      }
    }

    Map<Column, String> defaults = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : table.defaults().entrySet()) {
      Column column = tgt.get(entry.getKey());
      if (column == null) {
        problems.add(where + "default for target column '" + entry.getKey() + "', which does not exist in "
            + targetTable + hint(entry.getKey()));
      } else if (mappedTargets.contains(entry.getKey())) {
        problems.add(where + "default for target column '" + entry.getKey() + "', which a source column already maps to");
      } else {
        defaults.put(column, defaultExpression(entry.getValue(), column));
      }
    }

    for (Column column : tgt.values()) {
      if (!column.nullable() && !column.hasDefault() && !mappedTargets.contains(column.name())
          && defaults.keySet().stream().noneMatch(d -> d.name().equals(column.name()))) {
        problems.add(where + "target column '" + column.name() + "' is NOT NULL without a default, and nothing maps to it"
            + " (add defaults." + column.name() + ")");
      }
    }

    if (problems.size() == before) {
      Set<String> targetKey = new HashSet<>();
      for (ColumnMapping column : columns) {
        if (column.key()) {
          targetKey.add(column.target().name());
        }
      }
      boolean unique = targetCatalog.uniqueKeys(targetTable).stream().anyMatch(k -> k.equals(targetKey));
      if (!unique) {
        problems.add(where + "key " + table.key() + " maps to target columns " + targetKey
            + ", which are not the primary key or a unique key of " + targetTable);
      }
    }
    if (problems.size() > before) {
      return Optional.empty();
    }
    List<ColumnMapping> ordered = new ArrayList<>(columns.stream().filter(ColumnMapping::key).toList());
    ordered.addAll(columns.stream().filter(c -> !c.key()).toList());
    List<String> dropped = List.copyOf(table.drop());
    return Optional.of(new TableMapping(pipelineName, sourceTable, targetTable, List.copyOf(ordered), defaults, dropped));
  }

  /** The target tables that do not exist (and whose source does), with their DDL; empty if the catalogs cannot say. */
  private static List<TargetTables.TargetTable> missingTables(String pipelineName, SyncProperties.Pipeline pipeline,
                                                              TargetTables targetTables) {
    try {
      return targetTables.ddl(pipelineName, pipeline).stream().filter(t -> !t.exists() && t.sourceExists()).toList();
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  private static boolean sameOtherType(Column source, Column target, List<Conversion> conversions) {
    return conversions.isEmpty() && source.udtName().equals(target.udtName());
  }

  private static String defaultExpression(String value, Column column) {
    if (value.trim().equalsIgnoreCase("now()")) {
      return "now()::" + column.sqlType();
    }
    return "'" + value.replace("'", "''") + "'::" + column.sqlType();
  }

  private static String suggestion(TypeCategory from, TypeCategory to, String targetName) {
    if (from == TypeCategory.TIMESTAMP && to == TypeCategory.TIMESTAMPTZ) {
      return " (add convert." + targetName + ": timestamp-to-timestamptz)";
    }
    if (from == TypeCategory.TIMESTAMPTZ && to == TypeCategory.TIMESTAMP) {
      return " (add convert." + targetName + ": timestamptz-to-timestamp)";
    }
    if (to == TypeCategory.TEXT) {
      return " (add convert." + targetName + ": text)";
    }
    return "";
  }

  private static String hint(String name) {
    return " (write map keys in brackets, e.g. \"[full_name]\": Spring binds unbracketed keys relaxed and drops"
        + " characters other than letters, digits, '-' and '_')";
  }
}
