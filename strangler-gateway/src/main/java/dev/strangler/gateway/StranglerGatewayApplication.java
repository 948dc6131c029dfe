package dev.strangler.gateway;

import dev.strangler.gateway.admin.AdminConfiguration;
import dev.strangler.gateway.controlstore.ControlStoreConfiguration;
import dev.strangler.gateway.rollback.RollbackConfiguration;
import dev.strangler.gateway.routing.RoutingConfiguration;
import dev.strangler.gateway.shadow.ShadowConfiguration;
import dev.strangler.gateway.switching.SwitchingConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The strangler gateway: sits in front of a monolith and moves routes to extracted services.
 * Features are imported explicitly rather than scanned, so the admin API's management-context
 * configuration never lands in the traffic context.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
@Import({RoutingConfiguration.class, ShadowConfiguration.class, ControlStoreConfiguration.class,
    SwitchingConfiguration.class, RollbackConfiguration.class, AdminConfiguration.class})
public class StranglerGatewayApplication {

  public static void main(String[] args) {
    SpringApplication.run(StranglerGatewayApplication.class, args);
  }
}
