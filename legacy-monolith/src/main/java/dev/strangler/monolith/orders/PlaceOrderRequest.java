package dev.strangler.monolith.orders;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * The body of {@code POST /api/orders}.
 *
 * @param memberId the ordering member (not checked: members are another bounded context)
 * @param items 1–20 order lines
 * @param couponCode a single-use coupon of this member, or null
 * @param card the card to charge
 */
record PlaceOrderRequest(
    @NotNull @Positive Long memberId,
    @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid Line> items,
    @Size(min = 1, max = 32) String couponCode,
    @NotNull @Valid Card card) {

  /** @param menuId the menu  @param quantity 1–99 */
  record Line(@NotNull Long menuId, @NotNull @Min(1) @Max(99) Integer quantity) {}

  /**
   * A payment card; only its last four digits are ever stored or logged.
   *
   * @param type e.g. {@code VISA}
   * @param number 12–19 digits
   * @param expiry {@code MM/YY}
   */
  record Card(
      @NotBlank @Size(max = 20) String type,
      @NotNull @Pattern(regexp = "\\d{12,19}", message = "must be 12-19 digits") String number,
      @NotNull @Pattern(regexp = "(0[1-9]|1[0-2])/\\d{2}", message = "must be MM/YY") String expiry) {

    @Override
    public String toString() {
      String last4 = number != null && number.length() >= 4
          ? number.substring(number.length() - 4) : "?";
      return "Card[type=" + type + ", last4=" + last4 + "]";
    }
  }
}
