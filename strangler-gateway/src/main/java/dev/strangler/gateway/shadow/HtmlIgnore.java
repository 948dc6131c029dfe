package dev.strangler.gateway.shadow;

import java.util.Locale;
import java.util.regex.Pattern;
import org.jsoup.nodes.Element;
import org.jsoup.select.Evaluator;
import org.jsoup.select.QueryParser;

/**
 * One {@code shadow.ignore-html} rule: a CSS selector whose elements are left out of an HTML
 * comparison, or {@code selector@attribute}, which blanks only that attribute of the matched
 * elements (so the element and the attribute's presence are still compared). Compiled once;
 * immutable. jsoup's evaluators keep no state between selections, so one may be shared.
 */
final class HtmlIgnore {

  private static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z_:][-A-Za-z0-9_:.]*");

  private final String expression;
  private final Evaluator selector;
  private final String attribute;

  private HtmlIgnore(String expression, Evaluator selector, String attribute) {
    this.expression = expression;
    this.selector = selector;
    this.attribute = attribute;
  }

  /**
   * Compiles a rule.
   *
   * @param expression e.g. {@code input[name=_csrf]}, {@code meta[name=csrf-token]@content}
   * @throws IllegalArgumentException saying what is wrong
   */
  static HtmlIgnore compile(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("a CSS selector is required, e.g. input[name=_csrf] or [nonce]@nonce");
    }
    String css = expression.trim();
    String attribute = null;
    int at = css.lastIndexOf('@');
    // an '@' inside an attribute value (a[href^='mailto:x@y']) is not followed by a bare name
    if (at >= 0 && ATTRIBUTE.matcher(css.substring(at + 1).trim()).matches()) {
      attribute = css.substring(at + 1).trim().toLowerCase(Locale.ROOT);
      css = css.substring(0, at).trim();
      if (css.isEmpty()) {
        css = "[" + attribute + "]";
      }
    }
    Evaluator selector;
    try {
      selector = QueryParser.parse(css);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + expression + "' is not a CSS selector: " + e.getMessage(), e);
    }
    return new HtmlIgnore(expression, selector, attribute);
  }

  /** Removes the matched elements, or blanks the attribute on them. */
  void apply(Element root) {
    for (Element element : root.select(selector)) {
      if (attribute == null) {
        if (element.parent() != null) {
          element.remove();
        }
      } else if (element.hasAttr(attribute)) {
        element.attr(attribute, "");
      }
    }
  }

  @Override
  public String toString() {
    return expression;
  }
}
