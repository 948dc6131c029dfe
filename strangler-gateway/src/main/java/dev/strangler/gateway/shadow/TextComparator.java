package dev.strangler.gateway.shadow;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Compares two plain-text answers line by line: {@code ignore-pattern} matches replaced first
 * (across lines too), then every line trimmed with inner runs of spaces and tabs collapsed, and
 * blank lines dropped, so line endings, indentation and trailing spaces never count. The first
 * differing line is reported with its line and column (in the legacy body, after replacement)
 * and both lines. Immutable and thread-safe.
 */
final class TextComparator {

  private static final Pattern LINE_BREAK = Pattern.compile("\\r\\n|\\r|\\n");

  private final List<Pattern> placeholders;

  /** @param placeholders {@code ignore-pattern}, compiled */
  TextComparator(List<Pattern> placeholders) {
    this.placeholders = List.copyOf(placeholders);
  }

  /**
   * A line as compared.
   *
   * @param number 1-based line number in the body
   * @param text the line, trimmed and collapsed
   * @param columns the 1-based column in the body's line of each character of {@code text}
   */
  private record Line(int number, String text, int[] columns) {}

  /** Adds the first difference, if any, to {@code out}. */
  void compare(String legacy, String candidate, Disclosure d, List<String> out) {
    List<Line> left = lines(legacy);
    List<Line> right = lines(candidate);
    int n = Math.min(left.size(), right.size());
    for (int i = 0; i < n; i++) {
      Line a = left.get(i);
      Line b = right.get(i);
      if (!a.text().equals(b.text())) {
        int at = Disclosure.firstDifference(a.text(), b.text());
        int column = at < a.columns().length ? a.columns()[at]
            : a.columns().length == 0 ? 1 : a.columns()[a.columns().length - 1] + 1;
        out.add(where(a, b) + ", column " + column + ": " + d.textPair(a.text(), b.text()));
        return;
      }
    }
    if (left.size() > n) {
      Line a = left.get(n);
      out.add("line " + a.number() + ": only in legacy: " + d.text(a.text()));
    } else if (right.size() > n) {
      Line b = right.get(n);
      out.add("line " + b.number() + " of new: only in new: " + d.text(b.text()));
    }
  }

  private static String where(Line a, Line b) {
    return a.number() == b.number() ? "line " + a.number() : "line " + a.number() + " (new: line " + b.number() + ")";
  }

  private List<Line> lines(String body) {
    String text = body;
    for (Pattern pattern : placeholders) {
      text = pattern.matcher(text).replaceAll(ResponseComparator.PLACEHOLDER);
    }
    List<Line> lines = new ArrayList<>();
    String[] raw = LINE_BREAK.split(text, -1);
    for (int number = 1; number <= raw.length; number++) {
      String line = raw[number - 1];
      StringBuilder collapsed = new StringBuilder(line.length());
      int[] columns = new int[line.length()];
      int count = 0;
      boolean space = false;
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == ' ' || c == '\t' || c == '\f') {
          space = count > 0;
          continue;
        }
        if (space) {
          collapsed.append(' ');
          columns[count++] = i; // the column of the space run's last character, 1-based
          space = false;
        }
        collapsed.append(c);
        columns[count++] = i + 1;
      }
      if (count > 0) {
        lines.add(new Line(number, collapsed.toString(), java.util.Arrays.copyOf(columns, count)));
      }
    }
    return lines;
  }
}
