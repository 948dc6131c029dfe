package dev.strangler.dashboard;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * The test app's management server answers one request per connection, as the gateway's does
 * (strangler-gateway's {@code AdminManagementContextConfiguration}, where the dashboard runs in
 * production): Reactor Netty 1.3.6–1.3.7 stops reading a kept-alive connection after an answer
 * made on a worker thread (a verify proxied to cdc-sync) is followed by one answered at once, so
 * the next GET on it got no answer until the client's 10 s timeout (reactor/reactor-netty#4361).
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class TestManagementServer {

  @Bean
  WebServerFactoryCustomizer<NettyReactiveWebServerFactory> oneRequestPerConnection() {
    return factory -> factory.addServerCustomizers(server -> server.maxKeepAliveRequests(1));
  }
}
