package dev.strangler.orders.coupons;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
class CouponController {

  private final Coupons coupons;

  CouponController(Coupons coupons) {
    this.coupons = coupons;
  }

  @PostMapping("/api/members/{memberId}/coupons")
  @ResponseStatus(HttpStatus.CREATED)
  Coupon issue(@PathVariable long memberId, @Valid @RequestBody IssueCoupon request) {
    return coupons.issue(memberId, request.code(), request.discount());
  }

  @GetMapping("/api/members/{memberId}/coupons")
  List<Coupon> list(@PathVariable long memberId) {
    return coupons.ofMember(memberId);
  }

  /**
   * @param code the code to issue; generated (8 upper-case letters/digits) when absent
   * @param discount amount off an order, more than zero
   */
  record IssueCoupon(@Size(min = 1, max = 32)
                     @Pattern(regexp = "[A-Za-z0-9_-]*", message = "must be letters, digits, '_' or '-'") String code,
                     @NotNull @DecimalMin(value = "0.00", inclusive = false) @Digits(integer = 8, fraction = 2)
                     BigDecimal discount) {}
}
