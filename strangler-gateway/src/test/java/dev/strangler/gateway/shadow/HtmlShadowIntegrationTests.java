package dev.strangler.gateway.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.strangler.gateway.GatewayInstance;
import dev.strangler.gateway.OldMonolith;
import dev.strangler.testkit.TestInfrastructure;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shadow mode in front of an older, server-rendered monolith and its rewrite: the same HTML pages,
 * written differently, each with its own per-request CSRF token, script nonce and timestamp.
 */
class HtmlShadowIntegrationTests {

  static OldMonolith legacy = new OldMonolith("legacy", OldMonolith.Markup.PRETTY);
  static OldMonolith rewrite = new OldMonolith("extracted", OldMonolith.Markup.COMPACT);
  static GatewayInstance gateway;
  static final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void start() {
    String prefix = "strangler.gateway.routes.";
    Map<String, Object> properties = new java.util.LinkedHashMap<>();
    properties.put("strangler.gateway.legacy-uri", legacy.uri());
    for (String route : new String[] {"pages", "reports"}) {
      properties.put(prefix + route + ".extracted-uri", rewrite.uri());
      properties.put(prefix + route + ".mode", "shadow");
      properties.put(prefix + route + ".shadow.ignore-html[0]", "meta[name=csrf-token]@content");
      properties.put(prefix + route + ".shadow.ignore-html[1]", "input[name=_csrf]@value");
      properties.put(prefix + route + ".shadow.ignore-html[2]", "[nonce]@nonce");
      properties.put(prefix + route + ".shadow.ignore-pattern[0]", "\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
    }
    properties.put(prefix + "pages.paths[0]", "/notes/**");
    properties.put(prefix + "reports.paths[0]", "/report/**");
    properties.put(prefix + "reports.shadow.max-sample-chars", "100000");
    // the same pages with no ignore rules
    properties.put(prefix + "strict.paths[0]", "/strict/**");
    properties.put(prefix + "strict.extracted-uri", rewrite.uri());
    properties.put(prefix + "strict.mode", "shadow");
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_shadow_html"), properties);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.close();
    rewrite.close();
  }

  private static JsonNode shadow(String route) {
    return json.readTree(gateway.admin("GET", "/admin/routes/" + route, null).body()).get("shadow");
  }

  @Test
  void matchesPagesThatDifferOnlyInPerRequestTokensTimestampsWhitespaceAndAttributeOrder() {
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> page = gateway.get("/notes/new");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("X-Served-By")).hasValue("legacy");
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(shadow("pages").get("matched").asLong()).isEqualTo(5));
    assertThat(shadow("pages").get("mismatched").asLong()).isZero();
  }

  @Test
  void reportsTheTokenThatDiffersWithBothValuesWhenNothingIsIgnored() {
    HttpResponse<String> page = gateway.get("/strict/notes/new");
    Matcher token = Pattern.compile("name=\"_csrf\" value=\"([0-9a-f]+)\"").matcher(page.body());
    assertThat(token.find()).isTrue();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(shadow("strict").get("mismatched").asLong()).isEqualTo(1));
    JsonNode sample = shadow("strict").get("mismatches").get(0);
    String first = sample.get("differences").get(0).asString();
    assertThat(first).startsWith("html > head > meta:nth-of-type(2)@content: \"").contains("\" != \"")
        .doesNotContain("bytes differ");
    assertThat(sample.get("differences").toString())
        .contains("html > body > form > input:nth-of-type(1)@value: \\\"" + token.group(1) + "\\\" != \\\"");
  }

  @Test
  void reportsWhereALongPageDiffersAndKeepsTheWholeSampleWhenAsked() {
    HttpResponse<String> same = gateway.get("/report/200");
    assertThat(same.body().length()).isGreaterThan(4096 * 2);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(shadow("reports").get("matched").asLong()).isEqualTo(1));

    rewrite.misprice(120);
    HttpResponse<String> different = gateway.get("/report/200");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(shadow("reports").get("mismatched").asLong()).isEqualTo(1));
    JsonNode sample = shadow("reports").get("mismatches").get(0);
    assertThat(sample.get("differences").get(0).asString()).isEqualTo(
        "html > body > main > table#items > tbody > tr:nth-of-type(120) > td:nth-of-type(2): text \"12.50\" != \"12.60\"");
    assertThat(sample.get("differences").size()).isEqualTo(1);
    assertThat(sample.get("legacyBody").asString()).isEqualTo(different.body());
    assertThat(sample.get("newBody").asString()).contains("<td class=\"price\">12.60</td>").doesNotContain("truncated");
  }
}
