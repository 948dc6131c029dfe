package dev.strangler.gateway.shadow;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small JSON path: {@code $} (the root), {@code .name}, {@code ['name']}, {@code [n]},
 * {@code [*]} (every element or field) and {@code ..name} (a field at any depth). Compiled once;
 * immutable and thread-safe.
 */
public final class JsonPath {

  private sealed interface Step permits Field, Index, Any, Deep {}

  private record Field(String name) implements Step {}

  private record Index(int index) implements Step {}

  private record Any() implements Step {}

  private record Deep(String name) implements Step {}

  private final String expression;
  private final List<Step> steps;

  private JsonPath(String expression, List<Step> steps) {
    this.expression = expression;
    this.steps = steps;
  }

  /**
   * Compiles an expression.
   *
   * @param expression e.g. {@code $.items[*].price}
   * @return the compiled path
   * @throws IllegalArgumentException saying what is wrong and where
   */
  public static JsonPath compile(String expression) {
    if (expression == null || !expression.startsWith("$")) {
      throw new IllegalArgumentException("a JSON path starts with '$': '" + expression + "'");
    }
    List<Step> steps = new ArrayList<>();
    int i = 1;
    int n = expression.length();
    while (i < n) {
      char c = expression.charAt(i);
      if (c == '.' && i + 1 < n && expression.charAt(i + 1) == '.') {
        int end = nameEnd(expression, i + 2);
        String name = expression.substring(i + 2, end);
        if (name.isEmpty()) {
          throw bad(expression, i, "a field name after '..'");
        }
        steps.add(new Deep(name));
        i = end;
      } else if (c == '.') {
        int end = nameEnd(expression, i + 1);
        String name = expression.substring(i + 1, end);
        if (name.isEmpty()) {
          throw bad(expression, i, "a field name after '.'");
        }
        steps.add(name.equals("*") ? new Any() : new Field(name));
        i = end;
      } else if (c == '[') {
        int close = expression.indexOf(']', i);
        if (close < 0) {
          throw bad(expression, i, "a closing ']'");
        }
        String inner = expression.substring(i + 1, close).trim();
        if (inner.equals("*")) {
          steps.add(new Any());
        } else if (inner.length() >= 2 && (inner.startsWith("'") && inner.endsWith("'")
            || inner.startsWith("\"") && inner.endsWith("\""))) {
          steps.add(new Field(inner.substring(1, inner.length() - 1)));
        } else {
          try {
            steps.add(new Index(Integer.parseInt(inner)));
          } catch (NumberFormatException e) {
            throw bad(expression, i, "an index, '*' or a quoted name inside [ ]");
          }
        }
        i = close + 1;
      } else {
        throw bad(expression, i, "'.' or '['");
      }
    }
    return new JsonPath(expression, List.copyOf(steps));
  }

  private static int nameEnd(String s, int from) {
    int i = from;
    while (i < s.length() && s.charAt(i) != '.' && s.charAt(i) != '[') {
      i++;
    }
    return i;
  }

  private static IllegalArgumentException bad(String expression, int at, String expected) {
    return new IllegalArgumentException(
        "bad JSON path '" + expression + "' at position " + at + ": expected " + expected);
  }

  /** Removes every node this path selects (the root itself cannot be removed). */
  public void remove(JsonNode root) {
    if (steps.isEmpty()) {
      return;
    }
    for (Parent parent : parents(root)) {
      parent.remove();
    }
  }

  /** Replaces every node this path selects with the result of {@code replacement}. */
  public JsonNode replace(JsonNode root, Function<JsonNode, JsonNode> replacement) {
    if (steps.isEmpty()) {
      return replacement.apply(root);
    }
    for (Parent parent : parents(root)) {
      parent.set(replacement);
    }
    return root;
  }

  /** A selected node, addressed through its container so it can be removed or replaced. */
  private record Parent(JsonNode container, String field, int index) {
    void remove() {
      if (container instanceof ObjectNode object) {
        object.remove(field);
      } else if (container instanceof ArrayNode array) {
        array.remove(index);
      }
    }

    void set(Function<JsonNode, JsonNode> replacement) {
      if (container instanceof ObjectNode object) {
        object.set(field, replacement.apply(object.get(field)));
      } else if (container instanceof ArrayNode array) {
        array.set(index, replacement.apply(array.get(index)));
      }
    }
  }

  private List<Parent> parents(JsonNode root) {
    List<JsonNode> current = List.of(root);
    for (int s = 0; s < steps.size() - 1; s++) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        for (Parent p : select(node, steps.get(s))) {
          next.add(p.container() instanceof ObjectNode o ? o.get(p.field()) : p.container().get(p.index()));
        }
      }
      current = next;
    }
    List<Parent> result = new ArrayList<>();
    for (JsonNode node : current) {
      result.addAll(select(node, steps.get(steps.size() - 1)));
    }
    // remove array elements from the highest index down so earlier indexes stay valid
    result.sort((a, b) -> Integer.compare(b.index(), a.index()));
    return result;
  }

  private static List<Parent> select(JsonNode node, Step step) {
    List<Parent> out = new ArrayList<>();
    if (step instanceof Field f) {
      if (node instanceof ObjectNode && node.has(f.name())) {
        out.add(new Parent(node, f.name(), -1));
      }
    } else if (step instanceof Index ix) {
      if (node instanceof ArrayNode && ix.index() >= 0 && ix.index() < node.size()) {
        out.add(new Parent(node, null, ix.index()));
      }
    } else if (step instanceof Any) {
      if (node instanceof ArrayNode) {
        for (int k = 0; k < node.size(); k++) {
          out.add(new Parent(node, null, k));
        }
      } else if (node instanceof ObjectNode object) {
        for (String name : object.propertyNames()) {
          out.add(new Parent(node, name, -1));
        }
      }
    } else if (step instanceof Deep d) {
      collectDeep(node, d.name(), out);
    }
    return out;
  }

  private static void collectDeep(JsonNode node, String name, List<Parent> out) {
    if (node instanceof ObjectNode object) {
      for (Iterator<Map.Entry<String, JsonNode>> it = object.properties().iterator(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals(name)) {
          out.add(new Parent(node, name, -1));
        } else {
          collectDeep(e.getValue(), name, out);
        }
      }
    } else if (node instanceof ArrayNode) {
      for (JsonNode child : node) {
        collectDeep(child, name, out);
      }
    }
  }

  @Override
  public String toString() {
    return expression;
  }
}
