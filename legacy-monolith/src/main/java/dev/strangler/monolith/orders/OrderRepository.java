package dev.strangler.monolith.orders;

import dev.strangler.monolith.Timestamps;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code orders} and {@code order_items} tables. */
@Repository
class OrderRepository {

  private static final String ORDER_COLUMNS = """
      id, member_id, status, subtotal, discount, total, coupon_code, card_last4, failure_reason,
      created_at""";

  private final JdbcClient jdbc;

  OrderRepository(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** @return the next id of the {@code orders} identity, taken before the order is written */
  long nextId() {
    return jdbc.sql("SELECT nextval(pg_get_serial_sequence('orders', 'id'))")
        .query(Long.class).single();
  }

  /**
   * Serialises requests with the same idempotency key until the current transaction ends, so a
   * concurrent retry waits for the first answer instead of charging again.
   */
  void lockIdempotencyKey(String key) {
    jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
        .param("key", key)
        .query((rs, row) -> 1).single();
  }

  void insert(OrderView order, FailureReason failure, String idempotencyKey) {
    jdbc.sql("""
            INSERT INTO orders (id, member_id, status, subtotal, discount, total, coupon_code,
                                card_last4, idempotency_key, failure_reason, created_at)
            VALUES (:id, :memberId, :status, :subtotal, :discount, :total, :couponCode,
                    :cardLast4, :key, :failure, :createdAt)""")
        .param("id", order.id())
        .param("memberId", order.memberId())
        .param("status", order.status())
        .param("subtotal", order.subtotal())
        .param("discount", order.discount())
        .param("total", order.total())
        .param("couponCode", order.couponCode())
        .param("cardLast4", order.cardLast4())
        .param("key", idempotencyKey)
        .param("failure", failure == null ? null : failure.name())
        .param("createdAt", Timestamps.toDatabase(order.createdAt()))
        .update();
    for (OrderView.Item item : order.items()) {
      jdbc.sql("""
              INSERT INTO order_items (order_id, menu_id, menu_name, quantity, unit_price, line_total)
              VALUES (:orderId, :menuId, :name, :quantity, :unitPrice, :lineTotal)""")
          .param("orderId", order.id())
          .param("menuId", item.menuId())
          .param("name", item.name())
          .param("quantity", item.quantity())
          .param("unitPrice", item.unitPrice())
          .param("lineTotal", item.lineTotal())
          .update();
    }
  }

  Optional<PlacedOrder> find(long id) {
    return one("SELECT " + ORDER_COLUMNS + " FROM orders WHERE id = :value", id);
  }

  Optional<PlacedOrder> findByIdempotencyKey(String key) {
    return one("SELECT " + ORDER_COLUMNS + " FROM orders WHERE idempotency_key = :value", key);
  }

  List<OrderView> findByMember(long memberId) {
    List<Row> rows = jdbc.sql("SELECT " + ORDER_COLUMNS
            + " FROM orders WHERE member_id = :memberId ORDER BY id")
        .param("memberId", memberId)
        .query(OrderRepository::row).list();
    Map<Long, List<OrderView.Item>> items = items(rows.stream().map(Row::id).toList());
    return rows.stream().map(r -> r.view(items.getOrDefault(r.id(), List.of()))).toList();
  }

  private Optional<PlacedOrder> one(String sql, Object value) {
    return jdbc.sql(sql).param("value", value).query(OrderRepository::row).optional()
        .map(r -> new PlacedOrder(r.view(items(List.of(r.id())).getOrDefault(r.id(), List.of())),
            r.failure() == null ? null : FailureReason.valueOf(r.failure())));
  }

  private Map<Long, List<OrderView.Item>> items(List<Long> orderIds) {
    if (orderIds.isEmpty()) {
      return Map.of();
    }
    record ItemRow(long orderId, OrderView.Item item) {}
    return jdbc.sql("""
            SELECT order_id, menu_id, menu_name, quantity, unit_price, line_total
            FROM order_items WHERE order_id IN (:ids) ORDER BY id""")
        .param("ids", orderIds)
        .query((rs, n) -> new ItemRow(rs.getLong("order_id"), new OrderView.Item(
            rs.getLong("menu_id"), rs.getString("menu_name"), rs.getInt("quantity"),
            rs.getBigDecimal("unit_price"), rs.getBigDecimal("line_total"))))
        .list().stream()
        .collect(Collectors.groupingBy(ItemRow::orderId,
            Collectors.mapping(ItemRow::item, Collectors.toList())));
  }

  private static Row row(ResultSet rs, int n) throws SQLException {
    return new Row(rs.getLong("id"), rs.getLong("member_id"), rs.getString("status"),
        rs.getBigDecimal("subtotal"), rs.getBigDecimal("discount"), rs.getBigDecimal("total"),
        rs.getString("coupon_code"), rs.getString("card_last4"), rs.getString("failure_reason"),
        rs.getObject("created_at", LocalDateTime.class));
  }

  private record Row(long id, long memberId, String status, BigDecimal subtotal,
      BigDecimal discount, BigDecimal total, String couponCode,
      String cardLast4, String failure, LocalDateTime createdAt) {

    OrderView view(List<OrderView.Item> items) {
      return new OrderView(id, memberId, status, items, subtotal, discount, total, couponCode,
          cardLast4, Timestamps.fromDatabase(createdAt));
    }
  }
}
