package dev.strangler.gateway.dashboard;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A verify run through the dashboard lands in the gateway's audit trail next to the switches,
 * with its reason and what it found; a refused one (bad input) leaves no row. cdc-sync is played
 * by WireMock; the audit trail is the gateway's real PostgreSQL control store.
 */
class VerifyAuditIntegrationTests {

  static final JsonMapper JSON = JsonMapper.builder().build();
  static final String SYNC_TOKEN = "sync-token-for-verify-audit";

  static WireMockServer sync = new WireMockServer(options().dynamicPort());
  static WireMockServer legacy = new WireMockServer(options().dynamicPort());

  static GatewayInstance gateway;

  @BeforeAll
  static void start() {
    sync.start();
    legacy.start();
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_verify_audit"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.paths[0]", "/api/orders/**"),
        Map.entry("strangler.gateway.routes.orders.extracted-uri", legacy.baseUrl()),
        Map.entry("strangler.gateway.routes.orders.mode", "canary"),
        Map.entry("strangler.gateway.routes.orders.canary.percent", "10"),
        Map.entry("strangler.dashboard.sync.admin-url", sync.baseUrl()),
        Map.entry("strangler.dashboard.sync.token", SYNC_TOKEN),
        Map.entry("strangler.dashboard.route-pipelines.orders", "orders-forward")));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    sync.stop();
    legacy.stop();
  }

  @Test
  void aVerifyIsAuditedUnderItsRouteWithReasonAndResult() {
    sync.stubFor(post("/admin/pipelines/orders-forward/verify").willReturn(okJson(
        "{\"equal\":false,\"sourceRows\":10,\"targetRows\":9,\"differingKeys\":[{\"table\":\"orders\","
            + "\"key\":{\"id\":\"7\"},\"problem\":\"missing-in-target\"}],\"tables\":[]}")));

    assertThat(gateway.admin("POST", "/admin/sync/pipelines/orders-forward/verify",
        "{\"reason\":\"before raising the canary\"}").statusCode()).isEqualTo(200);

    JsonNode entry = JSON.readTree(gateway.admin("GET", "/admin/audit?route=orders&limit=5", null).body()).get(0);
    assertThat(entry.get("action").asString()).isEqualTo("verify");
    assertThat(entry.get("pipeline").asString()).isEqualTo("orders-forward");
    assertThat(entry.get("outcome").asString()).isEqualTo("different");
    assertThat(entry.get("detail").asString())
        .isEqualTo("10 source rows, 9 target rows, 1 differing keys: {\"table\":\"orders\",\"key\":{\"id\":\"7\"},"
            + "\"problem\":\"missing-in-target\"}");
    assertThat(entry.get("reason").asString()).isEqualTo("before raising the canary");
    // a verify changes no route: the mode is the same on both sides of the entry
    assertThat(entry.get("from").get("mode").asString()).isEqualTo("canary");
    assertThat(entry.get("to").get("mode").asString()).isEqualTo("canary");
    assertThat(entry.get("to").get("percent").asDouble()).isEqualTo(10.0);
  }

  @Test
  void aVerifyThatCdcSyncCouldNotRunIsAuditedAsFailed() {
    sync.stubFor(post("/admin/pipelines/orders-forward/verify").willReturn(aResponse().withStatus(500)));

    gateway.admin("POST", "/admin/sync/pipelines/orders-forward/verify", "{\"reason\":\"nightly check\"}");

    JsonNode entry = JSON.readTree(gateway.admin("GET", "/admin/audit?route=orders&limit=5", null).body()).get(0);
    assertThat(entry.get("outcome").asString()).isEqualTo("failed");
    assertThat(entry.get("detail").asString()).isEqualTo("cdc-sync answered 500");
    assertThat(entry.get("reason").asString()).isEqualTo("nightly check");
  }

  @Test
  void aRefusedVerifyLeavesNoAuditRow() {
    sync.stubFor(post("/admin/pipelines/nope/verify").willReturn(aResponse().withStatus(404)));
    int before = JSON.readTree(gateway.admin("GET", "/admin/audit?limit=1000", null).body()).size();

    assertThat(gateway.admin("POST", "/admin/sync/pipelines/orders-forward/verify", "{}").statusCode())
        .isEqualTo(400);
    assertThat(gateway.admin("POST", "/admin/sync/pipelines/nope/verify", "{\"reason\":\"typo\"}").statusCode())
        .isEqualTo(404);

    assertThat(JSON.readTree(gateway.admin("GET", "/admin/audit?limit=1000", null).body()).size()).isEqualTo(before);
  }
}
