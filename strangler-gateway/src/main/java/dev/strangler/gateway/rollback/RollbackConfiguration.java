package dev.strangler.gateway.rollback;

import dev.strangler.gateway.switching.RouteSwitcher;
import dev.strangler.gateway.switching.SwitchFence;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Automatic rollback when the new service breaks its budget. */
@Configuration(proxyBeanMethods = false)
public class RollbackConfiguration {

  @Bean
  AutoRollback autoRollback(RouteSwitcher switcher, SwitchFence fence) {
    return new AutoRollback(switcher, fence);
  }
}
