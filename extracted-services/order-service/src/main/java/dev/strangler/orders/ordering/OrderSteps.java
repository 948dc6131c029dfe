package dev.strangler.orders.ordering;

import dev.strangler.orders.DeliveryProperties;
import dev.strangler.orders.coupons.Coupons;
import dev.strangler.orders.menus.Menu;
import dev.strangler.orders.menus.Menus;
import dev.strangler.orders.outbox.Outbox;
import dev.strangler.orders.payment.ChargeResult;
import dev.strangler.orders.problems.ApiProblem;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The local steps of the place-order saga and their compensations, one transaction each.
 * Every state change is guarded by the state it leaves ({@code WHERE status = :from}), so the
 * live saga and a recovery that races it can never both move an order.
 */
@Component
class OrderSteps {

  private final JdbcClient jdbc;
  private final Menus menus;
  private final Coupons coupons;
  private final Outbox outbox;
  private final String deliveryTopic;

  /**
   * @param jdbc the service's database
   * @param menus prices
   * @param coupons reservations
   * @param outbox where DeliveryRequested goes
   * @param properties the outbox topic
   */
  OrderSteps(JdbcClient jdbc, Menus menus, Coupons coupons, Outbox outbox, DeliveryProperties properties) {
    this.jdbc = jdbc;
    this.menus = menus;
    this.coupons = coupons;
    this.outbox = outbox;
    this.deliveryTopic = properties.outbox().topic();
  }

  /** PENDING → PRICED: the lines at today's prices, or a rejection if a menu is unavailable. */
  @Transactional
  public void price(OrderSagaData data) {
    Set<Long> ids = new LinkedHashSet<>();
    data.requestedItems.forEach(item -> ids.add(item.menuId()));
    Map<Long, Menu> found = menus.byIds(ids);
    for (Long id : ids) {
      Menu menu = found.get(id);
      if (menu == null || !menu.available()) {
        throw SagaFailure.rejected(new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "menu-unavailable",
            "Menu unavailable", "Menu " + id + " does not exist or is not available."));
      }
    }
    BigDecimal subtotal = BigDecimal.ZERO.setScale(2);
    for (PlaceOrderRequest.Item item : data.requestedItems) {
      Menu menu = found.get(item.menuId());
      BigDecimal lineTotal = menu.price().multiply(BigDecimal.valueOf(item.quantity())).setScale(2);
      subtotal = subtotal.add(lineTotal);
      jdbc.sql("INSERT INTO order_lines (order_id, menu_id, menu_name, quantity, unit_price, line_total)"
              + " VALUES (:orderId, :menuId, :name, :quantity, :unitPrice, :lineTotal)")
          .param("orderId", data.orderId).param("menuId", menu.id()).param("name", menu.name())
          .param("quantity", item.quantity()).param("unitPrice", menu.price()).param("lineTotal", lineTotal)
          .update();
    }
    data.total = subtotal;
    move(data.orderId, OrderStatus.PENDING, OrderStatus.PRICED,
        "subtotal = :subtotal, discount_amount = 0, total_amount = :subtotal", Map.of("subtotal", subtotal));
  }

  /** PRICED → COUPON_RESERVED: takes the coupon (if any) and applies its discount. */
  @Transactional
  public void reserveCoupon(OrderSagaData data) {
    if (data.couponCode == null) {
      move(data.orderId, OrderStatus.PRICED, OrderStatus.COUPON_RESERVED, null, Map.of());
      return;
    }
    BigDecimal couponDiscount;
    try {
      couponDiscount = coupons.reserve(data.couponCode, data.memberId, data.orderId);
    } catch (ApiProblem problem) {
      throw SagaFailure.rejected(problem);
    }
    BigDecimal subtotal = data.total;
    BigDecimal discount = couponDiscount.min(subtotal).setScale(2);
    data.total = subtotal.subtract(discount);
    move(data.orderId, OrderStatus.PRICED, OrderStatus.COUPON_RESERVED,
        "discount_amount = :discount, total_amount = :total", Map.of("discount", discount, "total", data.total));
  }

  /** Compensation of the coupon step: the coupon is free again. */
  @Transactional
  public void releaseCoupon(OrderSagaData data) {
    if (data.couponCode == null) {
      return;
    }
    coupons.release(data.couponCode, data.orderId).ifPresent(discount ->
        history(data.orderId, "COUPON_RELEASED", discount, "coupon " + data.couponCode));
  }

  /** COUPON_RESERVED → CHARGING, committed before the provider is called. */
  @Transactional
  public void markCharging(OrderSagaData data) {
    move(data.orderId, OrderStatus.COUPON_RESERVED, OrderStatus.CHARGING, null, Map.of());
  }

  /** Records a failed charge in the payment history. */
  @Transactional
  public void recordChargeFailure(OrderSagaData data, FailureReason reason, String detail) {
    String event = switch (reason) {
      case DECLINED -> "CHARGE_DECLINED";
      case TIMEOUT -> "CHARGE_TIMEOUT";
      case PROVIDER_ERROR, INTERRUPTED -> "CHARGE_ERROR";
    };
    history(data.orderId, event, data.total, detail);
  }

  /**
   * {@code from} → PAID: the payment, its history and the DeliveryRequested outbox event commit
   * together with the order.
   */
  @Transactional
  public void confirm(OrderSagaData data, OrderStatus from) {
    ChargeResult.Approved charge = data.charge;
    move(data.orderId, from, OrderStatus.PAID, null, Map.of());
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    jdbc.sql("INSERT INTO payments (order_id, amount, card_last4, provider_charge_id, status, created_at)"
            + " SELECT id, total_amount, card_last4, :chargeId, 'APPROVED', :now FROM orders WHERE id = :orderId")
        .param("chargeId", charge.chargeId()).param("now", now).param("orderId", data.orderId)
        .update();
    history(data.orderId, "CHARGE_APPROVED", charge.amount(), "charge " + charge.chargeId());
    List<DeliveryRequested.Item> items = new ArrayList<>();
    jdbc.sql("SELECT menu_id, menu_name, quantity FROM order_lines WHERE order_id = :orderId ORDER BY id")
        .param("orderId", data.orderId)
        .query(rs -> {
          items.add(new DeliveryRequested.Item(rs.getLong("menu_id"), rs.getString("menu_name"),
              rs.getInt("quantity")));
        });
    BigDecimal total = jdbc.sql("SELECT total_amount FROM orders WHERE id = :orderId")
        .param("orderId", data.orderId).query(BigDecimal.class).single();
    UUID eventId = UUID.randomUUID();
    outbox.record(eventId, "Order", Long.toString(data.orderId), deliveryTopic,
        new DeliveryRequested(eventId, data.orderId, data.memberId, items, total,
            now.toInstant().truncatedTo(ChronoUnit.MILLIS)));
  }

  /**
   * Compensation of opening the order. A rejected order (nothing was charged, nothing is held)
   * is discarded as if it never was, like the monolith that answers 422/409 without an order;
   * after a failed charge it stays, FAILED with its reason.
   */
  @Transactional
  public void close(OrderSagaData data, SagaFailure failure) {
    if (failure.isRejection()) {
      jdbc.sql("DELETE FROM orders WHERE id = :id AND status IN ('PENDING', 'PRICED', 'COUPON_RESERVED')")
          .param("id", data.orderId).update();
    } else {
      fail(data.orderId, failure.reason());
    }
  }

  /** Any non-final state → FAILED with a reason; a no-op on a final order. */
  @Transactional
  public boolean fail(long orderId, FailureReason reason) {
    return jdbc.sql("UPDATE orders SET status = 'FAILED', failure_reason = :reason, updated_at = :now"
            + " WHERE id = :id AND status NOT IN ('PAID', 'FAILED')")
        .param("reason", reason.name()).param("now", OffsetDateTime.now(ZoneOffset.UTC)).param("id", orderId)
        .update() == 1;
  }

  private void move(long orderId, OrderStatus from, OrderStatus to, String set, Map<String, Object> params) {
    JdbcClient.StatementSpec update = jdbc.sql("UPDATE orders SET status = :to, updated_at = :now"
            + (set == null ? "" : ", " + set) + " WHERE id = :id AND status = :from")
        .param("to", to.name()).param("from", from.name()).param("id", orderId)
        .param("now", OffsetDateTime.now(ZoneOffset.UTC));
    params.forEach(update::param);
    if (update.update() != 1) {
      throw new IllegalStateException("Order " + orderId + " is no longer " + from + "; not moved to " + to);
    }
  }

  private void history(long orderId, String event, BigDecimal amount, String detail) {
    jdbc.sql("INSERT INTO payment_history (order_id, event, amount, detail, created_at)"
            + " VALUES (:orderId, :event, :amount, :detail, :now)")
        .param("orderId", orderId).param("event", event).param("amount", amount).param("detail", detail)
        .param("now", OffsetDateTime.now(ZoneOffset.UTC))
        .update();
  }
}
