package dev.strangler.orders.ordering;

import dev.strangler.orders.payment.ChargeResult;
import dev.strangler.orders.payment.PaymentProvider;
import dev.strangler.orders.problems.ApiProblem;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Places an order as a saga: open (PENDING) → price (PRICED) → reserve the coupon
 * (COUPON_RESERVED) → charge through the provider (CHARGING; the pivot) → confirm (PAID, with
 * payment, history and the DeliveryRequested outbox event). A rejection before the charge
 * discards the draft order; a failed charge releases the coupon and fails the order. The
 * charge is never made inside a database transaction.
 *
 * <p>An {@code Idempotency-Key} is claimed by the insert of the order (unique column): a second
 * request with the same key, also a concurrent one, waits for the first to finish and answers
 * the same.
 */
@Component
class OrderSaga {

  private static final Logger log = LoggerFactory.getLogger(OrderSaga.class);
  private static final Duration REPLAY_POLL = Duration.ofMillis(50);

  private final Orders orders;
  private final OrderSteps steps;
  private final PaymentProvider provider;
  private final Duration replayWait;
  private final SagaDefinition<OrderSagaData> definition;

  /**
   * @param orders opening and reading orders
   * @param steps the local steps
   * @param provider the payment provider
   */
  OrderSaga(Orders orders, OrderSteps steps, PaymentProvider provider) {
    this.orders = orders;
    this.steps = steps;
    this.provider = provider;
    this.replayWait = provider.timeout().plusSeconds(10);
    this.definition = SagaDefinition.<OrderSagaData>step("open", data -> { /* opened PENDING by the claim */ })
        .withCompensation(steps::close)
        .step("price", steps::price)
        .step("reserve coupon", steps::reserveCoupon)
        .withCompensation((data, failure) -> steps.releaseCoupon(data))
        .step("charge", this::charge)
        .step("confirm", data -> steps.confirm(data, OrderStatus.CHARGING))
        .build();
  }

  /**
   * Places the order, or answers what the first request with this key got.
   *
   * @param idempotencyKey the client's key, or null
   * @return the PAID order
   * @throws ApiProblem for every other outcome (rejection, failed charge)
   */
  Order place(PlaceOrderRequest request, String idempotencyKey) {
    long deadline = System.nanoTime() + replayWait.toNanos();
    while (true) {
      Optional<Long> opened = orders.open(idempotencyKey, request.memberId(), request.couponCode(),
          request.card().toCard().last4());
      if (opened.isPresent()) {
        return run(opened.get(), request);
      }
      // another request holds the key: wait for its answer
      Optional<Orders.Holder> holder = orders.holderOf(idempotencyKey);
      while (holder.isPresent() && !holder.get().status().isFinal()) {
        if (System.nanoTime() > deadline) {
          throw new ApiProblem(HttpStatus.CONFLICT, "request-in-progress", "Request in progress",
              "An order with this Idempotency-Key is still being placed; retry later.");
        }
        sleep(REPLAY_POLL);
        holder = orders.holderOf(idempotencyKey);
      }
      if (holder.isPresent()) {
        log.info("Replaying order {} for a repeated Idempotency-Key", holder.get().id());
        return replay(holder.get());
      }
      // the holder was a draft that got rejected and discarded: this request runs on its own
    }
  }

  /** Compensates an abandoned saga that reached no charge (recovery). */
  void compensateAbandoned(OrderSagaData data, FailureReason reason) {
    definition.compensate(data, SagaFailure.chargeFailed(reason), definition.indexOf("charge") - 1);
  }

  private Order run(long orderId, PlaceOrderRequest request) {
    OrderSagaData data = new OrderSagaData(orderId, request.memberId(), request.items(), request.couponCode(),
        request.card().toCard(), null);
    try {
      definition.execute(data);
    } catch (SagaFailure failure) {
      if (failure.isRejection()) {
        throw failure.rejection();
      }
      log.info("Order {} failed: {}", orderId, failure.reason());
      throw failure.reason().problem(orderId);
    }
    log.info("Order {} paid", orderId);
    return orders.find(orderId).orElseThrow();
  }

  private void charge(OrderSagaData data) {
    steps.markCharging(data);
    ChargeResult result = provider.charge(data.chargeKey(), data.total, data.card);
    if (result instanceof ChargeResult.Approved approved) {
      data.charge = approved;
      return;
    }
    if (result instanceof ChargeResult.Interrupted) {
      // the charge may have gone through: leave the order CHARGING, recovery settles it
      throw new IllegalStateException("Charge of order " + data.orderId + " interrupted; outcome unknown");
    }
    FailureReason reason;
    String detail;
    if (result instanceof ChargeResult.Declined declined) {
      reason = FailureReason.DECLINED;
      detail = declined.reason();
    } else if (result instanceof ChargeResult.TimedOut timedOut) {
      reason = FailureReason.TIMEOUT;
      detail = timedOut.detail();
    } else if (result instanceof ChargeResult.ProviderError error) {
      reason = FailureReason.PROVIDER_ERROR;
      detail = error.detail();
    } else {
      reason = FailureReason.PROVIDER_ERROR;
      detail = result.toString();
    }
    steps.recordChargeFailure(data, reason, truncate(detail));
    throw SagaFailure.chargeFailed(reason);
  }

  private Order replay(Orders.Holder holder) {
    if (holder.status() == OrderStatus.PAID) {
      return orders.find(holder.id()).orElseThrow();
    }
    FailureReason reason = holder.failureReason() != null ? holder.failureReason() : FailureReason.INTERRUPTED;
    throw reason.problem(holder.id());
  }

  private static String truncate(String detail) {
    return detail == null || detail.length() <= 200 ? detail : detail.substring(0, 200);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for a concurrent order", e);
    }
  }
}
