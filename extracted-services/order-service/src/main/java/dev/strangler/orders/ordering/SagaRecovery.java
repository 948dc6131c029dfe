package dev.strangler.orders.ordering;

import dev.strangler.orders.DeliveryProperties;
import dev.strangler.orders.payment.ChargeResult;
import dev.strangler.orders.payment.PaymentProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Finishes or compensates sagas that a dead process left in a non-final state, at start-up and
 * then every {@code delivery.recovery.interval}. An order counts as abandoned when it has not
 * moved for {@code delivery.recovery.stale-after}. The provider is asked by the order's charge
 * key: a charge there → the order is confirmed (PAID, payment, outbox event); none or declined
 * → the coupon is released and the order FAILED. No second charge is ever made.
 */
@Component
class SagaRecovery {

  private static final Logger log = LoggerFactory.getLogger(SagaRecovery.class);

  private final Orders orders;
  private final OrderSteps steps;
  private final OrderSaga saga;
  private final PaymentProvider provider;
  private final Duration staleAfter;

  /**
   * @param orders finds abandoned orders
   * @param steps confirmation
   * @param saga compensation
   * @param provider asked about charges
   * @param properties stale-after, checked against the payment timeout
   */
  SagaRecovery(Orders orders, OrderSteps steps, OrderSaga saga, PaymentProvider provider,
      DeliveryProperties properties) {
    this.orders = orders;
    this.steps = steps;
    this.saga = saga;
    this.provider = provider;
    this.staleAfter = properties.recovery().staleAfter();
    if (staleAfter.compareTo(provider.timeout()) <= 0 && !staleAfter.isZero()) {
      // a live saga waits up to the timeout for the provider: recovery must not race it
      throw new IllegalStateException("delivery.recovery.stale-after (" + staleAfter
          + ") must be longer than delivery.payment.timeout (" + provider.timeout() + ")");
    }
  }

  @Scheduled(initialDelay = 0, fixedDelayString = "${delivery.recovery.interval:10s}")
  void recoverAbandoned() {
    try {
      List<Orders.Abandoned> abandoned = orders.abandonedBefore(Instant.now().minus(staleAfter));
      abandoned.forEach(this::recover);
    } catch (RuntimeException e) {
      log.warn("Saga recovery failed; retrying on the next run: {}", e.toString());
    }
  }

  void recover(Orders.Abandoned order) {
    OrderSagaData data = new OrderSagaData(order.id(), order.memberId(), List.of(), order.couponCode(), null,
        order.total());
    // Only CHARGING can have a charge (the state commits before the call); asking in the states
    // before it is cheap and covers a charge made by an older version.
    ChargeResult known = provider.lookup(data.chargeKey());
    if (known instanceof ChargeResult.Approved approved) {
      data.charge = approved;
      steps.confirm(data, order.status());
      log.info("Recovered order {}: the provider has charge {}, order PAID", order.id(), approved.chargeId());
    } else if (known instanceof ChargeResult.Declined declined) {
      steps.recordChargeFailure(data, FailureReason.DECLINED, declined.reason());
      saga.compensateAbandoned(data, FailureReason.DECLINED);
      log.info("Recovered order {}: charge declined, coupon released, order FAILED", order.id());
    } else if (known instanceof ChargeResult.NotFound) {
      saga.compensateAbandoned(data, FailureReason.INTERRUPTED);
      log.info("Recovered order {} (was {}): no charge, coupon released, order FAILED", order.id(), order.status());
    } else {
      log.warn("Cannot recover order {} yet, the provider did not answer: {}", order.id(), known);
    }
  }
}
