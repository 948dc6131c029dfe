package dev.strangler.paymentstub;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the app's payment client sends charges: the configured provider, or the in-process stub
 * when {@code delivery.payment.base-url} is unset. Apps build their HTTP client from this bean.
 *
 * @param baseUrl the provider's base URL, without a trailing slash
 * @param timeout connect and read timeout of a provider call
 * @param stubbed whether {@code baseUrl} points at the in-process stub
 */
public record PaymentProviderEndpoint(URI baseUrl, Duration timeout, boolean stubbed) {

  public PaymentProviderEndpoint {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(timeout, "timeout");
  }
}
