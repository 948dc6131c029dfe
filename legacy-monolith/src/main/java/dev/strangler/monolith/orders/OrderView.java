package dev.strangler.monolith.orders;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An order as the API answers it.
 *
 * @param id the order id
 * @param memberId the ordering member
 * @param status {@code PAID} or {@code FAILED}
 * @param items the priced lines
 * @param subtotal sum of the line totals
 * @param discount {@code min(coupon discount, subtotal)}
 * @param total what was charged
 * @param couponCode the coupon used, or null
 * @param cardLast4 the card's last four digits
 * @param createdAt when the order was placed
 */
record OrderView(long id, long memberId, String status, List<Item> items, BigDecimal subtotal,
    BigDecimal discount, BigDecimal total, String couponCode, String cardLast4,
    @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSX", timezone = "UTC")
    Instant createdAt) {

  /**
   * @param menuId the menu
   * @param name the menu's name when ordered
   * @param quantity how many
   * @param unitPrice the menu's price when ordered
   * @param lineTotal {@code unitPrice × quantity}
   */
  record Item(long menuId, String name, int quantity, BigDecimal unitPrice, BigDecimal lineTotal) {}
}
