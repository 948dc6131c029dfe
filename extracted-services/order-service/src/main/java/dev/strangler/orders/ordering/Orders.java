package dev.strangler.orders.ordering;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Reads orders, and opens them: the insert that also claims an {@code Idempotency-Key}. */
@Component
class Orders {

  private static final String FINAL = "('PAID', 'FAILED')";

  private final JdbcClient jdbc;

  /** @param jdbc the service's database */
  Orders(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Opens a PENDING order. With a key, only if no order holds it yet: a concurrent request with
   * the same key waits for this insert's commit and then gets nothing.
   *
   * @return the new order's id, or empty when another order holds the key
   */
  @Transactional
  public Optional<Long> open(String idempotencyKey, long memberId, String couponCode, String cardLast4) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS);
    return jdbc.sql("INSERT INTO orders (member_id, status, coupon_code, card_last4, idempotency_key,"
            + " created_at, updated_at) VALUES (:memberId, 'PENDING', :couponCode, :cardLast4, :key, :now, :now)"
            + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id")
        .param("memberId", memberId).param("couponCode", couponCode).param("cardLast4", cardLast4)
        .param("key", idempotencyKey).param("now", now)
        .query(Long.class).optional();
  }

  /** The order holding this key, in whatever state. */
  @Transactional(readOnly = true)
  public Optional<Holder> holderOf(String idempotencyKey) {
    return jdbc.sql("SELECT id, status, failure_reason FROM orders WHERE idempotency_key = :key")
        .param("key", idempotencyKey)
        .query((rs, row) -> new Holder(rs.getLong("id"), OrderStatus.valueOf(rs.getString("status")),
            Optional.ofNullable(rs.getString("failure_reason")).map(FailureReason::valueOf).orElse(null)))
        .optional();
  }

  /** A PAID or FAILED order; in-between states are never shown. */
  @Transactional(readOnly = true)
  public Optional<Order> find(long id) {
    List<Order> orders = load("o.id = :value", id);
    return orders.stream().findFirst();
  }

  @Transactional(readOnly = true)
  public List<Order> ofMember(long memberId) {
    return load("o.member_id = :value", memberId);
  }

  /** Orders sitting in a non-final state since before {@code cutoff}: their saga was abandoned. */
  @Transactional(readOnly = true)
  public List<Abandoned> abandonedBefore(Instant cutoff) {
    return jdbc.sql("SELECT id, member_id, status, coupon_code, total_amount FROM orders"
            + " WHERE status NOT IN " + FINAL + " AND updated_at < :cutoff ORDER BY id LIMIT 100")
        .param("cutoff", OffsetDateTime.ofInstant(cutoff, ZoneOffset.UTC))
        .query((rs, row) -> new Abandoned(rs.getLong("id"), rs.getLong("member_id"),
            OrderStatus.valueOf(rs.getString("status")), rs.getString("coupon_code"),
            rs.getBigDecimal("total_amount")))
        .list();
  }

  private List<Order> load(String condition, long value) {
    Map<Long, List<Order.Line>> lines = new LinkedHashMap<>();
    jdbc.sql("SELECT l.order_id, l.menu_id, l.menu_name, l.quantity, l.unit_price, l.line_total"
            + " FROM order_lines l JOIN orders o ON o.id = l.order_id"
            + " WHERE " + condition + " AND o.status IN " + FINAL + " ORDER BY l.order_id, l.id")
        .param("value", value)
        .query(rs -> {
          lines.computeIfAbsent(rs.getLong("order_id"), id -> new ArrayList<>()).add(new Order.Line(
              rs.getLong("menu_id"), rs.getString("menu_name"), rs.getInt("quantity"),
              rs.getBigDecimal("unit_price"), rs.getBigDecimal("line_total")));
        });
    return jdbc.sql("SELECT o.id, o.member_id, o.status, o.subtotal, o.discount_amount, o.total_amount,"
            + " o.coupon_code, o.card_last4, o.created_at FROM orders o"
            + " WHERE " + condition + " AND o.status IN " + FINAL + " ORDER BY o.id")
        .param("value", value)
        .query((rs, row) -> order(rs, lines.getOrDefault(rs.getLong("id"), List.of())))
        .list();
  }

  private static Order order(ResultSet rs, List<Order.Line> lines) throws SQLException {
    return new Order(rs.getLong("id"), rs.getLong("member_id"), rs.getString("status"), lines,
        rs.getBigDecimal("subtotal"), rs.getBigDecimal("discount_amount"), rs.getBigDecimal("total_amount"),
        rs.getString("coupon_code"), rs.getString("card_last4"),
        rs.getObject("created_at", OffsetDateTime.class).toInstant());
  }

  /** The order that holds an idempotency key. */
  record Holder(long id, OrderStatus status, FailureReason failureReason) {}

  /** An order whose saga stopped in a non-final state. */
  record Abandoned(long id, long memberId, OrderStatus status, String couponCode, BigDecimal total) {}
}
