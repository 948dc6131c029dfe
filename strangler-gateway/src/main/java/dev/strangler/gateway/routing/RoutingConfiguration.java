package dev.strangler.gateway.routing;

import dev.strangler.gateway.shadow.ShadowCopier;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelOption;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The route table and the filters that route by it. Spring Cloud Gateway sees one catch-all
 * route; which backend serves a request is decided per request by {@link StranglerRoutingFilter}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GatewayProperties.class)
public class RoutingConfiguration {

  @Bean
  RouteTable routeTable(GatewayProperties properties) {
    return RouteTable.from(properties, JsonMapper.builder().build());
  }

  @Bean
  RouteMeters routeMeters(RouteTable table, MeterRegistry registry) {
    return new RouteMeters(table, registry);
  }

  @Bean
  StranglerRoutingFilter stranglerRoutingFilter(RouteTable table, RouteMeters meters, ShadowCopier shadow,
      GatewayProperties properties) {
    return new StranglerRoutingFilter(table, meters, shadow, properties.responseHeaders(),
        properties.rewriteLocation(), TesterSide.from(properties));
  }

  /**
   * X-Forwarded-* and Forwarded to every backend, unless trusted proxies are configured (then
   * Spring Cloud Gateway's own filters extend the chain the trusted proxies sent).
   */
  @Bean
  @Conditional(NoTrustedProxiesCondition.class)
  ForwardedHeaders stranglerForwardedHeaders(
      @Value("${spring.cloud.gateway.server.webflux.x-forwarded.enabled:true}") boolean xForwarded,
      @Value("${spring.cloud.gateway.server.webflux.forwarded.enabled:true}") boolean forwarded) {
    return new ForwardedHeaders(xForwarded, forwarded);
  }

  @Bean
  TargetUrlFilter stranglerTargetUrlFilter() {
    return new TargetUrlFilter();
  }

  @Bean
  HttpClientCustomizer stranglerBackendTimeouts(GatewayProperties properties) {
    // on the client itself: Spring Cloud Gateway's own timeout properties would copy the client
    // and add a timer for every request
    GatewayProperties.Backend backend = properties.backend();
    // TCP_NODELAY: a proxied response goes out as several writes (headers, body); with Nagle's
    // algorithm the later ones wait for the peer's delayed ACK (up to 40 ms)
    return client -> client.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) backend.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .responseTimeout(backend.responseTimeout());
  }

  @Bean
  NettyServerCustomizer stranglerNoDelay() {
    return server -> server.childOption(ChannelOption.TCP_NODELAY, true);
  }

  @Bean
  RouteLocator stranglerRouteLocator(RouteLocatorBuilder builder, RouteTable table) {
    return builder.routes().route("strangler", r -> r.alwaysTrue().uri(table.legacyUri())).build();
  }
}
