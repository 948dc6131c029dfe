package dev.strangler.gateway;

import dev.strangler.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway started in this JVM on random ports against a test database, with a small HTTP
 * client for its traffic and admin ports. Close it to stop it.
 */
public final class GatewayInstance implements AutoCloseable {

  public static final String TOKEN = "test-admin-token-0123456789";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build(); // no h2c upgrade attempts (a GET once hung 10 s under load)

  private final ConfigurableApplicationContext context;
  private final int port;
  private final int managementPort;

  private GatewayInstance(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    this.managementPort = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
  }

  /**
   * Starts a gateway.
   *
   * @param database its control store
   * @param properties more properties, e.g. routes
   */
  public static GatewayInstance start(TestDatabase database, Map<String, Object> properties) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("server.port", 0);
    all.put("management.server.port", 0);
    all.put("spring.datasource.url", database.jdbcUrl());
    all.put("spring.datasource.username", database.username());
    all.put("spring.datasource.password", database.password());
    all.put("strangler.gateway.admin.token", TOKEN);
    all.put("strangler.gateway.control-store.poll-interval", "2s");
    all.putAll(properties);
    // as command-line arguments so they win over application.yml
    String[] args = all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    ConfigurableApplicationContext context = new SpringApplicationBuilder(StranglerGatewayApplication.class).run(args);
    return new GatewayInstance(context);
  }

  public ConfigurableApplicationContext context() {
    return context;
  }

  public int port() {
    return port;
  }

  public int managementPort() {
    return managementPort;
  }

  /** A GET on the traffic port. */
  public HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.GET().build());
  }

  /** Any request on the traffic port. */
  public HttpResponse<String> request(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b.build());
  }

  /** An admin call with the right token. */
  public HttpResponse<String> admin(String method, String path, String body) {
    return adminAs(method, path, body, "Bearer " + TOKEN);
  }

  /** An admin call with the given Authorization header (null for none). */
  public HttpResponse<String> adminAs(String method, String path, String body, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("X-Strangler-Actor", "test-operator")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build());
  }

  /** Switches a route through the admin API and checks it worked. */
  public void switchRoute(String route, String mode, Double percent) {
    String body = "{\"mode\":\"" + mode + "\"," + (percent == null ? "" : "\"percent\":" + percent + ",")
        + "\"reason\":\"test\"}";
    HttpResponse<String> response = admin("PUT", "/admin/routes/" + route, body);
    if (response.statusCode() != 200) {
      throw new IllegalStateException("switch failed: " + response.statusCode() + " " + response.body());
    }
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(request.method() + " " + request.uri() + " failed", e);
    }
  }

  @Override
  public void close() {
    context.close();
  }
}
