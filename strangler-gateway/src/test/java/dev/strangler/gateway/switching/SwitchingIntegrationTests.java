package dev.strangler.gateway.switching;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The admin API (auth, validation, audit, rollback) and automatic rollback. */
class SwitchingIntegrationTests {

  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer extracted = new WireMockServer(options().dynamicPort());
  static WireMockServer failing = new WireMockServer(options().dynamicPort());
  static GatewayInstance gateway;
  static final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void start() {
    legacy.start();
    extracted.start();
    failing.start();
    legacy.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("legacy")));
    extracted.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("new")));
    failing.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503).withBody("broken")));
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_switching"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.paths[0]", "/api/orders/**"),
        Map.entry("strangler.gateway.routes.orders.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.signup.paths[0]", "/api/signup/**"),
        Map.entry("strangler.gateway.routes.signup.extracted-uri", failing.baseUrl()),
        Map.entry("strangler.gateway.routes.signup.mode", "shadow"),
        Map.entry("strangler.gateway.routes.signup.auto-rollback.max-error-rate", "0.2"),
        Map.entry("strangler.gateway.routes.signup.auto-rollback.min-requests", "10"),
        Map.entry("strangler.gateway.routes.signup.auto-rollback.window", "30s")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.stop();
    extracted.stop();
    failing.stop();
  }

  private static JsonNode read(HttpResponse<String> response) {
    return json.readTree(response.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "Bearer wrong-token", "Basic dGVzdDp0ZXN0", "Bearer"})
  void refusesAdminCallsWithoutTheToken(String authorization) {
    HttpResponse<String> list = gateway.adminAs("GET", "/admin/routes", null, authorization.isEmpty() ? null : authorization);
    assertThat(list.statusCode()).isEqualTo(401);
    assertThat(list.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).contains("application/problem+json"));
    HttpResponse<String> change = gateway.adminAs("PUT", "/admin/routes/orders",
        "{\"mode\":\"extracted\",\"reason\":\"x\"}", authorization.isEmpty() ? null : authorization);
    assertThat(change.statusCode()).isEqualTo(401);
    assertThat(read(gateway.admin("GET", "/admin/routes/orders", null)).get("mode").asString()).isNotEqualTo("extracted");
  }

  static Stream<Arguments> badSwitches() {
    return Stream.of(
        Arguments.of("{\"mode\":\"sideways\",\"reason\":\"x\"}", "unknown mode"),
        Arguments.of("{\"mode\":\"canary\",\"percent\":150,\"reason\":\"x\"}", "outside 0"),
        Arguments.of("{\"mode\":\"canary\",\"percent\":-1,\"reason\":\"x\"}", "outside 0"),
        Arguments.of("{\"mode\":\"canary\",\"reason\":\"x\"}", "required for canary"),
        Arguments.of("{\"mode\":\"canary\",\"percent\":\"ten\",\"reason\":\"x\"}", "must be a number"),
        Arguments.of("{\"mode\":\"extracted\"}", "reason: required"),
        Arguments.of("{\"mode\":\"extracted\",\"reason\":\"  \"}", "must not be blank"),
        Arguments.of("{\"mode\":\"extracted\",\"reason\":\"x\",\"precent\":5}", "unknown field 'precent'"),
        Arguments.of("{\"mode\":\"extracted\",", "not valid JSON"),
        Arguments.of("[1,2]", "must be a JSON object"),
        Arguments.of("", "must be a JSON object"));
  }

  @ParameterizedTest
  @MethodSource("badSwitches")
  void rejectsBadInputWithProblemDetailsAndChangesNothing(String body, String detail) {
    long versionBefore = read(gateway.admin("GET", "/admin/routes/orders", null)).get("version").asLong();
    HttpResponse<String> response = gateway.admin("PUT", "/admin/routes/orders", body);
    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode problem = read(response);
    assertThat(problem.get("status").asInt()).isEqualTo(400);
    assertThat(problem.get("type").asString()).startsWith("https://strangler.dev/problems/");
    assertThat(problem.get("detail").asString()).contains(detail);
    assertThat(read(gateway.admin("GET", "/admin/routes/orders", null)).get("version").asLong()).isEqualTo(versionBefore);
  }

  @Test
  void answersNotFoundForReadingAnUnknownRouteAndBadRequestForChangingOne() {
    assertThat(gateway.admin("GET", "/admin/routes/nope", null).statusCode()).isEqualTo(404);
    HttpResponse<String> put = gateway.admin("PUT", "/admin/routes/nope", "{\"mode\":\"extracted\",\"reason\":\"x\"}");
    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(read(put).get("type").asString()).endsWith("/unknown-route");
    assertThat(gateway.admin("POST", "/admin/routes/nope/rollback", "{\"reason\":\"x\"}").statusCode()).isEqualTo(400);
  }

  @Test
  void switchesRollsBackAndAuditsWhoWhenFromToAndWhy() {
    gateway.switchRoute("orders", "canary", 5.0);
    HttpResponse<String> put = gateway.admin("PUT", "/admin/routes/orders",
        "{\"mode\":\"extracted\",\"reason\":\"cutover after a clean canary\"}");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(read(put).get("mode").asString()).isEqualTo("extracted");
    assertThat(gateway.get("/api/orders/1").body()).isEqualTo("new");

    HttpResponse<String> rollback = gateway.admin("POST", "/admin/routes/orders/rollback", "{\"reason\":\"errors in checkout\"}");
    assertThat(rollback.statusCode()).isEqualTo(200);
    JsonNode state = read(rollback);
    assertThat(state.get("mode").asString()).isEqualTo("canary");
    assertThat(state.get("percent").asDouble()).isEqualTo(5.0);
    gateway.admin("POST", "/admin/routes/orders/rollback", "{\"reason\":\"all the way back\"}");
    assertThat(read(gateway.admin("GET", "/admin/routes/orders", null)).get("mode").asString()).isEqualTo("legacy");
    assertThat(gateway.get("/api/orders/1").body()).isEqualTo("legacy");

    JsonNode audit = read(gateway.admin("GET", "/admin/audit?route=orders&limit=3", null));
    assertThat(audit.size()).isEqualTo(3);
    JsonNode latest = audit.get(0);
    assertThat(latest.get("actor").asString()).isEqualTo("test-operator");
    assertThat(latest.get("automatic").asBoolean()).isFalse();
    assertThat(latest.get("from").get("mode").asString()).isEqualTo("canary");
    assertThat(latest.get("to").get("mode").asString()).isEqualTo("legacy");
    assertThat(latest.get("reason").asString()).isEqualTo("all the way back");
    assertThat(latest.get("at").asString()).isNotBlank();
    assertThat(audit.get(1).get("reason").asString()).isEqualTo("errors in checkout");
  }

  @Test
  void rollsBackByItselfWhenTheErrorBudgetIsSpent() {
    gateway.switchRoute("signup", "canary", 100.0);
    for (int i = 0; i < 12; i++) {
      gateway.get("/api/signup/" + i);
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(read(gateway.admin("GET", "/admin/routes/signup", null)).get("mode").asString()).isEqualTo("shadow"));
    assertThat(gateway.get("/api/signup/after").body()).isEqualTo("legacy");
    JsonNode entry = read(gateway.admin("GET", "/admin/audit?route=signup&limit=1", null)).get(0);
    assertThat(entry.get("automatic").asBoolean()).isTrue();
    assertThat(entry.get("actor").asString()).isEqualTo("auto-rollback");
    assertThat(entry.get("from").get("mode").asString()).isEqualTo("canary");
    assertThat(entry.get("to").get("mode").asString()).isEqualTo("shadow");
    assertThat(entry.get("reason").asString()).startsWith("auto-rollback: error rate 1.000 > 0.200");
  }

  @Test
  void rollsReadsModeBackToShadowWhenTheReadsServedByTheNewSideFail() {
    gateway.switchRoute("signup", "reads", null);
    for (int i = 0; i < 12; i++) {
      gateway.get("/api/signup/reads-" + i);
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(read(gateway.admin("GET", "/admin/routes/signup", null)).get("mode").asString()).isEqualTo("shadow"));
    JsonNode entry = read(gateway.admin("GET", "/admin/audit?route=signup&limit=1", null)).get(0);
    assertThat(entry.get("actor").asString()).isEqualTo("auto-rollback");
    assertThat(entry.get("from").get("mode").asString()).isEqualTo("reads");
    assertThat(entry.get("to").get("mode").asString()).isEqualTo("shadow");
  }
}
