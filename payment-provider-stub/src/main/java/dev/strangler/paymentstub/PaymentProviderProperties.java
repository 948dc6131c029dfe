package dev.strangler.paymentstub;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where an app finds the external payment provider, shared by every app that charges cards.
 * Checked once at start-up (no Bean Validation needed, so any app can use this module).
 *
 * @param baseUrl the provider's base URL (e.g. {@code https://pay.example.com}); when unset, the
 *     app serves the stub mappings from an in-process WireMock and uses that
 * @param timeout connect and read timeout of a provider call
 * @param stub the in-process stand-in used when no base URL is set
 */
@ConfigurationProperties("delivery.payment")
public record PaymentProviderProperties(
    URI baseUrl,
    @DefaultValue("3s") Duration timeout,
    @DefaultValue Stub stub) {

  public PaymentProviderProperties {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("delivery.payment.timeout must be positive, was: " + timeout);
    }
  }

  /**
   * The in-process stand-in.
   *
   * @param enabled whether to start the stub when no base URL is set; when false and no base URL
   *     is set, start-up fails
   * @param port the stub's port; 0 picks a free one
   */
  public record Stub(@DefaultValue("true") boolean enabled, int port) {

    public Stub {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("delivery.payment.stub.port must be 0-65535, was: " + port);
      }
    }
  }
}
