package dev.strangler.gateway.benchmark;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;

/**
 * Not a test: a bare Spring Cloud Gateway with one catch-all route to {@code bench.backend} and
 * none of the strangler's beans (no routing filter, control store, admin API or embedded
 * PostgreSQL) — the framework's floor in {@code bench/run.sh}. Started from the gateway's own jar
 * (same dependencies) with the test classes on {@code loader.path}.
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

  public static void main(String[] args) {
    SpringApplication.run(BareGateway.class, args);
  }
}
