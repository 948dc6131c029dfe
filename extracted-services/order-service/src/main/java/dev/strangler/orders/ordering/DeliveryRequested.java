package dev.strangler.orders.ordering;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Published (through the outbox) when an order is paid: the kitchen and couriers take it from
 * here. Kafka key = order id; consumers deduplicate by {@code eventId}.
 *
 * @param eventId the outbox row's id
 * @param orderId the paid order
 * @param memberId who ordered
 * @param items what to deliver
 * @param total amount paid
 * @param requestedAt when the order was paid
 */
record DeliveryRequested(UUID eventId, long orderId, long memberId, List<Item> items, BigDecimal total,
                         @JsonFormat(shape = JsonFormat.Shape.STRING,
                             pattern = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", timezone = "UTC")
                         Instant requestedAt) {

  /** @param menuId the menu  @param name its name  @param quantity how many */
  record Item(long menuId, String name, int quantity) {}
}
