package dev.strangler.gateway.shadow;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * Compares the legacy and the new answer: the status, then the body by its content type (either
 * side's, JSON first, then HTML, then text):
 * <ul>
 *   <li>JSON ({@code *json*}): as a tree, {@code ignore} paths removed, {@code unordered} arrays
 *       compared as multisets, {@code ignore-pattern} applied to string values; differences at a
 *       JSON path with both values;
 *   <li>HTML ({@code text/html}, {@code application/xhtml+xml}): as documents, see
 *       {@link HtmlComparator};
 *   <li>text (other {@code text/*}, XML, JavaScript, form data): line by line, see
 *       {@link TextComparator};
 *   <li>anything else: byte for byte, with the offset of the first differing byte.
 * </ul>
 * Reported values and sample bodies go through {@link Disclosure} (redaction, length). Immutable
 * and thread-safe.
 */
final class ResponseComparator {

  static final int MAX_DIFFERENCES = 10;
  /** What an {@code ignore-pattern} match is replaced with on both sides. */
  static final String PLACEHOLDER = "(ignored)";

  /**
   * A route's compiled comparison rules.
   *
   * @param ignore {@code shadow.ignore}
   * @param unordered {@code shadow.unordered}
   * @param redact {@code shadow.redact}
   * @param ignoreHtml {@code shadow.ignore-html}
   * @param ignorePatterns {@code shadow.ignore-pattern}
   * @param redactPatterns {@code shadow.redact-pattern}
   * @param maxSampleChars {@code shadow.max-sample-chars}
   * @param maxValueChars {@code shadow.max-value-chars}
   */
  record Rules(List<JsonPath> ignore, List<JsonPath> unordered, List<JsonPath> redact,
               List<HtmlIgnore> ignoreHtml, List<Pattern> ignorePatterns, List<Pattern> redactPatterns,
               int maxSampleChars, int maxValueChars) {

    /** JSON rules only, with the default sizes. */
    static Rules json(List<JsonPath> ignore, List<JsonPath> unordered, List<JsonPath> redact) {
      return new Rules(ignore, unordered, redact, List.of(), List.of(), List.of(), 4096, 200);
    }
  }

  private enum Kind { JSON, HTML, TEXT, BYTES }

  private final JsonMapper mapper;
  private final List<JsonPath> ignore;
  private final List<JsonPath> unordered;
  private final List<JsonPath> redact;
  private final List<Pattern> placeholders;
  private final HtmlComparator html;
  private final TextComparator text;
  private final Disclosure disclosure;

  ResponseComparator(JsonMapper mapper, Rules rules) {
    this.mapper = mapper;
    this.ignore = List.copyOf(rules.ignore());
    this.unordered = List.copyOf(rules.unordered());
    this.redact = List.copyOf(rules.redact());
    this.placeholders = List.copyOf(rules.ignorePatterns());
    this.html = new HtmlComparator(rules.ignoreHtml(), rules.ignorePatterns());
    this.text = new TextComparator(rules.ignorePatterns());
    this.disclosure = new Disclosure(rules.redactPatterns(), !rules.redact().isEmpty(), rules.maxSampleChars(),
        rules.maxValueChars());
  }

  /**
   * The outcome of one comparison.
   *
   * @param matched whether the answers are equivalent
   * @param differences where they differ (at most {@value #MAX_DIFFERENCES}), first the first
   */
  record Comparison(boolean matched, List<String> differences) {}

  Comparison compare(CapturedResponse legacy, CapturedResponse candidate) {
    return compare(legacy, candidate, List.of());
  }

  /**
   * Compares, also leaving out {@code noise} (learned or pinned JSON paths of this endpoint).
   *
   * @param noise further JSON paths removed from both trees before comparing
   */
  Comparison compare(CapturedResponse legacy, CapturedResponse candidate, List<JsonPath> noise) {
    List<String> differences = new ArrayList<>();
    if (legacy.status() != candidate.status()) {
      differences.add("status: " + legacy.status() + " != " + candidate.status());
    }
    if (legacy.truncated() || candidate.truncated()) {
      differences.add("body: larger than shadow.max-body-bytes, not compared");
      return new Comparison(differences.isEmpty(), differences);
    }
    if (Arrays.equals(legacy.body(), candidate.body())) {
      // the same bytes compare equal under every rule: the common case costs no parsing
      return new Comparison(differences.isEmpty(), differences);
    }
    switch (kind(legacy.contentType(), candidate.contentType())) {
      case JSON -> {
        JsonNode left = parse(legacy.body());
        JsonNode right = parse(candidate.body());
        if (left == null || right == null) {
          differences.add("body: " + (left == null ? "legacy" : "new") + " body is not JSON");
        } else {
          JsonNode l = normalize(left, noise);
          JsonNode r = normalize(right, noise);
          diff("$", l, r, redactedIn(l), redactedIn(r), false, differences);
        }
      }
      case HTML -> html.compare(legacy.body(), charset(legacy.contentType()), candidate.body(),
          charset(candidate.contentType()), disclosure, differences);
      case TEXT -> text.compare(decode(legacy), decode(candidate), disclosure, differences);
      default -> differences.add("body: bytes differ at offset " + Arrays.mismatch(legacy.body(), candidate.body())
          + " (" + legacy.body().length + " vs " + candidate.body().length + " bytes)");
    }
    return new Comparison(differences.isEmpty(), differences);
  }

  /** The body as shown in a mismatch sample: JSON with redacted values, or text; masked and cut. */
  String sample(CapturedResponse response) {
    JsonNode node = isJson(response.contentType()) && !response.truncated() ? parse(response.body()) : null;
    if (node != null) {
      for (JsonPath path : redact) {
        node = path.replace(node, v -> StringNode.valueOf(Disclosure.MASK));
      }
      return disclosure.sample(mapper.writeValueAsString(node));
    }
    if (disclosure.hidesText()) {
      // redaction cannot be applied to a body it cannot parse: show its size only
      return "(" + response.body().length + " bytes, not JSON: hidden because redaction is configured)";
    }
    return disclosure.sample(decode(response));
  }

  private static Kind kind(String legacyType, String candidateType) {
    Kind a = kind(legacyType);
    Kind b = kind(candidateType);
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Kind kind(String contentType) {
    if (contentType == null) {
      return Kind.BYTES;
    }
    String type = contentType.toLowerCase(Locale.ROOT);
    int semicolon = type.indexOf(';');
    String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
    if (media.contains("json")) {
      return Kind.JSON;
    }
    if (media.equals("text/html") || media.equals("application/xhtml+xml")) {
      return Kind.HTML;
    }
    if (media.startsWith("text/") || media.endsWith("xml") || media.contains("javascript")
        || media.equals("application/x-www-form-urlencoded")) {
      return Kind.TEXT;
    }
    return Kind.BYTES;
  }

  private static boolean isJson(String contentType) {
    return kind(contentType) == Kind.JSON;
  }

  /** The charset parameter of a content type, or null when it names none (or an unknown one). */
  static Charset charset(String contentType) {
    if (contentType == null) {
      return null;
    }
    try {
      return MediaType.parseMediaType(contentType).getCharset();
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String decode(CapturedResponse response) {
    Charset charset = charset(response.contentType());
    return new String(response.body(), charset == null ? StandardCharsets.UTF_8 : charset);
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

  /**
   * The JSON paths in which two answers differ (the path part of each JSON difference), for
   * learning noise; empty when they match or are not both JSON.
   */
  static List<String> differingPaths(Comparison comparison) {
    List<String> paths = new ArrayList<>();
    for (String difference : comparison.differences()) {
      int colon = difference.indexOf(": ");
      if (difference.startsWith("$") && colon > 1) {
        paths.add(difference.substring(0, colon));
      }
    }
    return paths;
  }

  private JsonNode normalize(JsonNode node, List<JsonPath> noise) {
    JsonNode copy = node.deepCopy();
    for (JsonPath path : ignore) {
      path.remove(copy);
    }
    for (JsonPath path : noise) {
      path.remove(copy);
    }
    if (!placeholders.isEmpty()) {
      copy = replaceStrings(copy);
    }
    for (JsonPath path : unordered) {
      copy = path.replace(copy, this::sorted);
    }
    return copy;
  }

  private JsonNode replaceStrings(JsonNode node) {
    if (node instanceof StringNode string) {
      String value = string.asString();
      for (Pattern pattern : placeholders) {
        value = pattern.matcher(value).replaceAll(PLACEHOLDER);
      }
      return StringNode.valueOf(value);
    }
    if (node instanceof ObjectNode object) {
      for (String name : new ArrayList<>(object.propertyNames())) {
        object.set(name, replaceStrings(object.get(name)));
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        array.set(i, replaceStrings(array.get(i)));
      }
    }
    return node;
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

  /** The nodes {@code shadow.redact} selects in a (normalized) tree, by identity. */
  private Set<JsonNode> redactedIn(JsonNode root) {
    if (redact.isEmpty()) {
      return Set.of();
    }
    Set<JsonNode> selected = Collections.newSetFromMap(new IdentityHashMap<>());
    for (JsonPath path : redact) {
      path.replace(root, v -> {
        if (v != null) {
          selected.add(v);
        }
        return v;
      });
    }
    return selected;
  }

  private void diff(String at, JsonNode left, JsonNode right, Set<JsonNode> leftRedacted,
      Set<JsonNode> rightRedacted, boolean redacted, List<String> out) {
    if (out.size() >= MAX_DIFFERENCES || left.equals(right)) {
      return;
    }
    boolean hidden = redacted || leftRedacted.contains(left) || rightRedacted.contains(right);
    if (left instanceof ObjectNode l && right instanceof ObjectNode r) {
      TreeSet<String> names = new TreeSet<>(l.propertyNames());
      names.addAll(r.propertyNames());
      for (String name : names) {
        JsonNode a = l.get(name);
        JsonNode b = r.get(name);
        String child = at + "." + name;
        if (a == null) {
          add(out, child + ": only in new: " + value(b, hidden || rightRedacted.contains(b)));
        } else if (b == null) {
          add(out, child + ": only in legacy: " + value(a, hidden || leftRedacted.contains(a)));
        } else {
          diff(child, a, b, leftRedacted, rightRedacted, hidden, out);
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
        diff(at + "[" + i + "]", a.next(), b.next(), leftRedacted, rightRedacted, hidden, out);
      }
    } else if (hidden) {
      add(out, at + ": " + Disclosure.MASK + " != " + Disclosure.MASK + " (redacted)");
    } else {
      add(out, at + ": " + disclosure.jsonPair(json(left), json(right)));
    }
  }

  private String value(JsonNode node, boolean hidden) {
    return hidden ? Disclosure.MASK : disclosure.json(json(node));
  }

  private String json(JsonNode node) {
    return node.isMissingNode() ? "(empty body)" : mapper.writeValueAsString(node);
  }

  private static void add(List<String> out, String difference) {
    if (out.size() < MAX_DIFFERENCES) {
      out.add(difference);
    }
  }
}
