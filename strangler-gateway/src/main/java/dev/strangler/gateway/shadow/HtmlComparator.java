package dev.strangler.gateway.shadow;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.DataNode;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * Compares two HTML answers as documents, not bytes. Both are parsed (HTML5 rules, so a missing
 * {@code </p>} or {@code <tbody>} repairs the same way on both sides); {@code ignore-html} rules
 * remove elements or blank attributes; then the trees are walked in step: element names,
 * attributes as a set (order ignored; the tokens of {@code class} as a set), and text with
 * whitespace collapsed, whitespace-only text dropped and {@code ignore-pattern} matches replaced.
 * Comments and the doctype are not compared. A difference is reported at a CSS-like path
 * ({@code html > body > main > dd:nth-of-type(2)}) with both values. Immutable and thread-safe.
 */
final class HtmlComparator {

  private static final Pattern HTML_SPACE = Pattern.compile("[ \\t\\n\\r\\f]+");
  private static final int MAX_DEPTH = 256;
  private static final Pattern CSS_ID = Pattern.compile("[A-Za-z_][-A-Za-z0-9_]*");

  private final List<HtmlIgnore> ignore;
  private final List<Pattern> placeholders;

  /**
   * @param ignore {@code ignore-html} rules
   * @param placeholders {@code ignore-pattern}, compiled
   */
  HtmlComparator(List<HtmlIgnore> ignore, List<Pattern> placeholders) {
    this.ignore = List.copyOf(ignore);
    this.placeholders = List.copyOf(placeholders);
  }

  /** Adds where the two documents differ to {@code out}, at most {@link ResponseComparator#MAX_DIFFERENCES}. */
  void compare(byte[] legacy, Charset legacyCharset, byte[] candidate, Charset candidateCharset,
      Disclosure disclosure, List<String> out) {
    Element left = root(legacy, legacyCharset);
    Element right = root(candidate, candidateCharset);
    element("html", left, right, disclosure, out, 0);
  }

  private Element root(byte[] body, Charset charset) {
    Document document;
    try {
      // with no charset in the Content-Type jsoup reads the BOM or <meta charset>, else UTF-8
      document = Jsoup.parse(new ByteArrayInputStream(body), charset == null ? null : charset.name(), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not from a byte array
    }
    for (HtmlIgnore rule : ignore) {
      rule.apply(document);
    }
    return document.child(0);
  }

  private void element(String path, Element a, Element b, Disclosure d, List<String> out, int depth) {
    if (out.size() >= ResponseComparator.MAX_DIFFERENCES) {
      return;
    }
    if (depth == MAX_DEPTH) {
      // no deeper recursion on a thread with a bounded stack: the rest compared as text only
      String x = replace(collapse(a.text()));
      String y = replace(collapse(b.text()));
      if (!x.equals(y)) {
        add(out, path + ": text below depth " + MAX_DEPTH + " " + d.textPair(x, y));
      }
      return;
    }
    Map<String, String> left = attributes(a);
    Map<String, String> right = attributes(b);
    if (!left.equals(right)) {
      TreeSet<String> names = new TreeSet<>(left.keySet());
      names.addAll(right.keySet());
      for (String name : names) {
        String x = left.get(name);
        String y = right.get(name);
        if (y == null) {
          add(out, path + "@" + name + ": only in legacy: " + d.text(x));
        } else if (x == null) {
          add(out, path + "@" + name + ": only in new: " + d.text(y));
        } else if (!x.equals(y)) {
          add(out, path + "@" + name + ": " + d.textPair(x, y));
        }
      }
    }
    List<Object> l = items(a);
    List<Object> r = items(b);
    // same-named siblings, counted once per element (not per child: a table may have 10 000 rows)
    Map<String, Integer> named = new HashMap<>();
    for (Object item : l) {
      if (item instanceof Element e) {
        named.merge(e.normalName(), 1, Integer::sum);
      }
    }
    Map<String, Integer> seen = new HashMap<>();
    int n = Math.min(l.size(), r.size());
    for (int i = 0; i < n; i++) {
      if (out.size() >= ResponseComparator.MAX_DIFFERENCES) {
        return;
      }
      Object x = l.get(i);
      Object y = r.get(i);
      if (x instanceof String sx && y instanceof String sy) {
        if (!sx.equals(sy)) {
          add(out, path + ": text " + d.textPair(sx, sy));
        }
      } else if (x instanceof Element ex && y instanceof Element ey && ex.normalName().equals(ey.normalName())) {
        String tag = ex.normalName();
        int index = seen.merge(tag, 1, Integer::sum);
        element(path + " > " + step(ex, index, named.get(tag)), ex, ey, d, out, depth + 1);
      } else {
        // the children no longer line up: what follows would differ only because of this
        add(out, at(path, x) + ": " + describe(x, d) + " != " + describe(y, d));
        return;
      }
    }
    if (l.size() > n) {
      add(out, at(path, l.get(n)) + ": only in legacy: " + describe(l.get(n), d));
    } else if (r.size() > n) {
      add(out, at(path, r.get(n)) + ": only in new: " + describe(r.get(n), d));
    }
  }

  /** The compared children: elements, and the text between them (collapsed, never blank). */
  private List<Object> items(Element element) {
    List<Object> items = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (Node child : element.childNodes()) {
      if (child instanceof TextNode t) {
        text.append(t.getWholeText());
      } else if (child instanceof DataNode data) {
        text.append(data.getWholeData());
      } else if (child instanceof Element e) {
        flush(text, items);
        items.add(e);
      }
      // comments, doctypes, XML declarations: not compared; the text around them joins up
    }
    flush(text, items);
    return items;
  }

  private void flush(StringBuilder text, List<Object> items) {
    if (text.isEmpty()) {
      return;
    }
    String collapsed = collapse(text);
    text.setLength(0);
    if (!collapsed.isEmpty()) {
      items.add(replace(collapsed));
    }
  }

  private Map<String, String> attributes(Element element) {
    Map<String, String> attributes = new TreeMap<>();
    for (Attribute attribute : element.attributes()) {
      String value = attribute.getValue();
      if (attribute.getKey().equals("class")) {
        String[] tokens = collapse(value).split(" ");
        Arrays.sort(tokens);
        value = String.join(" ", tokens);
      }
      attributes.put(attribute.getKey(), replace(value));
    }
    return attributes;
  }

  private String replace(String value) {
    String out = value;
    for (Pattern pattern : placeholders) {
      out = pattern.matcher(out).replaceAll(ResponseComparator.PLACEHOLDER);
    }
    return out;
  }

  static String collapse(CharSequence text) {
    return HTML_SPACE.matcher(text).replaceAll(" ").strip();
  }

  private static String at(String path, Object item) {
    return item instanceof Element e ? path + " > " + step(e) : path;
  }

  private static String describe(Object item, Disclosure d) {
    return item instanceof Element e ? "element <" + e.normalName() + ">" : "text " + d.text((String) item);
  }

  /** {@code tag}, {@code tag#id}, or {@code tag:nth-of-type(n)} among same-named siblings. */
  static String step(Element element) {
    Element parent = element.parent();
    if (parent == null) {
      return element.normalName();
    }
    int same = 0;
    int index = 0;
    for (Element sibling : parent.children()) {
      if (sibling.normalName().equals(element.normalName())) {
        same++;
        if (sibling == element) {
          index = same;
        }
      }
    }
    return step(element, index, same);
  }

  private static String step(Element element, int index, int same) {
    String tag = element.normalName();
    String id = element.id();
    if (!id.isEmpty() && CSS_ID.matcher(id).matches()) {
      return tag + "#" + id;
    }
    return same > 1 ? tag + ":nth-of-type(" + index + ")" : tag;
  }

  private static void add(List<String> out, String difference) {
    if (out.size() < ResponseComparator.MAX_DIFFERENCES) {
      out.add(difference);
    }
  }
}
