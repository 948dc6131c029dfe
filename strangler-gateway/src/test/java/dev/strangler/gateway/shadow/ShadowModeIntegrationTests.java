package dev.strangler.gateway.shadow;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ShadowModeIntegrationTests {

  static final String CARD = "4111111111111111";
  static WireMockServer legacy = new WireMockServer(options().dynamicPort());
  static WireMockServer extracted = new WireMockServer(options().dynamicPort());
  static GatewayInstance gateway;
  static final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void start() {
    legacy.start();
    extracted.start();
    legacy.stubFor(get("/api/orders/1").willReturn(okJson(
        "{\"id\":1,\"total\":10,\"tags\":[\"a\",\"b\"],\"payment\":{\"cardNumber\":\"" + CARD + "\"}}")));
    extracted.stubFor(get("/api/orders/1").willReturn(okJson(
        "{\"id\":\"ord-1\",\"total\":10,\"tags\":[\"b\",\"a\"],\"payment\":{\"cardNumber\":\"" + CARD + "\"}}")));
    legacy.stubFor(get("/api/orders/2").willReturn(okJson(
        "{\"id\":2,\"total\":10,\"tags\":[],\"payment\":{\"cardNumber\":\"" + CARD + "\"}}")));
    extracted.stubFor(get("/api/orders/2").willReturn(okJson(
        "{\"id\":\"ord-2\",\"total\":12,\"tags\":[],\"payment\":{\"cardNumber\":\"" + CARD + "\"}}")));
    legacy.stubFor(any(urlEqualTo("/api/orders")).willReturn(okJson("{\"created\":true}")));
    extracted.stubFor(any(urlEqualTo("/api/orders")).willReturn(okJson("{\"created\":true}")));
    legacy.stubFor(any(urlPathMatching("/api/coupons/.*")).willReturn(okJson("{\"reserved\":true}")));
    extracted.stubFor(any(urlPathMatching("/api/coupons/.*")).willReturn(okJson("{\"reserved\":true}")));
    legacy.stubFor(any(urlPathMatching("/api/slow/.*")).willReturn(okJson("{\"ok\":true}")));
    extracted.stubFor(any(urlPathMatching("/api/slow/.*")).willReturn(okJson("{\"ok\":true}").withFixedDelay(2000)));
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_shadow"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.paths[0]", "/api/orders/**"),
        Map.entry("strangler.gateway.routes.orders.paths[1]", "/api/orders"),
        Map.entry("strangler.gateway.routes.orders.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.mode", "shadow"),
        Map.entry("strangler.gateway.routes.orders.shadow.ignore[0]", "$.id"),
        Map.entry("strangler.gateway.routes.orders.shadow.unordered[0]", "$.tags"),
        Map.entry("strangler.gateway.routes.orders.shadow.redact[0]", "$..cardNumber"),
        Map.entry("strangler.gateway.routes.slow.paths[0]", "/api/slow/**"),
        Map.entry("strangler.gateway.routes.slow.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.slow.mode", "shadow"),
        Map.entry("strangler.gateway.routes.slow.shadow.max-concurrent", "2"),
        Map.entry("strangler.gateway.routes.writes.paths[0]", "/api/coupons/**"),
        Map.entry("strangler.gateway.routes.writes.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.writes.mode", "shadow"),
        Map.entry("strangler.gateway.routes.writes.shadow.methods[0]", "GET"),
        Map.entry("strangler.gateway.routes.writes.shadow.methods[1]", "POST"),
        Map.entry("strangler.gateway.routes.warm.paths[0]", "/warm"),
        Map.entry("strangler.gateway.routes.warm.extracted-uri", extracted.baseUrl()),
        Map.entry("strangler.gateway.routes.warm.mode", "shadow")));
    // the first request through a fresh JVM loads classes and opens pools: keep it out of the timings
    gateway.get("/warm");
  }

  private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder okJson(String body) {
    return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(body);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    legacy.stop();
    extracted.stop();
  }

  private static JsonNode route(String name) {
    return json.readTree(gateway.admin("GET", "/admin/routes/" + name, null).body());
  }

  @Test
  void answersWithLegacyAndCountsMatchesAndRedactedMismatches() {
    HttpResponse<String> first = gateway.get("/api/orders/1");
    assertThat(first.body()).isEqualTo(
        "{\"id\":1,\"total\":10,\"tags\":[\"a\",\"b\"],\"payment\":{\"cardNumber\":\"" + CARD + "\"}}");
    assertThat(first.headers().firstValue("X-Strangler-Target")).hasValue("legacy");
    HttpResponse<String> second = gateway.get("/api/orders/2");
    assertThat(second.body()).contains("\"total\":10");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode shadow = route("orders").get("shadow");
      assertThat(shadow.get("matched").asLong()).isEqualTo(1);
      assertThat(shadow.get("mismatched").asLong()).isEqualTo(1);
    });
    JsonNode sample = route("orders").get("shadow").get("mismatches").get(0);
    assertThat(sample.get("path").asString()).isEqualTo("/api/orders/2");
    assertThat(sample.get("differences").toString()).contains("$.total").doesNotContain("$.id");
    assertThat(sample.get("legacyBody").asString()).contains("\"cardNumber\":\"***\"").doesNotContain(CARD);
    assertThat(sample.get("newBody").asString()).contains("\"total\":12").doesNotContain(CARD);
    assertThat(extracted.findAll(getRequestedFor(urlEqualTo("/api/orders/1")))).hasSize(1);
    assertThat(extracted.findAll(getRequestedFor(urlEqualTo("/api/orders/1"))).get(0).getHeader("X-Strangler-Shadow"))
        .isEqualTo("true");
  }

  @Test
  void doesNotCopyWritesUnlessConfigured() {
    HttpResponse<String> response = gateway.request("POST", "/api/orders", "{\"menuId\":1}", "Content-Type", "application/json");
    assertThat(response.body()).contains("created");
    assertThat(legacy.findAll(postRequestedFor(urlEqualTo("/api/orders")))).hasSize(1);
    assertThat(extracted.findAll(postRequestedFor(urlEqualTo("/api/orders")))).isEmpty();
  }

  @Test
  void copiesWritesWithTheirBodyWhenConfigured() {
    String body = "{\"coupon\":\"WELCOME10\",\"memberId\":7}";
    HttpResponse<String> response = gateway.request("POST", "/api/coupons/reserve", body, "Content-Type", "application/json");
    assertThat(response.body()).isEqualTo("{\"reserved\":true}");
    assertThat(legacy.findAll(postRequestedFor(urlEqualTo("/api/coupons/reserve"))
        .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.equalTo(body)))).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(extracted.findAll(postRequestedFor(urlEqualTo("/api/coupons/reserve"))
          .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.equalTo(body)))).hasSize(1);
      assertThat(route("writes").get("shadow").get("matched").asLong()).isEqualTo(1);
    });
  }

  @Test
  void dropsAndCountsCopiesWhenTheNewServiceIsSlow() {
    long slowest = 0;
    for (int i = 0; i < 10; i++) {
      long start = System.nanoTime();
      HttpResponse<String> response = gateway.get("/api/slow/" + i);
      long took = (System.nanoTime() - start) / 1_000_000;
      slowest = Math.max(slowest, took);
      assertThat(response.statusCode()).isEqualTo(200);
    }
    // the client never waits for the 2 s copy
    assertThat(slowest).isLessThan(1000);
    JsonNode shadow = route("slow").get("shadow");
    assertThat(shadow.get("dropped").asLong()).isGreaterThanOrEqualTo(6);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(route("slow").get("shadow").get("matched").asLong())
            .isEqualTo(10 - route("slow").get("shadow").get("dropped").asLong()));
    assertThat(extracted.findAll(anyRequestedFor(urlPathMatching("/api/slow/.*"))).size()).isLessThanOrEqualTo(4);
  }
}
