package dev.strangler.paymentstub;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Provides the {@link PaymentProviderEndpoint} an app's payment client uses. With
 * {@code delivery.payment.base-url} set, that URL and nothing else. Without it, the embedded
 * default: a WireMock server serving the provider's stub mappings, its URL logged at start-up.
 * The decision is a condition on the property read when bean definitions are loaded, so a test
 * that sets the URL through {@code @DynamicPropertySource} gets no stub.
 */
@AutoConfiguration
@EnableConfigurationProperties(PaymentProviderProperties.class)
public class PaymentProviderAutoConfiguration {

  private static final Logger log = LoggerFactory.getLogger(PaymentProviderAutoConfiguration.class);

  @Configuration(proxyBeanMethods = false)
  @Conditional(NoPaymentBaseUrlCondition.class)
  @ConditionalOnMissingBean(PaymentProviderEndpoint.class)
  static class StubConfiguration {

    @Bean(destroyMethod = "stop")
    WireMockServer paymentProviderStubServer(PaymentProviderProperties properties) {
      if (!properties.stub().enabled()) {
        throw new IllegalStateException(
            "delivery.payment.base-url is not set and delivery.payment.stub.enabled=false: "
                + "set delivery.payment.base-url to the payment provider's URL");
      }
      WireMockServer server = PaymentProviderStubs.start(properties.stub().port());
      log.info("No delivery.payment.base-url set: payment provider stub (WireMock) serving at {} "
              + "(cards ending {} decline, ending {} answer after {} ms)",
          PaymentProviderStubs.baseUrl(server), PaymentProviderStubs.DECLINED_CARD_SUFFIX,
          PaymentProviderStubs.SLOW_CARD_SUFFIX, PaymentProviderStubs.SLOW_CARD_DELAY_MILLIS);
      return server;
    }

    @Bean
    PaymentProviderEndpoint stubPaymentProviderEndpoint(WireMockServer paymentProviderStubServer,
        PaymentProviderProperties properties) {
      return new PaymentProviderEndpoint(PaymentProviderStubs.baseUrl(paymentProviderStubServer),
          properties.timeout(), true);
    }
  }

  @Bean
  @ConditionalOnMissingBean
  PaymentProviderEndpoint configuredPaymentProviderEndpoint(PaymentProviderProperties properties) {
    URI url = properties.baseUrl();
    if (url == null || !url.isAbsolute() || url.getHost() == null
        || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalStateException(
          "delivery.payment.base-url must be an absolute http(s) URL, was: " + url);
    }
    String text = url.toString();
    URI trimmed = text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : url;
    return new PaymentProviderEndpoint(trimmed, properties.timeout(), false);
  }
}
