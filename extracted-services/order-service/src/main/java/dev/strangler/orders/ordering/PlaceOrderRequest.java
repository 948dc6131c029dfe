package dev.strangler.orders.ordering;

import dev.strangler.orders.payment.Card;
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
 * @param memberId who orders (not checked: members are another bounded context)
 * @param items 1–20 lines
 * @param couponCode optional single-use coupon of the member
 * @param card the card to charge
 */
record PlaceOrderRequest(@NotNull @Positive Long memberId,
                         @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid Item> items,
                         @Size(min = 1, max = 32) String couponCode,
                         @NotNull @Valid CardDetails card) {

  /** @param menuId the menu  @param quantity 1–99 */
  record Item(@NotNull Long menuId, @NotNull @Min(1) @Max(99) Integer quantity) {}

  /** @param type e.g. VISA  @param number 12–19 digits  @param expiry MM/YY */
  record CardDetails(@NotBlank @Size(max = 20) String type,
                     @NotNull @Pattern(regexp = "\\d{12,19}", message = "must be 12-19 digits") String number,
                     @NotNull @Pattern(regexp = "(0[1-9]|1[0-2])/\\d{2}", message = "must be MM/YY") String expiry) {

    Card toCard() {
      return new Card(type, number, expiry);
    }

    @Override
    public String toString() {
      return toCard().toString();
    }
  }
}
