package dev.strangler.gateway.shadow;

import io.netty.channel.ChannelOption;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Shadow copies go through their own client and connection pool, apart from client traffic, on
 * the same (Reactor Netty's global) event loops.
 */
@Configuration(proxyBeanMethods = false)
public class ShadowConfiguration {

  @Bean(destroyMethod = "dispose")
  ConnectionProvider shadowConnectionProvider() {
    return ConnectionProvider.builder("strangler-shadow").maxConnections(256)
        .pendingAcquireMaxCount(256).maxIdleTime(Duration.ofSeconds(30)).build();
  }

  @Bean
  ShadowCopier shadowCopier(ConnectionProvider shadowConnectionProvider) {
    // a bare Reactor Netty client: no WebClient codecs, exchange functions or observation per copy;
    // TCP_NODELAY as on the proxy client (a copy with a body is two writes)
    HttpClient http = HttpClient.create(shadowConnectionProvider)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
        .option(ChannelOption.TCP_NODELAY, true);
    return new ShadowCopier(http);
  }

  @Bean
  ShadowHeaders shadowHeaders() {
    return new ShadowHeaders();
  }
}
