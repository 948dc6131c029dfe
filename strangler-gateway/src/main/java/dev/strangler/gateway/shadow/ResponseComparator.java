package dev.strangler.gateway.shadow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Compares the legacy and the new answer: status, then the JSON body with configured paths
 * ignored and configured arrays compared as multisets; non-JSON bodies byte for byte. Immutable
 * and thread-safe.
 */
final class ResponseComparator {

  static final int MAX_DIFFERENCES = 10;
  private static final int MAX_SAMPLE_CHARS = 4096;

  private final JsonMapper mapper;
  private final List<JsonPath> ignore;
  private final List<JsonPath> unordered;
  private final List<JsonPath> redact;

  ResponseComparator(JsonMapper mapper, List<JsonPath> ignore, List<JsonPath> unordered,
      List<JsonPath> redact) {
    this.mapper = mapper;
    this.ignore = List.copyOf(ignore);
    this.unordered = List.copyOf(unordered);
    this.redact = List.copyOf(redact);
  }

  /**
   * The outcome of one comparison.
   *
   * @param matched whether the answers are equivalent
   * @param differences where they differ (at most {@value #MAX_DIFFERENCES})
   */
  record Comparison(boolean matched, List<String> differences) {}

  Comparison compare(CapturedResponse legacy, CapturedResponse candidate) {
    List<String> differences = new ArrayList<>();
    if (legacy.status() != candidate.status()) {
      differences.add("status: " + legacy.status() + " != " + candidate.status());
    }
    if (legacy.truncated() || candidate.truncated()) {
      differences.add("body: larger than shadow.max-body-bytes, not compared");
      return new Comparison(differences.isEmpty(), differences);
    }
    if (Arrays.equals(legacy.body(), candidate.body())) {
      // the same bytes parse to the same JSON (ignored paths and unordered arrays cannot make
      // equal documents differ): the common case costs no parsing
      return new Comparison(differences.isEmpty(), differences);
    }
    if (isJson(legacy.contentType()) || isJson(candidate.contentType())) {
      JsonNode left = parse(legacy.body());
      JsonNode right = parse(candidate.body());
      if (left == null || right == null) {
        if (!Arrays.equals(legacy.body(), candidate.body())) {
          differences.add("body: " + (left == null ? "legacy" : "new") + " body is not JSON");
        }
      } else {
        diff("$", normalize(left), normalize(right), differences);
      }
    } else if (!Arrays.equals(legacy.body(), candidate.body())) {
      differences.add("body: bytes differ (" + legacy.body().length + " vs "
          + candidate.body().length + " bytes)");
    }
    return new Comparison(differences.isEmpty(), differences);
  }

  /** The body as shown in a mismatch sample: JSON with redacted values, or truncated text. */
  String sample(CapturedResponse response) {
    JsonNode node = isJson(response.contentType()) && !response.truncated() ? parse(response.body()) : null;
    if (node != null) {
      for (JsonPath path : redact) {
        node = path.replace(node, v -> StringNode.valueOf("***"));
      }
      return truncate(mapper.writeValueAsString(node));
    }
    if (!redact.isEmpty()) {
      // redaction cannot be applied to a body it cannot parse: show its size only
      return "(" + response.body().length + " bytes, not JSON: hidden because redaction is configured)";
    }
    return truncate(new String(response.body(), StandardCharsets.UTF_8));
  }

  private static String truncate(String s) {
    return s.length() <= MAX_SAMPLE_CHARS ? s : s.substring(0, MAX_SAMPLE_CHARS) + "…(truncated)";
  }

  private static boolean isJson(String contentType) {
    return contentType != null && contentType.toLowerCase().contains("json");
  }

  private JsonNode parse(byte[] body) {
    if (body.length == 0) {
      return JsonNodeFactory.instance.missingNode();
    }
    try {
      return mapper.readTree(body);
    } catch (JacksonException e) {
      return null;
    }
  }

  private JsonNode normalize(JsonNode node) {
    JsonNode copy = node.deepCopy();
    for (JsonPath path : ignore) {
      path.remove(copy);
    }
    for (JsonPath path : unordered) {
      copy = path.replace(copy, this::sorted);
    }
    return copy;
  }

  private JsonNode sorted(JsonNode node) {
    if (!(node instanceof ArrayNode array)) {
      return node;
    }
    List<JsonNode> elements = new ArrayList<>();
    array.forEach(elements::add);
    elements.sort(Comparator.comparing(mapper::writeValueAsString));
    ArrayNode result = JsonNodeFactory.instance.arrayNode();
    elements.forEach(result::add);
    return result;
  }

  private static void diff(String at, JsonNode left, JsonNode right, List<String> out) {
    if (out.size() >= MAX_DIFFERENCES || left.equals(right)) {
      return;
    }
    if (left instanceof ObjectNode l && right instanceof ObjectNode r) {
      TreeSet<String> names = new TreeSet<>(l.propertyNames());
      names.addAll(r.propertyNames());
      for (String name : names) {
        JsonNode a = l.get(name);
        JsonNode b = r.get(name);
        String child = at + "." + name;
        if (a == null) {
          add(out, child + ": only in new");
        } else if (b == null) {
          add(out, child + ": only in legacy");
        } else {
          diff(child, a, b, out);
        }
      }
    } else if (left instanceof ArrayNode l && right instanceof ArrayNode r) {
      if (l.size() != r.size()) {
        add(out, at + ": " + l.size() + " elements != " + r.size());
        return;
      }
      Iterator<JsonNode> a = l.iterator();
      Iterator<JsonNode> b = r.iterator();
      for (int i = 0; a.hasNext(); i++) {
        diff(at + "[" + i + "]", a.next(), b.next(), out);
      }
    } else {
      // values may be personal data: name the types only; the samples show redacted bodies
      add(out, at + ": values differ (" + left.getNodeType() + " vs " + right.getNodeType() + ")");
    }
  }

  private static void add(List<String> out, String difference) {
    if (out.size() < MAX_DIFFERENCES) {
      out.add(difference);
    }
  }
}
