package dev.strangler.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.strangler.gateway.GatewayInstance;
import dev.strangler.testkit.TestInfrastructure;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backends behind the gateway learn how the client reached it (X-Forwarded-For/Proto/Host/Port
 * and Forwarded), so an older monolith that builds absolute redirects from the request sends the
 * browser back to the gateway, not to itself; with {@code rewrite-location} the gateway also
 * mends a redirect that names the backend.
 */
class ForwardedHeadersIntegrationTests {

  static Backend legacy;
  static Backend extracted;
  static GatewayInstance gateway;
  static GatewayInstance rewriting;

  @BeforeAll
  static void start() throws IOException {
    legacy = new Backend("legacy");
    extracted = new Backend("extracted");
    gateway = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_forwarded"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.uri()),
        Map.entry("strangler.gateway.routes.forms.paths[0]", "/forms/**"),
        Map.entry("strangler.gateway.routes.forms.extracted-uri", extracted.uri()),
        Map.entry("strangler.gateway.routes.forms.mode", "legacy"),
        Map.entry("strangler.gateway.routes.forms.auto-rollback.enabled", "false")));
    rewriting = GatewayInstance.start(TestInfrastructure.freshDatabase("gw_forwarded_rewrite"), Map.ofEntries(
        Map.entry("strangler.gateway.legacy-uri", legacy.uri()),
        Map.entry("strangler.gateway.rewrite-location", "true"),
        Map.entry("strangler.gateway.routes.forms.paths[0]", "/forms/**"),
        Map.entry("strangler.gateway.routes.forms.extracted-uri", extracted.uri()),
        Map.entry("strangler.gateway.routes.forms.mode", "extracted"),
        Map.entry("strangler.gateway.routes.forms.auto-rollback.enabled", "false")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    rewriting.close();
    legacy.close();
    extracted.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"legacy", "extracted"})
  void aRedirectBuiltFromTheForwardedHeadersNamesTheGateway(String mode) {
    gateway.switchRoute("forms", mode, null);
    HttpResponse<String> response = gateway.request("POST", "/forms/signup?step=1", "name=Ada",
        "Content-Type", "application/x-www-form-urlencoded");
    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("X-Served-By")).hasValue(mode);
    assertThat(response.headers().firstValue("Location")).hasValue("http://127.0.0.1:" + gateway.port() + "/forms/done");
  }

  @ParameterizedTest
  @ValueSource(strings = {"legacy", "extracted"})
  void sendsTheForwardedHeadersToEitherTarget(String mode) {
    gateway.switchRoute("forms", mode, null);
    Backend backend = mode.equals("legacy") ? legacy : extracted;
    gateway.get("/forms/page/" + mode);
    assertForwardedToGateway(backend.seen.get("/forms/page/" + mode));
  }

  @Test
  void sendsTheForwardedHeadersOnUnclaimedPaths() {
    gateway.get("/elsewhere/home");
    assertForwardedToGateway(legacy.seen.get("/elsewhere/home"));
  }

  @Test
  void sendsTheForwardedHeadersWithTheShadowCopy() {
    gateway.switchRoute("forms", "shadow", null);
    gateway.get("/forms/shadowed");
    assertForwardedToGateway(legacy.seen.get("/forms/shadowed"));
    await().atMost(Duration.ofSeconds(5)).until(() -> extracted.seen.containsKey("/forms/shadowed"));
    Headers copy = extracted.seen.get("/forms/shadowed");
    assertThat(copy.getFirst("X-Strangler-Shadow")).isEqualTo("true");
    assertForwardedToGateway(copy);
  }

  @Test
  void replacesForwardedHeadersTheClientMadeUp() {
    gateway.switchRoute("forms", "legacy", null);
    gateway.get("/forms/spoofed", "X-Forwarded-Host", "evil.example", "X-Forwarded-For", "6.6.6.6",
        "Forwarded", "for=6.6.6.6;host=evil.example");
    Headers seen = legacy.seen.get("/forms/spoofed");
    assertForwardedToGateway(seen);
    assertThat(seen.get("X-Forwarded-Host")).containsExactly("127.0.0.1:" + gateway.port());
  }

  @Test
  void leavesTheBackendsOwnRedirectAloneByDefault() {
    gateway.switchRoute("forms", "extracted", null);
    HttpResponse<String> response = gateway.get("/forms/self-redirect");
    assertThat(response.headers().firstValue("Location")).hasValue(extracted.uri() + "/forms/done?from=self");
  }

  @Test
  void rewritesALocationNamingTheBackendWhenAsked() {
    HttpResponse<String> response = rewriting.get("/forms/self-redirect");
    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location"))
        .hasValue("http://127.0.0.1:" + rewriting.port() + "/forms/done?from=self");
  }

  @Test
  void leavesALocationNamingAnotherHostAloneWhenRewriting() {
    HttpResponse<String> response = rewriting.get("/forms/elsewhere");
    assertThat(response.headers().firstValue("Location")).hasValue("https://idp.example/login?next=%2Fforms");
  }

  private static void assertForwardedToGateway(Headers seen) {
    assertThat(seen).as("the backend got the request").isNotNull();
    String host = "127.0.0.1:" + gateway.port();
    assertThat(seen.getFirst("X-Forwarded-For")).isEqualTo("127.0.0.1");
    assertThat(seen.getFirst("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(seen.getFirst("X-Forwarded-Host")).isEqualTo(host);
    assertThat(seen.getFirst("X-Forwarded-Port")).isEqualTo(Integer.toString(gateway.port()));
    assertThat(seen.get("Forwarded")).containsExactly("for=127.0.0.1;host=\"" + host + "\";proto=http");
  }

  /**
   * A backend like an older monolith: answers a form post with an absolute redirect built from
   * the request (forwarded headers first, else its own Host, as Spring's
   * {@code server.forward-headers-strategy=framework} would), and remembers the headers it got.
   */
  static final class Backend implements AutoCloseable {

    final Map<String, Headers> seen = new ConcurrentHashMap<>();
    private final HttpServer server;
    private final String name;

    Backend(String name) throws IOException {
      this.name = name;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", this::handle);
      server.start();
    }

    String uri() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
      exchange.getRequestBody().readAllBytes();
      Headers in = exchange.getRequestHeaders();
      String path = exchange.getRequestURI().getPath();
      seen.put(path, in);
      exchange.getResponseHeaders().set("X-Served-By", name);
      String location = null;
      if (path.equals("/forms/signup")) {
        String proto = in.getFirst("X-Forwarded-Proto") != null ? in.getFirst("X-Forwarded-Proto") : "http";
        String host = in.getFirst("X-Forwarded-Host") != null ? in.getFirst("X-Forwarded-Host") : in.getFirst("Host");
        location = proto + "://" + host + "/forms/done";
      } else if (path.equals("/forms/self-redirect")) {
        location = uri() + "/forms/done?from=self";
      } else if (path.equals("/forms/elsewhere")) {
        location = "https://idp.example/login?next=%2Fforms";
      }
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      if (location != null) {
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
      } else {
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
      }
      exchange.close();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
