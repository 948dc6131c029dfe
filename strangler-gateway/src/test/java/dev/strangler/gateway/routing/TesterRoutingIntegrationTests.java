package dev.strangler.gateway.routing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Testers first: a side chosen by header or cookie goes through only with the tester token. */
class TesterRoutingIntegrationTests {

  static final String TESTER_TOKEN = "tester-token-0123456789abcdef";
  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer extracted = new WireMockServer(options().dynamicPort());
  static GatewayInstance gateway;

  @BeforeAll
  static void start() {
    legacy.start();
    extracted.start();
    legacy.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("legacy")));
    extracted.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("new")));
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_testers"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.testers.token", TESTER_TOKEN),
        Map.entry("strangler.gateway.routes.old.paths[0]", "/api/old/**"),
        Map.entry("strangler.gateway.routes.old.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.old.mode", "legacy"),
        Map.entry("strangler.gateway.routes.moved.paths[0]", "/api/moved/**"),
        Map.entry("strangler.gateway.routes.moved.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.moved.mode", "extracted"),
        Map.entry("strangler.gateway.routes.shadowed.paths[0]", "/api/shadowed/**"),
        Map.entry("strangler.gateway.routes.shadowed.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.shadowed.mode", "shadow")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.stop();
    extracted.stop();
  }

  @ParameterizedTest(name = "{0} route, side {1}, token {2} -> {3}")
  @CsvSource({
      "old,   extracted, valid, extracted",
      "old,   legacy,    valid, legacy",
      "moved, legacy,    valid, legacy",
      "moved, extracted, valid, extracted",
      "old,   extracted, none,  legacy",
      "old,   extracted, wrong, legacy",
      "moved, legacy,    none,  extracted",
      "moved, legacy,    wrong, extracted"})
  void sendsTheRequestToTheAskedSideOnlyWithTheTesterToken(String route, String side, String token,
      String expected) {
    String path = "/api/" + route + "/" + side + "-" + token;
    HttpResponse<String> response = token.equals("none")
        ? gateway.get(path, "X-Strangler-Side", side)
        : gateway.get(path, "X-Strangler-Side", side, "X-Strangler-Tester-Token",
            token.equals("valid") ? TESTER_TOKEN : TESTER_TOKEN + "x");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue(expected);
    WireMockServer backend = expected.equals("legacy") ? legacy : extracted;
    List<LoggedRequest> seen = backend.findAll(getRequestedFor(urlEqualTo(path)));
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).containsHeader("X-Strangler-Side")).as("side header stripped").isFalse();
    assertThat(seen.get(0).containsHeader("X-Strangler-Tester-Token")).as("tester token never forwarded").isFalse();
  }

  @ParameterizedTest(name = "{0} route, side cookie {1}, token cookie {2} -> {3}")
  @CsvSource({
      "old,   extracted, valid, extracted",
      "old,   legacy,    valid, legacy",
      "moved, legacy,    valid, legacy",
      "moved, extracted, valid, extracted",
      "old,   extracted, none,  legacy",
      "old,   extracted, wrong, legacy",
      "moved, legacy,    none,  extracted",
      "moved, legacy,    wrong, extracted"})
  void sendsTheRequestToTheSideNamedByTheCookieOnlyWithTheTokenCookie(String route, String side, String token,
      String expected) {
    String path = "/api/" + route + "/cookie-" + side + "-" + token;
    String cookie = "strangler-side=" + side + (token.equals("none") ? ""
        : "; strangler-tester-token=" + (token.equals("valid") ? TESTER_TOKEN : TESTER_TOKEN + "x"));
    HttpResponse<String> response = gateway.get(path, "Cookie", cookie);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue(expected);
    WireMockServer backend = expected.equals("legacy") ? legacy : extracted;
    List<LoggedRequest> seen = backend.findAll(getRequestedFor(urlEqualTo(path)));
    assertThat(seen).hasSize(1);
    // only tester cookies were sent: nothing is left to forward
    assertThat(seen.get(0).containsHeader("Cookie")).as("tester cookies stripped").isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "a side granted,          /api/old/kept-granted,   'strangler-side=extracted; strangler-tester-token=" + TESTER_TOKEN + "', extracted",
      "a side refused,          /api/old/kept-refused,   'strangler-side=extracted; strangler-tester-token=wrong-token-0123456789',  legacy",
      "a token cookie alone,    /api/moved/kept-alone,   'strangler-tester-token=" + TESTER_TOKEN + "',                            extracted"})
  void stripsTheTesterCookiesAndForwardsTheOthersUnchanged(String name, String path, String testerCookies,
      String expected) {
    String sticky = "strangler-sticky=0123456789abcdef0123456789abcdef";
    gateway.get(path, "Cookie", "session=s%3Aabc.def; " + testerCookies + "; " + sticky + "; theme=\"dark\"");
    WireMockServer backend = expected.equals("legacy") ? legacy : extracted;
    List<LoggedRequest> seen = backend.findAll(getRequestedFor(urlEqualTo(path)));
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).getHeaders().getHeader("Cookie").values())
        .containsExactly("session=s%3Aabc.def; " + sticky + "; theme=\"dark\"");
  }

  @Test
  void stripsTheTesterCookiesFromTheShadowCopyToo() {
    String path = "/api/shadowed/copy";
    HttpResponse<String> response = gateway.get(path, "Cookie",
        "session=abc; strangler-tester-token=" + TESTER_TOKEN + "; strangler-side=legacy-please");
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue("legacy");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> extracted.findAll(getRequestedFor(urlEqualTo(path))).size() == 1);
    // legacy may also get a second copy (learned shadow noise): every one is stripped
    for (WireMockServer backend : List.of(legacy, extracted)) {
      assertThat(backend.findAll(getRequestedFor(urlEqualTo(path)))).isNotEmpty().allSatisfy(seen ->
          assertThat(seen.getHeaders().getHeader("Cookie").values()).containsExactly("session=abc"));
    }
  }

  @ParameterizedTest(name = "{0} route: header {1}, cookie {2} -> {3}")
  @CsvSource({
      "old,   legacy,    extracted, legacy",
      "moved, legacy,    extracted, legacy",
      "old,   extracted, legacy,    extracted",
      "moved, extracted, legacy,    extracted"})
  void prefersTheSideHeaderOverTheSideCookie(String route, String header, String cookie, String expected) {
    String path = "/api/" + route + "/both-" + header;
    HttpResponse<String> response = gateway.get(path, "X-Strangler-Side", header,
        "Cookie", "strangler-side=" + cookie + "; strangler-tester-token=" + TESTER_TOKEN);
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue(expected);
    WireMockServer backend = expected.equals("legacy") ? legacy : extracted;
    assertThat(backend.findAll(getRequestedFor(urlEqualTo(path)))).hasSize(1);
  }

  @Test
  void acceptsTheSideFromTheHeaderAndTheTokenFromTheCookie() {
    HttpResponse<String> response = gateway.get("/api/old/mixed", "X-Strangler-Side", "extracted",
        "Cookie", "strangler-tester-token=" + TESTER_TOKEN);
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue("extracted");
  }

  @Test
  void countsACookieSideWithoutAValidTokenAsRefusedButNotALoneTokenCookie() {
    String before = gateway.admin("GET", "/admin/routes/old", null).body();
    long testers = number(before, "\"testers\":");
    long refused = number(before, "\"testersRefused\":");
    long legacyCount = number(before.substring(before.indexOf("\"traffic\":")), "\"legacy\":");
    gateway.get("/api/old/count", "Cookie", "strangler-side=extracted; strangler-tester-token=" + TESTER_TOKEN);
    gateway.get("/api/old/count", "Cookie", "strangler-side=extracted; strangler-tester-token=nope");
    gateway.get("/api/old/count", "Cookie", "strangler-side=extracted");
    gateway.get("/api/old/count", "Cookie", "strangler-tester-token=" + TESTER_TOKEN);
    String after = gateway.admin("GET", "/admin/routes/old", null).body();
    assertThat(number(after, "\"testers\":")).isEqualTo(testers + 1);
    assertThat(number(after, "\"testersRefused\":")).isEqualTo(refused + 2);
    // the two refused and the lone token cookie are ordinary traffic
    assertThat(number(after.substring(after.indexOf("\"traffic\":")), "\"legacy\":")).isEqualTo(legacyCount + 3);
  }

  @Test
  void countsTesterTrafficApartFromTheRouteAndItsRollbackWindow() {
    String before = gateway.admin("GET", "/admin/routes/moved", null).body();
    long testers = number(before, "\"testers\":");
    long refused = number(before, "\"testersRefused\":");
    long window = number(before.substring(before.indexOf("\"window\":")), "\"requests\":");
    gateway.get("/api/moved/count", "X-Strangler-Side", "extracted", "X-Strangler-Tester-Token", TESTER_TOKEN);
    gateway.get("/api/moved/count", "X-Strangler-Side", "legacy", "X-Strangler-Tester-Token", "nope");
    String after = gateway.admin("GET", "/admin/routes/moved", null).body();
    assertThat(number(after, "\"testers\":")).isEqualTo(testers + 1);
    assertThat(number(after, "\"testersRefused\":")).isEqualTo(refused + 1);
    // only the refused (ordinary) request counts in the auto-rollback window
    assertThat(number(after.substring(after.indexOf("\"window\":")), "\"requests\":")).isEqualTo(window + 1);
  }

  private static long number(String json, String key) {
    int at = json.indexOf(key);
    assertThat(at).as("%s in %s", key, json).isNotNegative();
    int from = at + key.length();
    int to = from;
    while (to < json.length() && Character.isDigit(json.charAt(to))) {
      to++;
    }
    return Long.parseLong(json.substring(from, to));
  }
}
