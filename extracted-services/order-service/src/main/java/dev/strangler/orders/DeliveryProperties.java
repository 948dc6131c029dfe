package dev.strangler.orders;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the order-service, under {@code delivery}.
 *
 * @param payment the external payment provider
 * @param recovery the crash-recovery of order sagas
 * @param outbox the relay that publishes outbox events to Kafka
 */
@Validated
@ConfigurationProperties("delivery")
public record DeliveryProperties(@Valid @NotNull @DefaultValue Payment payment,
                                 @Valid @NotNull @DefaultValue Recovery recovery,
                                 @Valid @NotNull @DefaultValue Outbox outbox) {

  /**
   * The payment provider. Its {@code base-url} and {@code timeout} (default 3s) are read by the
   * payment-provider-stub module, which starts a stub when no URL is set.
   *
   * @param currency ISO currency code sent with every charge
   */
  public record Payment(@NotBlank @DefaultValue("EUR") String currency) {}

  /**
   * Crash recovery: sagas left in a non-final state by a process that died are finished
   * (the provider has the charge) or compensated (it has none).
   *
   * @param staleAfter how long a saga may sit in one state before it counts as abandoned;
   *     must be longer than {@code delivery.payment.timeout} (0 only in tests: everything
   *     in flight counts as abandoned)
   * @param interval how often to look for abandoned sagas (the first look is at start-up)
   */
  public record Recovery(@NotNull @DefaultValue("30s") Duration staleAfter,
                         @NotNull @DefaultValue("10s") Duration interval) {}

  /**
   * The outbox relay.
   *
   * @param topic Kafka topic for {@code DeliveryRequested} events
   * @param pollInterval how often the relay looks for unpublished events
   * @param batchSize at most this many events per poll
   */
  public record Outbox(@NotBlank @DefaultValue("delivery-requests") String topic,
                       @NotNull @DefaultValue("200ms") Duration pollInterval,
                       @DefaultValue("100") int batchSize) {}
}
