package dev.strangler.gateway.admin;

import dev.strangler.gateway.switching.RouteSwitcher;
import dev.strangler.gateway.switching.SwitchFence;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API, registered only in the management server's child context: it is served on
 * {@code management.server.port} and never on the traffic port (with the same port for both,
 * there is no admin API at all).
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class AdminManagementContextConfiguration {

  /**
   * One answer per connection on the management port ({@code Connection: close}). Reactor Netty
   * 1.3.6 and 1.3.7 stop reading a kept-alive HTTP/1.1 connection when a request arrives before
   * the previous answer's operations have terminated — which happens when that answer was made on
   * a worker thread (a switch, a rollback, the audit trail, an actuator endpoint) — and the next
   * one is answered at once (a route view): the request after it is never read and its client
   * waits until its own timeout (reactor/reactor-netty#4361, fixed by #4347, not in a release yet).
   * Admin calls are few; a new local connection each costs far less than a stall.
   */
  @Bean
  WebServerFactoryCustomizer<NettyReactiveWebServerFactory> stranglerManagementOneRequestPerConnection() {
    return factory -> factory.addServerCustomizers(server -> server.maxKeepAliveRequests(1));
  }

  @Bean
  RouterFunction<ServerResponse> stranglerAdminRoutes(RouteSwitcher switcher, SwitchFence fence, AdminToken token) {
    AdminHandler handler = new AdminHandler(switcher, fence, token, JsonMapper.builder().build());
    return RouterFunctions.route()
        .path("/admin", admin -> admin
            .GET("/routes", handler::listRoutes)
            .GET("/routes/{name}", handler::getRoute)
            .PUT("/routes/{name}", handler::switchRoute)
            .POST("/routes/{name}/rollback", handler::rollback)
            .GET("/routes/{name}/noise", handler::noise)
            .PUT("/routes/{name}/noise", handler::pinNoise)
            .DELETE("/routes/{name}/noise", handler::clearNoise)
            .GET("/audit", handler::audit)
            .filter(handler::authorize))
        .build();
  }
}
