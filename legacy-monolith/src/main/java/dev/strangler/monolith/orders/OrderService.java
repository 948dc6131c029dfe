package dev.strangler.monolith.orders;

import dev.strangler.monolith.Timestamps;
import dev.strangler.monolith.coupons.CouponLedger;
import dev.strangler.monolith.delivery.DeliveryRequests;
import dev.strangler.monolith.menus.Menu;
import dev.strangler.monolith.menus.MenuCatalog;
import dev.strangler.monolith.payments.ChargeOutcome;
import dev.strangler.monolith.payments.ChargeRequest;
import dev.strangler.monolith.payments.PaymentProvider;
import dev.strangler.monolith.payments.PaymentRecords;
import dev.strangler.monolith.payments.PaymentRecords.Event;
import dev.strangler.monolith.problems.ApiProblem;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The order flow of the legacy app: price, take the coupon, charge, record. It is the typical
 * monolith's one transaction per request, and deliberately so: the coupon, the order, its
 * payment rows and the idempotency key commit together or not at all, which keeps the legacy
 * side simple and correct. The price is that the transaction (and the coupon's row lock) stays
 * open during the provider call, bounded by {@code delivery.payment.timeout}: the coupling the
 * extracted order-service removes with its saga.
 */
@Service
class OrderService {

  private static final Logger log = LoggerFactory.getLogger(OrderService.class);

  private final OrderRepository orders;
  private final MenuCatalog menus;
  private final CouponLedger coupons;
  private final PaymentProvider paymentProvider;
  private final PaymentRecords payments;
  private final DeliveryRequests deliveries;
  private final Clock clock;

  OrderService(OrderRepository orders, MenuCatalog menus, CouponLedger coupons,
      PaymentProvider paymentProvider, PaymentRecords payments, DeliveryRequests deliveries,
      Clock clock) {
    this.orders = orders;
    this.menus = menus;
    this.coupons = coupons;
    this.paymentProvider = paymentProvider;
    this.payments = payments;
    this.deliveries = deliveries;
    this.clock = clock;
  }

  /**
   * Places an order. Failures of the payment end in a committed {@code FAILED} order (coupon
   * released), returned, not thrown; problems before the charge throw and leave no trace.
   *
   * @param request the validated order
   * @param idempotencyKey the client's key, or null; a known key returns the stored order
   * @return the order as stored
   * @throws ApiProblem 422 {@code menu-unavailable}, 409 {@code coupon-used}, 422 {@code coupon-invalid}
   */
  @Transactional
  PlacedOrder place(PlaceOrderRequest request, String idempotencyKey) {
    if (idempotencyKey != null) {
      orders.lockIdempotencyKey(idempotencyKey);
      var earlier = orders.findByIdempotencyKey(idempotencyKey);
      if (earlier.isPresent()) {
        log.info("Order {} replayed for its idempotency key", earlier.get().order().id());
        return earlier.get();
      }
    }
    List<OrderView.Item> items = price(request.items());
    BigDecimal subtotal = items.stream().map(OrderView.Item::lineTotal)
        .reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2, RoundingMode.HALF_UP);
    long orderId = orders.nextId();
    long memberId = request.memberId();
    String couponCode = request.couponCode();
    BigDecimal discount = BigDecimal.ZERO.setScale(2);
    if (couponCode != null) {
      discount = coupons.take(couponCode, memberId, orderId).min(subtotal).setScale(2, RoundingMode.HALF_UP);
    }
    BigDecimal total = subtotal.subtract(discount);
    Instant now = Timestamps.now(clock);
    var card = request.card();
    var charge = new ChargeRequest("legacy-order-" + orderId, total, card.type(), card.number(),
        card.expiry());

    ChargeOutcome outcome = paymentProvider.charge(charge);

    FailureReason failure = failureOf(outcome);
    var order = new OrderView(orderId, memberId, failure == null ? "PAID" : "FAILED", items,
        subtotal, discount, total, couponCode, charge.cardLast4(), now);
    orders.insert(order, failure, idempotencyKey);
    if (outcome instanceof ChargeOutcome.Approved approved) {
      payments.recordPayment(orderId, total, charge.cardLast4(), approved.chargeId(), now);
      payments.recordHistory(orderId, Event.CHARGE_APPROVED, total, approved.chargeId(), now);
      deliveries.request(orderId, now);
    } else {
      payments.recordHistory(orderId, failure.event(), total, outcome.detail(), now);
      if (couponCode != null) {
        coupons.release(couponCode);
        payments.recordHistory(orderId, Event.COUPON_RELEASED, discount, couponCode, now);
      }
    }
    log.info("Order {} of member {} for {}: {}", orderId, memberId, total,
        failure == null ? "PAID" : "FAILED (" + failure + ")");
    return orders.find(orderId).orElseThrow();
  }

  @Transactional(readOnly = true)
  OrderView find(long id) {
    return orders.find(id).map(PlacedOrder::order)
        .orElseThrow(() -> ApiProblem.notFound("No order with id " + id + "."));
  }

  @Transactional(readOnly = true)
  List<OrderView> findByMember(long memberId) {
    return orders.findByMember(memberId);
  }

  private List<OrderView.Item> price(List<PlaceOrderRequest.Line> lines) {
    Map<Long, Menu> found = menus.findAll(lines.stream().map(PlaceOrderRequest.Line::menuId)
        .distinct().toList());
    List<OrderView.Item> items = new ArrayList<>(lines.size());
    for (PlaceOrderRequest.Line line : lines) {
      Menu menu = found.get(line.menuId());
      if (menu == null || !menu.available()) {
        throw ApiProblem.unprocessable("menu-unavailable", "Menu unavailable",
            "Menu " + line.menuId() + " does not exist or is not available.");
      }
      BigDecimal unitPrice = menu.price().setScale(2, RoundingMode.HALF_UP);
      items.add(new OrderView.Item(menu.id(), menu.name(), line.quantity(), unitPrice,
          unitPrice.multiply(BigDecimal.valueOf(line.quantity())).setScale(2, RoundingMode.HALF_UP)));
    }
    return items;
  }

  /** @return null when approved */
  private static FailureReason failureOf(ChargeOutcome outcome) {
    if (outcome instanceof ChargeOutcome.Declined) {
      return FailureReason.DECLINED;
    }
    if (outcome instanceof ChargeOutcome.TimedOut) {
      return FailureReason.TIMEOUT;
    }
    if (outcome instanceof ChargeOutcome.Failed) {
      return FailureReason.PROVIDER_ERROR;
    }
    return null;
  }
}
