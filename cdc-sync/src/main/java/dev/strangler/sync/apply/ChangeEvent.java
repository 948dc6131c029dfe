package dev.strangler.sync.apply;

import dev.strangler.sync.mapping.TableMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A change read back from Kafka (Debezium's envelope, JSON without schemas).
 *
 * @param mapping the table mapping of its topic
 * @param op {@code c} insert, {@code u} update, {@code d} delete, {@code r} snapshot read
 * @param before the row before (null for inserts and reads)
 * @param after the row after (null for deletes)
 * @param sourceCommitMillis commit time in the source ({@code source.ts_ms})
 * @param snapshot whether it comes from the initial snapshot
 * @param key the Kafka key
 * @param value the Kafka value as received
 */
record ChangeEvent(TableMapping mapping, String op, JsonNode before, JsonNode after, long sourceCommitMillis,
                   boolean snapshot, String key, String value) {

  static ChangeEvent parse(JsonMapper json, TableMapping mapping, String key, String value) {
    JsonNode root = json.readTree(value);
    JsonNode source = root.path("source");
    String snapshot = source.path("snapshot").asString("false");
    return new ChangeEvent(mapping, root.path("op").asString(), nullIfMissing(root.get("before")),
        nullIfMissing(root.get("after")), source.path("ts_ms").asLong(0), !"false".equals(snapshot)
        && !"incremental".equals(snapshot), key, value);
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
}
