package dev.strangler.dashboard;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A bare WebFlux + actuator app: the dashboard arrives through its management-context import; a
 * {@link DashboardHost} stands in for the gateway, with the token of {@code strangler.gateway.admin.token}.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class DashboardTestApplication {

  /** The timers the stand-in gateway records. */
  static final String REQUESTS = "test.gateway.requests";

  @Bean
  DashboardHost testGateway(Environment environment) {
    String token = environment.getProperty("strangler.gateway.admin.token");
    return new DashboardHost() {
      @Override
      public boolean acceptsAdminToken(String authorization) {
        return token != null && ("Bearer " + token).equals(authorization);
      }

      @Override
      public String requestsMeter() {
        return REQUESTS;
      }
    };
  }
}
