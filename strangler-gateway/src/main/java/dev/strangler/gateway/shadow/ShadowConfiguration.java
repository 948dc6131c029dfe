package dev.strangler.gateway.shadow;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/** Shadow copies go through their own client and connection pool, apart from client traffic. */
@Configuration(proxyBeanMethods = false)
public class ShadowConfiguration {

  @Bean(destroyMethod = "dispose")
  ConnectionProvider shadowConnectionProvider() {
    return ConnectionProvider.builder("strangler-shadow").maxConnections(256)
        .pendingAcquireMaxCount(256).maxIdleTime(Duration.ofSeconds(30)).build();
  }

  @Bean
  ShadowCopier shadowCopier(ConnectionProvider shadowConnectionProvider,
      ObjectProvider<HttpHeadersFilter> headersFilters) {
    HttpClient http = HttpClient.create(shadowConnectionProvider)
        .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
    WebClient client = WebClient.builder()
        .clientConnector(new ReactorClientHttpConnector(http))
        .codecs(c -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
        .build();
    // resolved once, on the first copy: the same filters, in the same order, as the proxied request
    Supplier<List<HttpHeadersFilter>> filters = new Supplier<>() {
      private volatile List<HttpHeadersFilter> resolved;

      @Override
      public List<HttpHeadersFilter> get() {
        List<HttpHeadersFilter> list = resolved;
        if (list == null) {
          list = headersFilters.orderedStream().toList();
          resolved = list;
        }
        return list;
      }
    };
    return new ShadowCopier(client, filters);
  }
}
