package dev.strangler.gateway.admin;

import dev.strangler.gateway.switching.RouteSwitcher;
import dev.strangler.gateway.switching.SwitchFence;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
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

  @Bean
  RouterFunction<ServerResponse> stranglerAdminRoutes(RouteSwitcher switcher, SwitchFence fence, AdminToken token) {
    AdminHandler handler = new AdminHandler(switcher, fence, token, JsonMapper.builder().build());
    return RouterFunctions.route()
        .path("/admin", admin -> admin
            .GET("/routes", handler::listRoutes)
            .GET("/routes/{name}", handler::getRoute)
            .PUT("/routes/{name}", handler::switchRoute)
            .POST("/routes/{name}/rollback", handler::rollback)
            .GET("/audit", handler::audit)
            .filter(handler::authorize))
        .build();
  }
}
