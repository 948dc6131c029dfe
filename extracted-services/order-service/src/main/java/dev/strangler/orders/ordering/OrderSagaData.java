package dev.strangler.orders.ordering;

import dev.strangler.orders.payment.Card;
import dev.strangler.orders.payment.ChargeResult;
import java.math.BigDecimal;
import java.util.List;

/**
 * What the place-order saga carries from step to step. Built from the request on the way in,
 * or from the database when recovery picks up an abandoned order (then without the card:
 * recovery never charges). Confined to one thread.
 */
final class OrderSagaData {

  final long orderId;
  final long memberId;
  final List<PlaceOrderRequest.Item> requestedItems;
  final String couponCode;
  final Card card;
  BigDecimal total;
  ChargeResult.Approved charge;

  OrderSagaData(long orderId, long memberId, List<PlaceOrderRequest.Item> requestedItems,
      String couponCode, Card card, BigDecimal total) {
    this.orderId = orderId;
    this.memberId = memberId;
    this.requestedItems = requestedItems;
    this.couponCode = couponCode;
    this.card = card;
    this.total = total;
  }

  /**
   * The provider-side idempotency key of this order's one charge. Derived from the order id,
   * which is committed before the charge, so a retry or a recovery after a crash asks about
   * the same charge and can never make a second.
   */
  String chargeKey() {
    return chargeKey(orderId);
  }

  static String chargeKey(long orderId) {
    return "order-" + orderId;
  }
}
