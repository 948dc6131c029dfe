package dev.strangler.gateway.shadow;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How much of a body or value a mismatch report shows: {@code redact-pattern} matches masked as
 * {@code ***}, values cut to {@code max-value-chars} around their first difference, sample
 * bodies cut to {@code max-sample-chars}; non-JSON text hidden altogether while JSON-path
 * redaction is configured without a pattern (a JSON path cannot say what to mask in HTML).
 * Immutable and thread-safe.
 */
final class Disclosure {

  static final String MASK = "***";
  static final String HIDDEN = "(hidden: shadow.redact is set; shadow.redact-pattern shows masked values)";

  private final List<Pattern> masks;
  private final boolean hideText;
  private final int maxSampleChars;
  private final int maxValueChars;

  /**
   * @param masks {@code redact-pattern}, compiled
   * @param jsonRedaction whether {@code redact} (JSON paths) is configured
   * @param maxSampleChars characters of a body kept in a sample
   * @param maxValueChars characters of a value shown in a difference
   */
  Disclosure(List<Pattern> masks, boolean jsonRedaction, int maxSampleChars, int maxValueChars) {
    this.masks = List.copyOf(masks);
    this.hideText = jsonRedaction && masks.isEmpty();
    this.maxSampleChars = maxSampleChars;
    this.maxValueChars = maxValueChars;
  }

  /** Whether values of non-JSON bodies are hidden. */
  boolean hidesText() {
    return hideText;
  }

  String mask(String text) {
    String out = text;
    for (Pattern mask : masks) {
      out = mask.matcher(out).replaceAll(MASK);
    }
    return out;
  }

  /** A sample body: masked, cut to {@code max-sample-chars}. */
  String sample(String body) {
    if (maxSampleChars == 0) {
      return "(not kept: shadow.max-sample-chars is 0)";
    }
    String masked = mask(body);
    return masked.length() <= maxSampleChars ? masked
        : masked.substring(0, maxSampleChars) + "…(truncated, " + masked.length() + " chars)";
  }

  /**
   * Two differing text values as {@code "legacy" != "new"}: masked, quoted, each cut to
   * {@code max-value-chars} around the first character that differs; hidden when text values are.
   */
  String textPair(String legacy, String candidate) {
    if (hideText) {
      return HIDDEN;
    }
    return pair(mask(legacy), mask(candidate), true);
  }

  /** Two differing JSON values (already serialized, strings quoted): masked and cut. */
  String jsonPair(String legacy, String candidate) {
    return pair(mask(legacy), mask(candidate), false);
  }

  /** One text value (the side that has it): masked, quoted, cut from its start. */
  String text(String value) {
    if (hideText) {
      return HIDDEN;
    }
    return quote(excerpt(mask(value), 0));
  }

  /** One JSON value: masked and cut from its start. */
  String json(String value) {
    return excerpt(mask(value), 0);
  }

  private String pair(String a, String b, boolean quoted) {
    int at = firstDifference(a, b);
    String left = excerpt(a, at);
    String right = excerpt(b, at);
    String shown = quoted ? quote(left) + " != " + quote(right) : left + " != " + right;
    return a.equals(b) ? shown + " (they differ inside a redacted part)" : shown;
  }

  static int firstDifference(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      if (a.charAt(i) != b.charAt(i)) {
        return i;
      }
    }
    return n;
  }

  /** At most {@code max-value-chars} of {@code s}, starting a little before {@code at}. */
  private String excerpt(String s, int at) {
    if (s.length() <= maxValueChars) {
      return s;
    }
    int start = Math.max(0, Math.min(at - maxValueChars / 4, s.length() - maxValueChars));
    int end = Math.min(s.length(), start + maxValueChars);
    return (start > 0 ? "…" : "") + s.substring(start, end) + (end < s.length() ? "…" : "");
  }

  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r")
        .replace("\t", "\\t") + '"';
  }
}
