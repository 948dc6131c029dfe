package dev.strangler.gateway.admin;

import dev.strangler.dashboard.DashboardHost;
import dev.strangler.gateway.routing.GatewayProperties;
import dev.strangler.gateway.routing.RouteMeters;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The admin token lives in the main context; the admin endpoints themselves are registered in
 * the management child context by {@link AdminManagementContextConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
public class AdminConfiguration {

  @Bean
  AdminToken adminToken(GatewayProperties properties,
      @Value("${spring.application.name:strangler-gateway}") String applicationName) {
    return AdminToken.resolve(properties.admin(), applicationName);
  }

  /** What the dashboard, hosted on the management port, asks of the gateway. */
  @Bean
  DashboardHost dashboardHost(AdminToken token) {
    return new DashboardHost() {
      @Override
      public boolean acceptsAdminToken(String authorization) {
        return token.accepts(authorization);
      }

      @Override
      public String requestsMeter() {
        return RouteMeters.REQUESTS;
      }
    };
  }
}
