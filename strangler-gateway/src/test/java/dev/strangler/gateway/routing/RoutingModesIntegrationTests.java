package dev.strangler.gateway.routing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutingModesIntegrationTests {

  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer extracted = new WireMockServer(options().dynamicPort());
  static GatewayInstance gateway;

  @BeforeAll
  static void start() throws IOException {
    legacy.start();
    extracted.start();
    legacy.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{\"served\":\"legacy\"}")));
    extracted.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody("{\"served\":\"new\"}")));
    extracted.stubFor(any(urlPathMatching("/api/late/.*")).willReturn(aResponse().withStatus(200)
        .withBody("too late").withFixedDelay(4000)));
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_modes"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.paths[0]", "/api/orders/**"),
        Map.entry("strangler.gateway.routes.orders.paths[1]", "/api/members/{memberId}/orders"),
        Map.entry("strangler.gateway.routes.orders.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.canary.sticky-key", "path:memberId"),
        Map.entry("strangler.gateway.routes.special.paths[0]", "/api/orders/special"),
        Map.entry("strangler.gateway.routes.special.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.special.mode", "extracted"),
        Map.entry("strangler.gateway.routes.signup.paths[0]", "/api/signup/**"),
        Map.entry("strangler.gateway.routes.signup.extracted-uri", "http://127.0.0.1:" + closedPort),
        Map.entry("strangler.gateway.routes.signup.mode", "extracted"),
        Map.entry("strangler.gateway.routes.signup.auto-rollback.enabled", "false"),
        // nothing listens on either side: the new side refuses, the fallback to legacy refuses too
        Map.entry("strangler.gateway.routes.dead.paths[0]", "/api/dead/**"),
        Map.entry("strangler.gateway.routes.dead.legacy-uri", "http://127.0.0.1:" + closedPort),
        Map.entry("strangler.gateway.routes.dead.extracted-uri", "http://127.0.0.1:" + closedPort),
        Map.entry("strangler.gateway.routes.dead.mode", "extracted"),
        Map.entry("strangler.gateway.routes.dead.auto-rollback.enabled", "false"),
        Map.entry("strangler.gateway.routes.late.paths[0]", "/api/late/**"),
        Map.entry("strangler.gateway.routes.late.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.late.mode", "extracted"),
        Map.entry("strangler.gateway.routes.search.paths[0]", "/api/search/**"),
        Map.entry("strangler.gateway.routes.search.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.search.mode", "reads"),
        // a search API whose POST only reads: listed, it goes to the new side too
        Map.entry("strangler.gateway.routes.search.reads.methods[0]", "GET"),
        Map.entry("strangler.gateway.routes.search.reads.methods[1]", "post"),
        Map.entry("strangler.gateway.backend.response-timeout", "2s")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.stop();
    extracted.stop();
  }

  @Test
  void sendsUnclaimedPathsToLegacy() {
    HttpResponse<String> response = gateway.get("/api/menus?page=2");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("legacy");
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue("legacy");
    assertThat(response.headers().firstValue("X-Strangler-Route")).isEmpty();
    assertThat(legacy.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlEqualTo("/api/menus?page=2")))).hasSize(1);
  }

  @Test
  void servesLegacyModeFromTheMonolith() {
    gateway.switchRoute("orders", "legacy", null);
    HttpResponse<String> response = gateway.get("/api/orders/7");
    assertThat(response.body()).contains("legacy");
    assertThat(response.headers().firstValue("X-Strangler-Route")).hasValue("orders");
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue("legacy");
  }

  @Test
  void servesExtractedModeFromTheNewServiceWithPathQueryAndBody() {
    gateway.switchRoute("orders", "extracted", null);
    HttpResponse<String> response = gateway.request("POST", "/api/orders?source=app", "{\"menuId\":3}",
        "Content-Type", "application/json");
    assertThat(response.body()).contains("new");
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue("extracted");
    assertThat(extracted.findAll(postRequestedFor(urlEqualTo("/api/orders?source=app"))
        .withRequestBody(equalTo("{\"menuId\":3}")))).hasSize(1);
    gateway.switchRoute("orders", "legacy", null);
  }

  @Test
  void letsTheMostSpecificPatternWin() {
    gateway.switchRoute("orders", "legacy", null);
    HttpResponse<String> special = gateway.get("/api/orders/special");
    assertThat(special.headers().firstValue("X-Strangler-Route")).hasValue("special");
    assertThat(special.body()).contains("new");
    assertThat(gateway.get("/api/orders/specials").headers().firstValue("X-Strangler-Route")).hasValue("orders");
  }

  @Test
  void keepsCanaryKeysStickyAndMonotone() {
    gateway.switchRoute("orders", "canary", 30.0);
    Set<Integer> onNewAt30 = new HashSet<>();
    for (int member = 1; member <= 200; member++) {
      String first = gateway.get("/api/members/" + member + "/orders").headers().firstValue("X-Strangler-Target").orElseThrow();
      String second = gateway.get("/api/members/" + member + "/orders").headers().firstValue("X-Strangler-Target").orElseThrow();
      assertThat(second).as("member %d is sticky", member).isEqualTo(first);
      if (first.equals("extracted")) {
        onNewAt30.add(member);
      }
    }
    assertThat(onNewAt30.size()).isBetween(40, 80);
    gateway.switchRoute("orders", "canary", 60.0);
    int onNewAt60 = 0;
    for (int member = 1; member <= 200; member++) {
      String target = gateway.get("/api/members/" + member + "/orders").headers().firstValue("X-Strangler-Target").orElseThrow();
      if (onNewAt30.contains(member)) {
        assertThat(target).as("member %d stays on the new side when the percent grows", member).isEqualTo("extracted");
      }
      if (target.equals("extracted")) {
        onNewAt60++;
      }
    }
    assertThat(onNewAt60).isBetween(100, 140);
    gateway.switchRoute("orders", "legacy", null);
  }

  @Test
  void fallsBackToLegacyWhenTheNewServiceRefusesTheConnection() {
    HttpResponse<String> response = gateway.get("/api/signup/form");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("legacy");
    assertThat(response.headers().firstValue("X-Strangler-Target")).hasValue("legacy");
    assertThat(gateway.admin("GET", "/admin/routes/signup", null).body()).contains("\"fallbacks\":1");
  }

  @Test
  void answersBadGatewayWhenNoBackendCanBeReached() {
    HttpResponse<String> response = gateway.get("/api/dead/1");
    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.headers().firstValue("X-Strangler-Route")).hasValue("dead");
  }

  @Test
  void answersGatewayTimeoutAndNeverResendsWhenTheNewServiceIsTooSlow() {
    HttpResponse<String> response = gateway.get("/api/late/1");
    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(legacy.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlEqualTo("/api/late/1")))).isEmpty();
  }

  @Test
  void servesTheAdminApiOnlyOnTheManagementPort() {
    HttpResponse<String> onTraffic = gateway.get("/admin/routes", "Authorization", "Bearer " + GatewayInstance.TOKEN);
    assertThat(onTraffic.body()).isEqualTo("{\"served\":\"legacy\"}");
    assertThat(onTraffic.headers().firstValue("X-Strangler-Target")).hasValue("legacy");
    HttpResponse<String> onManagement = gateway.admin("GET", "/admin/routes", null);
    assertThat(onManagement.statusCode()).isEqualTo(200);
    assertThat(onManagement.body()).startsWith("[").contains("\"name\":\"orders\"");
  }

  @Test
  void exportsPerRouteMetricsInPrometheusFormat() throws Exception {
    gateway.get("/api/orders/1");
    var request = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + gateway.managementPort() + "/actuator/prometheus")).build();
    String body = java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
    assertThat(body).contains("strangler_gateway_requests_seconds_count{outcome=\"success\",route=\"orders\",target=\"legacy\"}");
    assertThat(body).contains("strangler_gateway_shadow_total{result=\"dropped\",route=\"orders\"}");
  }

  @ParameterizedTest
  @CsvSource({"GET, extracted", "HEAD, extracted", "POST, legacy", "PUT, legacy", "DELETE, legacy", "PATCH, legacy"})
  void sendsSafeMethodsToTheNewServiceAndWritesToLegacyInReadsMode(String method, String target) {
    gateway.switchRoute("orders", "reads", null);
    HttpResponse<String> response = gateway.request(method, "/api/orders/7", method.equals("GET") || method.equals("HEAD")
        ? null : "{}", "Content-Type", "application/json");
    assertThat(response.headers().firstValue("X-Strangler-Target")).as(method).hasValue(target);
    gateway.switchRoute("orders", "legacy", null);
  }

  @ParameterizedTest
  @CsvSource({"GET, extracted", "POST, extracted", "HEAD, legacy", "DELETE, legacy"})
  void sendsOnlyTheConfiguredReadMethodsToTheNewService(String method, String target) {
    HttpResponse<String> response = gateway.request(method, "/api/search/q", method.equals("GET") || method.equals("HEAD")
        ? null : "{}", "Content-Type", "application/json");
    assertThat(response.headers().firstValue("X-Strangler-Target")).as(method).hasValue(target);
  }
}
