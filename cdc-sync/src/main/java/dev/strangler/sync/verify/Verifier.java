package dev.strangler.sync.verify;

import dev.strangler.sync.mapping.ColumnMapping;
import dev.strangler.sync.mapping.Sql;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.deployment.Pipelines;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Compares a pipeline's source and target through its mapping, like Vitess' VDiff: row counts,
 * then md5 checksums over key ranges of {@value #CHUNK_ROWS} rows computed in SQL on both sides
 * (the source row goes through the same SQL conversions the applier uses, so equal data gives
 * equal text), then, only for ranges that differ, the per-row hashes to name the keys. Memory
 * use is bounded by one chunk; dropped columns and defaults are not compared.
 */
@Component
public class Verifier {

  private static final Logger log = LoggerFactory.getLogger(Verifier.class);
  static final int CHUNK_ROWS = 10_000;
  private static final int MAX_KEYS = 1_000;

  private final Pipelines pipelines;
  private final Map<String, LastVerify> last = new ConcurrentHashMap<>();
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final VerifyProgress progress;

  /**
   * @param pipelines the pipelines and their datasources
   * @param control cdc-sync's control database, where a whole verify's progress is kept
   */
  public Verifier(Pipelines pipelines, DataSource control) {
    this.pipelines = pipelines;
    this.progress = new VerifyProgress(control);
  }

  public VerifyResult verify(String name) {
    Pipeline pipeline = pipelines.get(name);
    if (running.putIfAbsent(name, new Running(Instant.now(), 0, 0)) != null) {
      throw new VerifyRunningException("a whole verify of pipeline " + name + " is already running; wait for its result");
    }
    try {
      return verifyWhole(name, pipeline);
    } finally {
      running.remove(name);
    }
  }

  private VerifyResult verifyWhole(String name, Pipeline pipeline) {
    DataSource source = pipelines.datasources().dataSource(pipeline.config().source());
    DataSource target = pipelines.datasources().dataSource(pipeline.config().target());
    try (Connection src = source.getConnection(); Connection tgt = target.getConnection()) {
      VerifyProgress.Saved saved = progress.load(name);
      int resumedChunks = saved == null ? 0 : saved.chunksDone();
      if (saved != null) {
        log.info("Verify of pipeline {} resumes after chunk {} (progress stored in the control database)", name,
            resumedChunks);
      }
      List<VerifyResult.DifferingKey> differing = new ArrayList<>(saved == null ? List.of() : saved.differing());
      List<VerifyResult.TableResult> tables = new ArrayList<>(saved == null ? List.of() : saved.done());
      running.put(name, new Running(Instant.now(), resumedChunks, resumedChunks));
      for (int index = tables.size(); index < pipeline.mappings().size(); index++) {
        VerifyProgress.Saved from = saved != null && saved.tableIndex() == index ? saved
            : new VerifyProgress.Saved(index, null, 0, 0, List.copyOf(tables), List.of());
        tables.add(verifyTable(name, pipeline.mappings().get(index), src, tgt, differing, from, resumedChunks));
      }
      long sourceRows = tables.stream().mapToLong(VerifyResult.TableResult::sourceRows).sum();
      long targetRows = tables.stream().mapToLong(VerifyResult.TableResult::targetRows).sum();
      progress.finished(name);
      boolean equal = differing.isEmpty() && sourceRows == targetRows;
      log.info("Verified pipeline {}: {} ({} source rows, {} target rows, {} differing keys{})", name,
          equal ? "equal" : "DIFFERENT", sourceRows, targetRows, differing.size(),
          resumedChunks == 0 ? "" : ", resumed after chunk " + resumedChunks);
      last.put(name, new LastVerify(Instant.now(), equal, sourceRows, targetRows, differing.size()));
      return new VerifyResult(equal, sourceRows, targetRows, differing, tables, resumedChunks);
    } catch (SQLException e) {
      throw new IllegalStateException("verification of pipeline " + name + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * The whole verify running now on this instance, or null.
   *
   * @param name the pipeline
   */
  public Running running(String name) {
    return running.get(name);
  }

  /**
   * A whole verify in progress.
   *
   * @param startedAt when this run (or its resumption) began
   * @param chunksDone chunks finished, the resumed ones included
   * @param resumedChunks chunks a stored progress spared this run (0: it started from the beginning)
   */
  public record Running(Instant startedAt, int chunksDone, int resumedChunks) {}

  /**
   * Re-verifies only the given keys: one indexed row lookup per key on each side instead of a whole
   * run, so the plan's {@code diff: zero} gate can re-check the keys that differed last time.
   *
   * @param name the pipeline
   * @param keys target table → list of keys (target key column → value as text)
   * @return the keys that still differ; {@code sourceRows}/{@code targetRows} count the given keys found
   * @throws InvalidKeysException when a table is not one of the pipeline's targets or a key lacks a key column
   */
  public VerifyResult verifyKeys(String name, List<RequestedKey> keys) {
    Pipeline pipeline = pipelines.get(name);
    Map<RequestedKey, TableMapping> resolved = resolve(pipeline, keys);
    DataSource source = pipelines.datasources().dataSource(pipeline.config().source());
    DataSource target = pipelines.datasources().dataSource(pipeline.config().target());
    List<VerifyResult.DifferingKey> differing = new ArrayList<>();
    long sourceRows = 0;
    long targetRows = 0;
    try (Connection src = source.getConnection(); Connection tgt = target.getConnection()) {
      for (Map.Entry<RequestedKey, TableMapping> entry : resolved.entrySet()) {
        TableMapping mapping = entry.getValue();
        List<String> values = keyValues(mapping, entry.getKey());
        String s = rowHash(src, Side.source(mapping), values);
        String t = rowHash(tgt, Side.target(mapping), values);
        sourceRows += s == null ? 0 : 1;
        targetRows += t == null ? 0 : 1;
        if (s == null && t == null) {
          continue;
        }
        if (s == null || t == null || !s.equals(t)) {
          add(differing, mapping, mapping.keyColumns().stream().map(c -> c.target().name()).toList(), values,
              s == null ? "missing-in-source" : t == null ? "missing-in-target" : "different");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("verification of pipeline " + name + " failed: " + e.getMessage(), e);
    }
    log.info("Re-verified {} keys of pipeline {}: {} differ", resolved.size(), name, differing.size());
    return new VerifyResult(differing.isEmpty(), sourceRows, targetRows, differing, List.of(), 0);
  }

  /**
   * A key asked for by a caller.
   *
   * @param table the target table, as the verifier names it ({@code schema.table}) or just its name
   * @param key target key column → value as text
   */
  public record RequestedKey(String table, Map<String, String> key) {}

  /** Each requested key's mapping, checked whole before anything is read. */
  static Map<RequestedKey, TableMapping> resolve(Pipeline pipeline, List<RequestedKey> keys) {
    if (keys == null || keys.isEmpty()) {
      throw new InvalidKeysException("keys: give at least one key");
    }
    if (keys.size() > MAX_KEYS) {
      throw new InvalidKeysException("keys: at most " + MAX_KEYS + " keys per call, were " + keys.size());
    }
    Map<RequestedKey, TableMapping> resolved = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      RequestedKey key = keys.get(i);
      int at = i;
      if (key == null || key.table() == null || key.key() == null) {
        throw new InvalidKeysException("keys[" + i + "]: needs a table and a key");
      }
      TableMapping mapping = pipeline.mappings().stream()
          .filter(m -> m.target().toString().equals(key.table()) || m.target().name().equals(key.table()))
          .findFirst().orElseThrow(() -> new InvalidKeysException("keys[" + at + "].table: " + key.table()
              + " is not a target table of pipeline " + pipeline.name()));
      List<String> names = mapping.keyColumns().stream().map(c -> c.target().name()).toList();
      if (!key.key().keySet().equals(new java.util.HashSet<>(names))) {
        throw new InvalidKeysException("keys[" + i + "].key: must name exactly the key columns " + names + " of "
            + mapping.target() + ", named " + key.key().keySet());
      }
      resolved.put(key, mapping);
    }
    return resolved;
  }

  static List<String> keyValues(TableMapping mapping, RequestedKey key) {
    return mapping.keyColumns().stream().map(c -> key.key().get(c.target().name())).toList();
  }

  private static String rowHash(Connection connection, Side side, List<String> key) throws SQLException {
    String sql = "SELECT md5(" + side.rowExpression() + "::text) FROM " + side.table + " WHERE ROW(" + side.keyList()
        + ") = ROW(" + side.keyParameters() + ")";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < key.size(); i++) {
        statement.setObject(i + 1, key.get(i), Types.OTHER);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    }
  }

  /**
   * The last verification of a pipeline since cdc-sync started (results are not stored: a restart
   * forgets them, and the next verify is the truth anyway).
   *
   * @param name the pipeline
   * @return its last result, or null if it was not verified since start-up
   */
  public LastVerify last(String name) {
    return last.get(name);
  }

  /**
   * @param at when it finished
   * @param equal whether source and target were equal
   * @param sourceRows rows in the source tables
   * @param targetRows rows in the target tables
   * @param differingKeys how many keys differed (capped at 1 000)
   */
  public record LastVerify(Instant at, boolean equal, long sourceRows, long targetRows, int differingKeys) {}

  private VerifyResult.TableResult verifyTable(String name, TableMapping mapping, Connection src, Connection tgt,
                                               List<VerifyResult.DifferingKey> differing, VerifyProgress.Saved from,
                                               int resumedChunks) throws SQLException {
    Side source = Side.source(mapping);
    Side target = Side.target(mapping);
    long sourceRows = count(src, source);
    long targetRows = count(tgt, target);
    int chunks = from.chunks();
    int differingChunks = from.differingChunks();
    List<String> lower = from.lower();
    int before = from.done().stream().mapToInt(VerifyResult.TableResult::chunks).sum();
    while (true) {
      List<String> upper = boundary(src, source, lower);
      chunks++;
      if (!chunkHash(src, source, lower, upper).equals(chunkHash(tgt, target, lower, upper))) {
        differingChunks++;
        drillDown(mapping, src, tgt, source, target, lower, upper, differing);
      }
      if (upper == null) {
        break;
      }
      lower = upper;
      // saved after each chunk: a restart goes on from the next one
      progress.save(name, new VerifyProgress.Saved(from.tableIndex(), lower, chunks, differingChunks, from.done(),
          List.copyOf(differing)));
      running.put(name, new Running(running.get(name).startedAt(), before + chunks, resumedChunks));
    }
    VerifyResult.TableResult result = new VerifyResult.TableResult(mapping.source().toString(),
        mapping.target().toString(), sourceRows, targetRows, chunks, differingChunks);
    List<VerifyResult.TableResult> done = new ArrayList<>(from.done());
    done.add(result);
    progress.save(name, new VerifyProgress.Saved(from.tableIndex() + 1, null, 0, 0, done, List.copyOf(differing)));
    return result;
  }

  private static long count(Connection connection, Side side) throws SQLException {
    try (Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + side.table)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** The key of the last row of the chunk after {@code lower}, or null when the rest fits in one chunk. */
  private static List<String> boundary(Connection connection, Side side, List<String> lower) throws SQLException {
    String sql = "SELECT " + side.keyText() + " FROM " + side.table + where(side, lower, null)
        + " ORDER BY " + side.keyList() + " OFFSET " + (CHUNK_ROWS - 1) + " LIMIT 2";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bindRange(statement, lower, null);
      try (ResultSet rows = statement.executeQuery()) {
        if (!rows.next()) {
          return null;
        }
        List<String> key = read(rows, side.keys.size(), 1);
        return rows.next() ? key : null;
      }
    }
  }

  private static String chunkHash(Connection connection, Side side, List<String> lower, List<String> upper)
      throws SQLException {
    String sql = "SELECT count(*) || ':' || coalesce(md5(string_agg(h, '' ORDER BY " + keyAliases(side) + ")), '')"
        + " FROM (SELECT " + side.keyAliased() + ", md5(" + side.rowExpression() + "::text) AS h FROM " + side.table
        + where(side, lower, upper) + ") x";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bindRange(statement, lower, upper);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    }
  }

  private void drillDown(TableMapping mapping, Connection src, Connection tgt, Side source, Side target,
                         List<String> lower, List<String> upper, List<VerifyResult.DifferingKey> differing)
      throws SQLException {
    Map<List<String>, String> sourceRows = rowHashes(src, source, lower, upper);
    Map<List<String>, String> targetRows = rowHashes(tgt, target, lower, upper);
    List<String> keyNames = mapping.keyColumns().stream().map(c -> c.target().name()).toList();
    for (Map.Entry<List<String>, String> row : sourceRows.entrySet()) {
      String other = targetRows.remove(row.getKey());
      if (other == null || !other.equals(row.getValue())) {
        add(differing, mapping, keyNames, row.getKey(), other == null ? "missing-in-target" : "different");
      }
    }
    for (List<String> key : targetRows.keySet()) {
      add(differing, mapping, keyNames, key, "missing-in-source");
    }
  }

  private static void add(List<VerifyResult.DifferingKey> differing, TableMapping mapping, List<String> names,
                          List<String> values, String problem) {
    if (differing.size() >= MAX_KEYS) {
      return;
    }
    Map<String, String> key = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      key.put(names.get(i), values.get(i));
    }
    differing.add(new VerifyResult.DifferingKey(mapping.target().toString(), key, problem));
  }

  private static Map<List<String>, String> rowHashes(Connection connection, Side side, List<String> lower,
                                                     List<String> upper) throws SQLException {
    String sql = "SELECT " + side.keyText() + ", md5(" + side.rowExpression() + "::text) FROM " + side.table
        + where(side, lower, upper);
    Map<List<String>, String> hashes = new HashMap<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bindRange(statement, lower, upper);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          hashes.put(read(rows, side.keys.size(), 1), rows.getString(side.keys.size() + 1));
        }
      }
    }
    return hashes;
  }

  private static List<String> read(ResultSet rows, int count, int from) throws SQLException {
    List<String> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(rows.getString(from + i));
    }
    return values;
  }

  private static String where(Side side, List<String> lower, List<String> upper) {
    List<String> conditions = new ArrayList<>();
    if (lower != null) {
      conditions.add("ROW(" + side.keyList() + ") > ROW(" + side.keyParameters() + ")");
    }
    if (upper != null) {
      conditions.add("ROW(" + side.keyList() + ") <= ROW(" + side.keyParameters() + ")");
    }
    return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
  }

  private static void bindRange(PreparedStatement statement, List<String> lower, List<String> upper)
      throws SQLException {
    int index = 1;
    for (List<String> bound : java.util.Arrays.asList(lower, upper)) {
      if (bound != null) {
        for (String value : bound) {
          statement.setObject(index++, value, Types.OTHER);
        }
      }
    }
  }

  private static String keyAliases(Side side) {
    List<String> aliases = new ArrayList<>();
    for (int i = 0; i < side.keys.size(); i++) {
      aliases.add("k" + i);
    }
    return String.join(", ", aliases);
  }

  /**
   * One side's SQL: the table, its key expressions and its row expression, all of target types.
   *
   * @param table the table in SQL
   * @param keys key expressions
   * @param keyTypes the target key types (for the range parameters)
   * @param values every compared column's expression
   */
  private record Side(String table, List<String> keys, List<String> keyTypes, List<String> values) {

    static Side source(TableMapping mapping) {
      return new Side(mapping.source().sql() + " s",
          mapping.keyColumns().stream().map(c -> c.targetExpression("s." + Sql.quote(c.source().name()))).toList(),
          mapping.keyColumns().stream().map(c -> c.target().sqlType()).toList(),
          mapping.columns().stream().map(c -> c.comparableSource("s." + Sql.quote(c.source().name()))).toList());
    }

    static Side target(TableMapping mapping) {
      return new Side(mapping.target().sql() + " t",
          mapping.keyColumns().stream().map(c -> "t." + Sql.quote(c.target().name())).toList(),
          mapping.keyColumns().stream().map(c -> c.target().sqlType()).toList(),
          mapping.columns().stream().map(c -> c.comparableTarget("t." + Sql.quote(c.target().name()))).toList());
    }

    String keyList() {
      return String.join(", ", keys);
    }

    String keyText() {
      return keys.stream().map(k -> "(" + k + ")::text").collect(Collectors.joining(", "));
    }

    String keyAliased() {
      List<String> aliased = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        aliased.add(keys.get(i) + " AS k" + i);
      }
      return String.join(", ", aliased);
    }

    String keyParameters() {
      return keyTypes.stream().map(t -> "?::" + t).collect(Collectors.joining(", "));
    }

    String rowExpression() {
      return "ROW(" + String.join(", ", values) + ")";
    }
  }
}
