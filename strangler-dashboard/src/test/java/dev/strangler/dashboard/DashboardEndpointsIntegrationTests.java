package dev.strangler.dashboard;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in a real WebFlux app on a separate management port, with cdc-sync played by
 * WireMock: the page and its assets are public, the data endpoints need the admin token, the
 * sync proxy forwards with cdc-sync's own token, and the meters add up per route and target.
 * (One app per test class: closing a Reactor Netty app disposes the shared event loops.)
 */
class DashboardEndpointsIntegrationTests {

  static final String TOKEN = "dashboard-test-token-0123456789";
  static final String SYNC_TOKEN = "sync-token-abcdefghijklmnop";
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build(); // HTTP/1.1: no h2c upgrade attempts; the 10 s hangs were reactor-netty#4361 (TestManagementServer)
  static final JsonMapper JSON = JsonMapper.builder().build();

  static WireMockServer sync;
  static ConfigurableApplicationContext app;
  static int port;

  @BeforeAll
  static void start() {
    sync = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    sync.start();
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("strangler.dashboard.sync.admin-url", "http://127.0.0.1:" + sync.port());
    props.put("strangler.dashboard.sync.token", SYNC_TOKEN);
    props.put("strangler.dashboard.route-pipelines.members", "members-to-accounts");
    app = run(props);
    port = managementPort(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (sync != null) {
      sync.stop();
    }
  }

  static ConfigurableApplicationContext run(Map<String, Object> more) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("server.port", 0);
    all.put("management.server.port", 0);
    all.put("strangler.gateway.admin.token", TOKEN);
    all.putAll(more);
    String[] args = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    return new SpringApplicationBuilder(DashboardTestApplication.class).run(args);
  }

  static int managementPort(ConfigurableApplicationContext context) {
    return Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
  }

  static HttpResponse<String> call(int port, String method, String path, String body, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("X-Strangler-Actor", "tester");
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    }
  }

  static HttpResponse<String> admin(String method, String path, String body) {
    return call(port, method, path, body, "Bearer " + TOKEN);
  }

  @Test
  void servesThePageAndChartLibraryWithoutTokenAndWithAStrictContentSecurityPolicy() {
    HttpResponse<String> page = call(port, "GET", "/admin/ui/", null, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Connection")).as("one request per connection (TestManagementServer)")
        .hasValue("close");
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
        csp -> assertThat(csp).contains("default-src 'self'").contains("frame-ancestors 'none'"));
    assertThat(page.body()).contains("Strangler migration dashboard").contains("vendor/uplot/dist/uPlot.iife.min.js");

    assertThat(call(port, "GET", "/admin/ui", null, null).headers().firstValue("Location")).hasValue("/admin/ui/");
    HttpResponse<String> uplot = call(port, "GET", "/admin/ui/vendor/uplot/dist/uPlot.iife.min.js", null, null);
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.body()).contains("uPlot");
    assertThat(call(port, "GET", "/admin/ui/vendor/uplot/LICENSE", null, null).body()).contains("MIT");
    assertThat(call(port, "GET", "/admin/ui/app.js", null, null).statusCode()).isEqualTo(200);
    assertThat(call(port, "GET", "/admin/ui/style.css", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void pageIsNotServedOnTheTrafficPort() {
    int trafficPort = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
    assertThat(call(trafficPort, "GET", "/admin/ui/", null, null).statusCode()).isEqualTo(404);
    assertThat(call(trafficPort, "GET", "/admin/sync/pipelines", null, "Bearer " + TOKEN).statusCode()).isEqualTo(404);
  }

  @Test
  void dataEndpointsRefuseAMissingOrWrongTokenAsProblemDetails() {
    for (String path : new String[] {"/admin/dashboard/meters", "/admin/dashboard/settings", "/admin/sync/pipelines"}) {
      HttpResponse<String> none = call(port, "GET", path, null, null);
      assertThat(none.statusCode()).as(path).isEqualTo(401);
      assertThat(none.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(call(port, "GET", path, null, "Bearer wrong-token").statusCode()).as(path).isEqualTo(401);
      assertThat(call(port, "GET", path, null, TOKEN).statusCode()).as("without Bearer").isEqualTo(401);
    }
    sync.verify(0, getRequestedFor(urlEqualTo("/admin/pipelines")));
  }

  @Test
  void settingsTellThePageWhichPipelinesBelongToWhichRoute() {
    JsonNode settings = JSON.readTree(admin("GET", "/admin/dashboard/settings", null).body());
    assertThat(settings.get("syncConfigured").asBoolean()).isTrue();
    assertThat(settings.get("routePipelines").get("members").get(0).asString()).isEqualTo("members-to-accounts");
  }

  @Test
  void proxiesPipelinesToCdcSyncWithItsOwnToken() {
    sync.stubFor(get("/admin/pipelines").withHeader("Authorization", equalTo("Bearer " + SYNC_TOKEN))
        .willReturn(okJson("[{\"name\":\"members-to-accounts\",\"state\":\"STREAMING\",\"deadLetters\":2}]")));
    sync.stubFor(get("/admin/pipelines/members-to-accounts").withHeader("Authorization", equalTo("Bearer " + SYNC_TOKEN))
        .willReturn(okJson("{\"name\":\"members-to-accounts\",\"conflicts\":1}")));
    sync.stubFor(get("/admin/pipelines/nope").willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/problem+json").withBody("{\"title\":\"Unknown pipeline\",\"status\":404}")));

    HttpResponse<String> list = admin("GET", "/admin/sync/pipelines", null);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(list.body()).get(0).get("deadLetters").asLong()).isEqualTo(2);
    assertThat(JSON.readTree(admin("GET", "/admin/sync/pipelines/members-to-accounts", null).body())
        .get("conflicts").asLong()).isEqualTo(1);
    HttpResponse<String> unknown = admin("GET", "/admin/sync/pipelines/nope", null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("Unknown pipeline");
    // the gateway's token never travels to cdc-sync
    sync.verify(0, getRequestedFor(urlEqualTo("/admin/pipelines")).withHeader("Authorization", equalTo("Bearer " + TOKEN)));
  }

  @Test
  void verifyNeedsAReasonForwardsAndIsRemembered() {
    sync.stubFor(post("/admin/pipelines/orders-to-orders/verify")
        .willReturn(okJson("{\"equal\":true,\"sourceRows\":5,\"targetRows\":5,\"differingKeys\":[],\"tables\":[]}")));

    assertThat(admin("POST", "/admin/sync/pipelines/orders-to-orders/verify", "{}").statusCode()).isEqualTo(400);
    assertThat(admin("POST", "/admin/sync/pipelines/orders-to-orders/verify", "not json").statusCode()).isEqualTo(400);
    sync.verify(0, postRequestedFor(urlEqualTo("/admin/pipelines/orders-to-orders/verify")));

    HttpResponse<String> verified = admin("POST", "/admin/sync/pipelines/orders-to-orders/verify",
        "{\"reason\":\"before cutover\"}");
    assertThat(verified.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(verified.body()).get("equal").asBoolean()).isTrue();
    sync.verify(1, postRequestedFor(urlEqualTo("/admin/pipelines/orders-to-orders/verify"))
        .withHeader("Authorization", equalTo("Bearer " + SYNC_TOKEN)));

    JsonNode last = JSON.readTree(admin("GET", "/admin/sync/verifications", null).body()).get("orders-to-orders");
    assertThat(last.get("reason").asString()).isEqualTo("before cutover");
    assertThat(last.get("actor").asString()).isEqualTo("tester");
    assertThat(last.get("result").get("sourceRows").asLong()).isEqualTo(5);
  }

  @Test
  void cdcSyncRefusingOurTokenIsABadGatewayNotAnUnauthorizedOperator() {
    sync.stubFor(get("/admin/pipelines/locked").willReturn(aResponse().withStatus(401)));
    HttpResponse<String> response = admin("GET", "/admin/sync/pipelines/locked", null);
    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.body()).contains("strangler.dashboard.sync.token");
  }

  @Test
  void metersAddUpPerRouteAndTargetWithCumulativeLatencyBuckets() {
    MeterRegistry registry = app.getBean(MeterRegistry.class);
    Timer legacyOk = timer(registry, "members", "legacy", "success");
    Timer newOk = timer(registry, "members", "extracted", "success");
    Timer newFailed = timer(registry, "members", "extracted", "server_error");
    for (int i = 0; i < 98; i++) {
      newOk.record(4, TimeUnit.MILLISECONDS);
    }
    newFailed.record(800, TimeUnit.MILLISECONDS);
    newFailed.record(900, TimeUnit.MILLISECONDS);
    legacyOk.record(20, TimeUnit.MILLISECONDS);

    JsonNode meters = JSON.readTree(admin("GET", "/admin/dashboard/meters", null).body());
    JsonNode extracted = meters.get("routes").get("members").get("extracted");
    assertThat(extracted.get("count").asLong()).isEqualTo(100);
    assertThat(extracted.get("errors").asLong()).isEqualTo(2);
    assertThat(meters.get("routes").get("members").get("legacy").get("count").asLong()).isEqualTo(1);

    JsonNode bounds = meters.get("boundsMillis");
    JsonNode buckets = extracted.get("buckets");
    assertThat(bounds.size()).isEqualTo(buckets.size()).isGreaterThan(10);
    // cumulative: the page finds quantiles by walking up the buckets
    int under5 = 0;
    while (bounds.get(under5).asDouble() < 5) {
      under5++;
    }
    assertThat(buckets.get(under5).asLong()).isEqualTo(98);
    assertThat(buckets.get(buckets.size() - 1).asLong()).isEqualTo(100);
  }

  private static Timer timer(MeterRegistry registry, String route, String target, String outcome) {
    return Timer.builder(DashboardTestApplication.REQUESTS).tag("route", route).tag("target", target).tag("outcome", outcome)
        .publishPercentileHistogram().register(registry);
  }
}
