package dev.strangler.gateway.switching;

import dev.strangler.gateway.controlstore.ControlStore;
import dev.strangler.gateway.controlstore.SwitchListener;
import dev.strangler.gateway.routing.GatewayProperties;
import dev.strangler.gateway.routing.RouteTable;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Runtime switching: the switcher and the listener that brings other replicas' switches in. */
@Configuration(proxyBeanMethods = false)
public class SwitchingConfiguration {

  @Bean
  RouteSwitcher routeSwitcher(RouteTable table, ControlStore store, MeterRegistry registry) {
    RouteSwitcher switcher = new RouteSwitcher(table, store, registry);
    // stored switches override the config modes before the first request is served
    switcher.refreshAll();
    return switcher;
  }

  @Bean
  SwitchFence switchFence(RouteSwitcher switcher) {
    return new SwitchFence(switcher, WebClient.create(), JsonMapper.builder().build());
  }

  @Bean
  SwitchListener switchListener(DataSource dataSource, GatewayProperties properties, RouteSwitcher switcher) {
    return new SwitchListener(dataSource, properties.controlStore().pollInterval(), switcher::refresh,
        switcher::refreshAll);
  }
}
