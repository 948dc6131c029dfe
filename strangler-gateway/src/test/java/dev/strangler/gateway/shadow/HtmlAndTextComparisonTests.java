package dev.strangler.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

/** Shadow comparison of HTML pages and plain text as an older monolith renders them. */
class HtmlAndTextComparisonTests {

  static final String TIMESTAMP = "\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z";

  /** The monolith's page: indented, a comment, its attribute order, its tokens. */
  static final String LEGACY_PAGE = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="csrf-token" content="tok-AAAA">
        <title>New note</title>
        <script nonce="n-AAAA">var renderedAt = '2026-12-03T18:00:00.123Z';</script>
      </head>
      <body class="page notes">
        <!-- rendered by node 3 -->
        <form method="post" action="/notes" class="note-form">
          <input type="hidden" name="_csrf" value="tok-AAAA">
          <label for="title">Title</label>
          <input type="text" id="title" name="title">
        </form>
        <ul><li>one</li><li>two</li></ul>
        <footer>Rendered at 2026-12-03T18:00:00.123Z</footer>
      </body>
      </html>
      """;

  /** The same page from the new service: one line, other attribute and class order, other tokens. */
  static final String NEW_PAGE = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      + "<meta content=\"tok-BBBB\" name=\"csrf-token\"><title>New note</title>"
      + "<script nonce=\"n-BBBB\">var renderedAt = '2026-12-03T18:00:01.456Z';</script></head>"
      + "<body class=\"notes page\"><form class=\"note-form\" action=\"/notes\" method=\"post\">"
      + "<input value=\"tok-BBBB\" name=\"_csrf\" type=\"hidden\"><label for=\"title\">Title</label>"
      + "<input name=\"title\" id=\"title\" type=\"text\"></form><ul><li>one</li><li>two</li></ul>"
      + "<footer>Rendered   at\n2026-12-03T18:00:01.456Z</footer></body></html>";

  private final JsonMapper mapper = JsonMapper.builder().build();

  private ResponseComparator comparator(List<String> ignoreHtml, List<String> ignorePattern, List<String> redact,
      List<String> redactPattern, int maxSampleChars, int maxValueChars) {
    return new ResponseComparator(mapper, new ResponseComparator.Rules(List.of(), List.of(),
        redact.stream().map(JsonPath::compile).toList(), ignoreHtml.stream().map(HtmlIgnore::compile).toList(),
        ignorePattern.stream().map(Pattern::compile).toList(), redactPattern.stream().map(Pattern::compile).toList(),
        maxSampleChars, maxValueChars));
  }

  private ResponseComparator tokensIgnored() {
    return comparator(List.of("meta[name=csrf-token]@content", "input[name=_csrf]@value", "[nonce]@nonce"),
        List.of(TIMESTAMP), List.of(), List.of(), 4096, 200);
  }

  private static CapturedResponse html(String body) {
    return new CapturedResponse(200, "text/html;charset=UTF-8", body.getBytes(StandardCharsets.UTF_8), false);
  }

  private static CapturedResponse text(String body) {
    return new CapturedResponse(200, "text/plain", body.getBytes(StandardCharsets.UTF_8), false);
  }

  @Test
  void matchesPagesThatDifferOnlyInWhitespaceAttributeOrderCommentsTokensAndTimestamps() {
    var result = tokensIgnored().compare(html(LEGACY_PAGE), html(NEW_PAGE));
    assertThat(result.differences()).isEmpty();
    assertThat(result.matched()).isTrue();
  }

  @Test
  void reportsThePerRequestTokenWithBothValuesWhenNotIgnored() {
    var result = comparator(List.of(), List.of(), List.of(), List.of(), 4096, 200)
        .compare(html(LEGACY_PAGE), html(NEW_PAGE));
    assertThat(result.matched()).isFalse();
    assertThat(result.differences()).first().isEqualTo(
        "html > head > meta:nth-of-type(2)@content: \"tok-AAAA\" != \"tok-BBBB\"");
    assertThat(result.differences()).contains("html > head > script@nonce: \"n-AAAA\" != \"n-BBBB\"",
        "html > body > form > input:nth-of-type(1)@value: \"tok-AAAA\" != \"tok-BBBB\"",
        "html > body > footer: text \"Rendered at 2026-12-03T18:00:00.123Z\" != \"Rendered at 2026-12-03T18:00:01.456Z\"");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // a changed text: the element by its position among siblings of its name
      "<ul><li>one</li><li>three</li></ul>|html > body > ul > li:nth-of-type(2): text \"two\" != \"three\"",
      // an element more
      "<ul><li>one</li><li>two</li><li>three</li></ul>|html > body > ul > li:nth-of-type(3): only in new: element <li>",
      // another element in its place
      "<ol><li>one</li><li>two</li></ol>|html > body > ul: element <ul> != element <ol>",
      // an attribute more
      "<ul hidden><li>one</li><li>two</li></ul>|html > body > ul@hidden: only in new: \"\"",
  })
  void reportsTheFirstDifferingLocationAsACssPathWithBothValues(String newList, String expected) {
    String candidate = NEW_PAGE.replace("<ul><li>one</li><li>two</li></ul>", newList);
    var result = tokensIgnored().compare(html(LEGACY_PAGE), html(candidate));
    assertThat(result.differences()).first().isEqualTo(expected);
  }

  @Test
  void removesElementsMatchedByASelector() {
    String candidate = NEW_PAGE.replace("<footer>", "<div class=\"debug\">node 7, 3 ms</div><footer>");
    assertThat(tokensIgnored().compare(html(LEGACY_PAGE), html(candidate)).matched()).isFalse();
    ResponseComparator c = comparator(
        List.of("meta[name=csrf-token]@content", "input[name=_csrf]@value", "[nonce]@nonce", "div.debug"),
        List.of(TIMESTAMP), List.of(), List.of(), 4096, 200);
    assertThat(c.compare(html(LEGACY_PAGE), html(candidate)).matched()).isTrue();
  }

  @Test
  void cutsLongValuesAroundTheirFirstDifference() {
    String prefix = "x".repeat(700);
    var result = comparator(List.of(), List.of(), List.of(), List.of(), 4096, 40).compare(
        html("<p>" + prefix + "A" + "y".repeat(300) + "</p>"), html("<p>" + prefix + "B" + "y".repeat(300) + "</p>"));
    String difference = result.differences().get(0);
    assertThat(difference).startsWith("html > body > p: text \"…").contains("xA").contains("xB");
    assertThat(difference.length()).isLessThan(130);
  }

  @Test
  void masksRedactPatternMatchesInValuesAndSamples() {
    ResponseComparator c = comparator(List.of(), List.of(), List.of(), List.of("\\b\\d{16}\\b"), 4096, 200);
    CapturedResponse legacy = html("<p>Card 4111111111111111, total 10</p>");
    CapturedResponse candidate = html("<p>Card 4111111111111111, total 12</p>");
    assertThat(c.compare(legacy, candidate).differences())
        .containsExactly("html > body > p: text \"Card ***, total 10\" != \"Card ***, total 12\"");
    assertThat(c.sample(legacy)).isEqualTo("<p>Card ***, total 10</p>");
  }

  @Test
  void hidesNonJsonValuesWhileOnlyJsonPathRedactionIsConfigured() {
    ResponseComparator c = comparator(List.of(), List.of(), List.of("$..cardNumber"), List.of(), 4096, 200);
    CapturedResponse legacy = html("<p>Card 4111111111111111</p>");
    var result = c.compare(legacy, html("<p>Card 4000000000000002</p>"));
    assertThat(result.differences()).containsExactly("html > body > p: text " + Disclosure.HIDDEN);
    assertThat(c.sample(legacy)).doesNotContain("4111").contains("hidden");
  }

  @Test
  void keepsAsMuchOfASampleAsConfigured() {
    String page = "<p>" + "z".repeat(10_000) + "</p>";
    assertThat(comparator(List.of(), List.of(), List.of(), List.of(), 4096, 200).sample(html(page)))
        .startsWith("<p>zzz").contains("…(truncated, 10007 chars)").hasSize(4096 + "…(truncated, 10007 chars)".length());
    assertThat(comparator(List.of(), List.of(), List.of(), List.of(), 20_000, 200).sample(html(page))).isEqualTo(page);
  }

  @Test
  void comparesPlainTextLineByLineIgnoringLineEndingsIndentationAndBlankLines() {
    ResponseComparator c = comparator(List.of(), List.of(TIMESTAMP), List.of(), List.of(), 4096, 200);
    String legacy = "Order 7\r\nTotal: 10.00\r\nat 2026-12-03T18:00:00Z\r\n";
    assertThat(c.compare(text(legacy), text("Order 7\n\n   Total:   10.00  \nat 2026-12-03T18:00:05.5Z")).matched())
        .isTrue();
    assertThat(c.compare(text(legacy), text("Order 7\n\n   Total:   12.00\nat 2026-12-03T18:00:05.5Z"))
        .differences()).containsExactly("line 2 (new: line 3), column 9: \"Total: 10.00\" != \"Total: 12.00\"");
    assertThat(c.compare(text(legacy), text("Order 7\nTotal: 10.00\nat 2026-12-03T18:00:05.5Z\nPaid")).differences())
        .containsExactly("line 4 of new: only in new: \"Paid\"");
  }

  @Test
  void rejectsBadSelectors() {
    assertThatThrownBy(() -> HtmlIgnore.compile("input[name=")).hasMessageContaining("is not a CSS selector");
    assertThatThrownBy(() -> HtmlIgnore.compile(" ")).hasMessageContaining("CSS selector is required");
    assertThat(HtmlIgnore.compile("a[href='mailto:x@y']").toString()).isEqualTo("a[href='mailto:x@y']");
  }
}
