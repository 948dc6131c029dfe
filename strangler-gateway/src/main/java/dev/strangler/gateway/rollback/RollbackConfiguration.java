package dev.strangler.gateway.rollback;

import dev.strangler.gateway.switching.RouteSwitcher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Automatic rollback when the new service breaks its budget. */
@Configuration(proxyBeanMethods = false)
public class RollbackConfiguration {

  @Bean
  AutoRollback autoRollback(RouteSwitcher switcher) {
    return new AutoRollback(switcher);
  }
}
