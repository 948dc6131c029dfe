package dev.strangler.orders.ordering;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strangler.orders.DeliveryProperties;
import dev.strangler.orders.payment.PaymentProvider;
import dev.strangler.paymentstub.PaymentProviderEndpoint;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class SagaRecoveryTests {

  @Test
  void startUpFailsWhenStaleAfterIsNotLongerThanThePaymentTimeout() {
    assertThatThrownBy(() -> recovery(Duration.ofSeconds(3), Duration.ofSeconds(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("delivery.recovery.stale-after")
        .hasMessageContaining("delivery.payment.timeout");
  }

  @Test
  void aStaleAfterLongerThanThePaymentTimeoutIsAccepted() {
    assertThatCode(() -> recovery(Duration.ofSeconds(30), Duration.ofSeconds(3))).doesNotThrowAnyException();
  }

  private static SagaRecovery recovery(Duration staleAfter, Duration paymentTimeout) throws Exception {
    DeliveryProperties properties = new DeliveryProperties(new DeliveryProperties.Payment("EUR"),
        new DeliveryProperties.Recovery(staleAfter, Duration.ofSeconds(10)),
        new DeliveryProperties.Outbox("delivery-requests", Duration.ofMillis(200), 100));
    Constructor<PaymentProvider> constructor = PaymentProvider.class.getDeclaredConstructor(
        PaymentProviderEndpoint.class, DeliveryProperties.class, JsonMapper.class);
    constructor.setAccessible(true);
    PaymentProvider provider = constructor.newInstance(
        new PaymentProviderEndpoint(URI.create("http://127.0.0.1:9"), paymentTimeout, false), properties,
        JsonMapper.builder().build());
    return new SagaRecovery(null, null, null, provider, properties);
  }
}
