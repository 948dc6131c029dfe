package dev.strangler.gateway.shadow;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Noise learned from the monolith answering twice: its moving fields stop counting, real differences do not. */
class LearnedNoiseIntegrationTests {

  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer extracted = new WireMockServer(options().dynamicPort());
  static GatewayInstance gateway;

  @BeforeAll
  static void start() {
    legacy.start();
    extracted.start();
    // a fresh timestamp (nanoseconds) and request id on every call
    legacy.stubFor(get(urlPathMatching("/api/menus/.*")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json")
        .withBody("{\"id\":1,\"name\":\"Pizza\",\"price\":10,"
            + "\"generatedAt\":\"{{now format='yyyy-MM-dd HH:mm:ss.SSS'}}-{{randomValue length=6 type='NUMERIC'}}\","
            + "\"requestId\":\"{{randomValue type='UUID'}}\"}")
        .withTransformers("response-template")));
    extracted.stubFor(get(urlPathMatching("/api/menus/.*")).willReturn(okJson(
        "{\"id\":1,\"name\":\"Pizza\",\"price\":12,\"generatedAt\":\"2026-01-01\",\"requestId\":\"x\"}")));
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_noise"), Map.of(
        "strangler.gateway.legacy-uri", legacy.baseUrl(),
        "strangler.gateway.routes.menus.paths[0]", "/api/menus/**",
        "strangler.gateway.routes.menus.extracted-uri", extracted.baseUrl(),
        "strangler.gateway.routes.menus.mode", "shadow",
        "strangler.gateway.routes.menus.shadow.noise.min-samples", "3"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.stop();
    extracted.stop();
  }

  @Test
  void learnsMovingMonolithFieldsAsNoiseAndStillCountsTheRealDifference() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      gateway.get("/api/menus/" + System.nanoTime() % 1000);
      String noise = gateway.admin("GET", "/admin/routes/menus/noise", null).body();
      assertThat(noise).contains("\"GET /api/menus/{}\"", "\"$.generatedAt\"", "\"$.requestId\"")
          .doesNotContain("\"$.price\"");
    });
    String route = gateway.admin("GET", "/admin/routes/menus", null).body();
    // every mismatch sampled after learning names the price only
    assertThat(route).contains("$.price: 10 != 12");
    int mismatchedBefore = mismatched(route);
    gateway.get("/api/menus/5");
    await().atMost(Duration.ofSeconds(5)).until(() ->
        mismatched(gateway.admin("GET", "/admin/routes/menus", null).body()) == mismatchedBefore + 1);
    String latest = gateway.admin("GET", "/admin/routes/menus", null).body();
    int newest = latest.lastIndexOf("\"differences\"");
    String last = latest.substring(newest, latest.indexOf("\"legacyBody\"", newest));
    assertThat(last).contains("$.price").doesNotContain("$.generatedAt").doesNotContain("$.requestId");
  }

  @Test
  void pinsAndClearsNoiseThroughTheAdminApi() {
    assertThat(gateway.admin("PUT", "/admin/routes/menus/noise", "{\"path\":\"$.name\"}").body())
        .contains("\"pinned\":[\"$.name\"]");
    assertThat(gateway.admin("PUT", "/admin/routes/menus/noise", "{\"path\":\"name\"}").statusCode()).isEqualTo(400);
    assertThat(gateway.admin("GET", "/admin/routes/nope/noise", null).statusCode()).isEqualTo(404);
    assertThat(gateway.admin("DELETE", "/admin/routes/menus/noise", null).body()).contains("\"pinned\":[]");
  }

  private static int mismatched(String routeJson) {
    String key = "\"mismatched\":";
    int from = routeJson.indexOf(key) + key.length();
    int to = from;
    while (Character.isDigit(routeJson.charAt(to))) {
      to++;
    }
    return Integer.parseInt(routeJson.substring(from, to));
  }
}
