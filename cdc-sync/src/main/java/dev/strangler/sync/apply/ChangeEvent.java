package dev.strangler.sync.apply;

import dev.strangler.sync.mapping.ColumnMapping;
import dev.strangler.sync.mapping.TableMapping;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A change read back from Kafka (Debezium's envelope, JSON without schemas).
 *
 * @param mapping the table mapping of its topic
 * @param op {@code c} insert, {@code u} update, {@code d} delete, {@code r} snapshot read
 * @param before the row before (null for inserts and reads)
 * @param after the row after (null for deletes); an unchanged TOASTed value the before-image
 *     holds is filled in from it
 * @param sourceCommitMillis commit time in the source ({@code source.ts_ms})
 * @param snapshot whether it comes from the initial snapshot
 * @param key the Kafka key
 * @param value the Kafka value as received
 * @param position where the change is in the source's stream (null when Debezium did not say)
 * @param unavailable mapped source columns whose value the change does not carry (an unchanged
 *     TOASTed value without a before-image: Debezium's placeholder); never written
 * @param txId the source transaction's id ({@code source.txId}); null when Debezium did not say
 */
record ChangeEvent(TableMapping mapping, String op, JsonNode before, JsonNode after, long sourceCommitMillis,
                   boolean snapshot, String key, String value, Position position, Set<String> unavailable,
                   Long txId) {

  /** Debezium's default {@code unavailable.value.placeholder}, which capture leaves as it is. */
  static final String UNAVAILABLE = "__debezium_unavailable_value";
  private static final String UNAVAILABLE_BASE64 =
      Base64.getEncoder().encodeToString(UNAVAILABLE.getBytes(StandardCharsets.UTF_8));

  static ChangeEvent parse(JsonMapper json, TableMapping mapping, String key, String value) {
    JsonNode root = json.readTree(value);
    JsonNode source = root.path("source");
    String snapshotMark = source.path("snapshot").asString("false");
    String op = root.path("op").asString();
    boolean snapshot = !"false".equals(snapshotMark) && !"incremental".equals(snapshotMark);
    JsonNode before = nullIfMissing(root.get("before"));
    JsonNode after = nullIfMissing(root.get("after"));
    Set<String> unavailable = new LinkedHashSet<>();
    if (after != null) {
      for (ColumnMapping column : mapping.columns()) {
        String name = column.source().name();
        if (!isPlaceholder(after.get(name))) {
          continue;
        }
        JsonNode old = before == null ? null : before.get(name);
        if (old != null && !isPlaceholder(old)) {
          // unchanged, so the value it had before is the value it has (REPLICA IDENTITY FULL)
          if (after == root.get("after")) {
            after = after.deepCopy();
          }
          ((ObjectNode) after).set(name, old);
        } else {
          unavailable.add(name);
        }
      }
    }
    // reads of an incremental snapshot show the row as it is at some point of the stream: not positioned
    Position position = "r".equals(op) && !snapshot ? null : Position.of(source.path("sequence").asString(null));
    return new ChangeEvent(mapping, op, before, after, source.path("ts_ms").asLong(0), snapshot, key, value,
        position, Set.copyOf(unavailable), source.path("txId").isNumber() ? source.path("txId").asLong() : null);
  }

  /** Debezium's placeholder for a value it did not get: as text, as base64 bytes, or as the only array element. */
  static boolean isPlaceholder(JsonNode node) {
    if (node == null) {
      return false;
    }
    if (node.isString()) {
      String text = node.asString();
      return UNAVAILABLE.equals(text) || UNAVAILABLE_BASE64.equals(text);
    }
    return node.isArray() && node.size() == 1 && node.get(0).isString() && UNAVAILABLE.equals(node.get(0).asString());
  }

  private static JsonNode nullIfMissing(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node;
  }

  boolean isDelete() {
    return "d".equals(op);
  }

  boolean isUpdate() {
    return "u".equals(op);
  }

  /**
   * The first mapped source column the change does not carry at all (not even as null): the
   * column was renamed or dropped on the source after the mapping was compiled. Null when the
   * change fits the mapping; columns the mapping does not know are ignored.
   */
  String missingColumn() {
    for (JsonNode row : new JsonNode[] {after, before}) {
      if (row == null) {
        continue;
      }
      for (ColumnMapping column : mapping.columns()) {
        if (!row.has(column.source().name())) {
          return column.source().name();
        }
      }
    }
    return null;
  }

  /**
   * A change's place in its source's stream: Debezium's {@code source.sequence}, the LSN of the
   * last transaction committed before the change's own and the change's LSN. Changes are
   * captured in commit order, so along one topic the positions only grow; a change at or below
   * one already applied is a second delivery of it. Debezium has no previous commit for the first
   * transaction it streams after a snapshot or a fresh start (and for snapshot reads, which carry
   * the snapshot's LSN): there the change's own LSN stands in. It is below the commit of that
   * first transaction, which is the previous commit of every later one, and above every LSN of an
   * earlier slot, since LSNs only grow.
   *
   * @param lastCommitLsn the previous commit's LSN, or the change's own when there was none
   * @param lsn the change's LSN
   */
  record Position(long lastCommitLsn, long lsn) implements Comparable<Position> {

    static Position of(String sequence) {
      if (sequence == null || sequence.isBlank()) {
        return null;
      }
      String[] parts = sequence.replaceAll("[\\[\\]\"\\s]", "").split(",");
      if (parts.length != 2 || parts[1].isEmpty() || "null".equals(parts[1])) {
        return null;
      }
      try {
        long lsn = Long.parseLong(parts[1]);
        long commit = parts[0].isEmpty() || "null".equals(parts[0]) ? lsn : Long.parseLong(parts[0]);
        return new Position(commit, lsn);
      } catch (NumberFormatException e) {
        return null;
      }
    }

    /** As {@link #of} reads it back. */
    String text() {
      return "[\"" + lastCommitLsn + "\",\"" + lsn + "\"]";
    }

    @Override
    public int compareTo(Position other) {
      int byCommit = Long.compare(lastCommitLsn, other.lastCommitLsn);
      return byCommit != 0 ? byCommit : Long.compare(lsn, other.lsn);
    }
  }
}
