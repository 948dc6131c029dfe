package dev.strangler.plan.admin;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** Reads optional fields of the admin APIs' JSON: absent or of the wrong type reads as "unknown". */
final class JsonFields {

  private JsonFields() {}

  static JsonNode first(JsonNode node, String... names) {
    for (String name : names) {
      if (node.hasNonNull(name)) {
        return node.get(name);
      }
    }
    return null;
  }

  static String textOf(JsonNode node, String... names) {
    JsonNode value = first(node, names);
    return value == null ? null : value.asString();
  }

  static long longOf(JsonNode node, String... names) {
    JsonNode value = first(node, names);
    return value == null || !value.isNumber() ? 0 : value.asLong();
  }

  static Double doubleOf(JsonNode node, String... names) {
    JsonNode value = first(node, names);
    return value == null || !value.isNumber() ? null : value.asDouble();
  }

  static Instant instantOf(JsonNode node, String... names) {
    String value = textOf(node, names);
    try {
      return value == null ? null : Instant.parse(value);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
