package dev.strangler.contract;

import static org.assertj.core.api.Assertions.fail;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON reading and writing for contract tests (Jackson 3, no app configuration involved). */
public final class Json {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  /** Writes a map, list, record or node as JSON text. */
  public static String write(Object value) {
    return MAPPER.writeValueAsString(value);
  }

  /** Parses JSON text; fails the test (naming the response) if it is not JSON. */
  static JsonNode read(String text, ApiResponse response) {
    try {
      return MAPPER.readTree(text);
    } catch (JacksonException e) {
      return fail("Expected a JSON body from " + response + " but: " + e.getOriginalMessage());
    }
  }
}
