package dev.strangler.orders.ordering;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order as clients see it (docs/api.md).
 *
 * @param id order id (from 10^12)
 * @param memberId who ordered
 * @param status {@code PAID} or {@code FAILED}
 * @param items the priced lines
 * @param subtotal sum of the lines
 * @param discount {@code min(coupon discount, subtotal)}
 * @param total what was charged
 * @param couponCode the coupon used, or null
 * @param cardLast4 last four digits of the card
 * @param createdAt when the order was placed
 */
record Order(long id, long memberId, String status, List<Line> items, BigDecimal subtotal,
             BigDecimal discount, BigDecimal total, String couponCode, String cardLast4,
             @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
                 timezone = "UTC") Instant createdAt) {

  /**
   * @param menuId the menu
   * @param name its name when ordered
   * @param quantity how many
   * @param unitPrice its price when ordered
   * @param lineTotal unitPrice × quantity
   */
  record Line(long menuId, String name, int quantity, BigDecimal unitPrice, BigDecimal lineTotal) {}
}
