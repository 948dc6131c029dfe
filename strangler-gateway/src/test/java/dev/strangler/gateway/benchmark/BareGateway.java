package dev.strangler.gateway.benchmark;

import io.netty.channel.ChannelOption;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * Not a test: a bare Spring Cloud Gateway with one catch-all route to {@code bench.backend} and
 * none of the strangler's beans (no routing filter, control store, admin API or embedded
 * PostgreSQL) — the framework's floor in {@code bench/run.sh}. Started from the gateway's own jar
 * (same dependencies) with the test classes on {@code loader.path} and without the gateway's
 * {@code application.yml}: Spring Cloud Gateway's defaults (all its global filters), plus what
 * any tuned deployment sets — TCP_NODELAY on the server and the proxy client (without it a
 * response's second write waits for the peer's delayed ACK, up to 40 ms: ~800 req/s at 32
 * connections), its metrics filter and the per-request server observation off.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration(excludeName = {
    "dev.strangler.embedded.EmbeddedPostgresAutoConfiguration",
    "dev.strangler.embedded.EmbeddedKafkaAutoConfiguration",
    "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
    "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration"})
public class BareGateway {

  @Bean
  RouteLocator bareRoute(RouteLocatorBuilder builder, @Value("${bench.backend}") String backend) {
    return builder.routes().route("bare", r -> r.alwaysTrue().uri(backend)).build();
  }

  @Bean
  HttpClientCustomizer bareNoDelayClient() {
    return client -> client.option(ChannelOption.TCP_NODELAY, true);
  }

  @Bean
  NettyServerCustomizer bareNoDelayServer() {
    return server -> server.childOption(ChannelOption.TCP_NODELAY, true);
  }

  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(BareGateway.class);
    app.setDefaultProperties(Map.of(
        "spring.cloud.gateway.server.webflux.metrics.enabled", "false",
        "management.observations.enable[http.server.requests]", "false"));
    app.run(args);
  }
}
