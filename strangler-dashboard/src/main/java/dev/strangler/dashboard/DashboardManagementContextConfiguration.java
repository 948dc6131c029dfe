package dev.strangler.dashboard;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.Properties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard, registered only in the management server's child context like the gateway's
 * admin API: the page at {@code /admin/ui/} (public: it holds no data) and the endpoints it reads
 * besides the admin API ({@code /admin/dashboard/**}, {@code /admin/sync/**}), which require the
 * gateway's admin token.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@EnableConfigurationProperties({DashboardProperties.class, GatewayAdminToken.class})
class DashboardManagementContextConfiguration {

  static final String UI = "/admin/ui";
  static final String PAGE = "META-INF/strangler-dashboard/";
  private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";
  /** The page loads scripts and styles from itself only; nothing may frame it. */
  private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
      + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  @Bean
  RouterFunction<ServerResponse> stranglerDashboardPage() {
    ClassPathResource index = new ClassPathResource(PAGE + "index.html");
    return RouterFunctions.route()
        .GET(UI, request -> ServerResponse.status(302).location(URI.create(UI + "/")).build())
        .GET(UI + "/", request -> ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(index))
        .add(RouterFunctions.resources(UI + "/vendor/uplot/**",
            new ClassPathResource("META-INF/resources/webjars/uplot/" + uplotVersion() + "/")))
        .add(RouterFunctions.resources(UI + "/**", new ClassPathResource(PAGE)))
        .filter((request, next) -> {
          // set on the exchange: a built ServerResponse's headers are read-only
          HttpHeaders headers = request.exchange().getResponse().getHeaders();
          headers.set("Content-Security-Policy", CSP);
          headers.set("X-Content-Type-Options", "nosniff");
          headers.set("Referrer-Policy", "no-referrer");
          headers.set(HttpHeaders.CACHE_CONTROL, "no-cache");
          return next.handle(request);
        })
        .build();
  }

  @Bean
  RouterFunction<ServerResponse> stranglerDashboardApi(DashboardProperties properties,
      GatewayAdminToken tokenProperty, ObjectProvider<DashboardHost> hosts, ObjectProvider<MeterRegistry> registry,
      ObjectProvider<ActionAudit> audit) {
    DashboardHost host = hosts.getIfAvailable();
    AdminAuthorization authorization = AdminAuthorization.resolve(host, tokenProperty);
    JsonMapper mapper = JsonMapper.builder().build();
    SyncProxy sync = new SyncProxy(properties.sync(), properties.routePipelines(), audit.getIfAvailable(),
        WebClient.create(), mapper);
    TrafficMeters meters = new TrafficMeters(registry.getIfAvailable(), host == null ? null : host.requestsMeter(),
        mapper);
    String settings = mapper.writeValueAsString(Map.of(
        "syncConfigured", properties.sync().configured(),
        "routePipelines", properties.routePipelines()));
    return RouterFunctions.route()
        .path("/admin", admin -> admin
            .GET("/dashboard/settings", request -> ServerResponse.ok()
                .contentType(MediaType.APPLICATION_JSON).bodyValue(settings))
            .GET("/dashboard/meters", meters::snapshot)
            .GET("/sync/pipelines", sync::list)
            .GET("/sync/pipelines/{name}", sync::get)
            .POST("/sync/pipelines/{name}/verify", sync::verify)
            .GET("/sync/verifications", sync::verifications)
            .filter((request, next) -> authorization.accepts(request.headers().firstHeader(HttpHeaders.AUTHORIZATION))
                ? next.handle(request) : Problems.unauthorized(request)))
        .build();
  }

  /** The WebJar's version, from its Maven metadata, so upgrading it is a one-line pom change. */
  static String uplotVersion() {
    try (InputStream in = new ClassPathResource(UPLOT_POM).getInputStream()) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("the uPlot WebJar (org.webjars.npm:uplot) is missing from the classpath", e);
    }
  }
}
