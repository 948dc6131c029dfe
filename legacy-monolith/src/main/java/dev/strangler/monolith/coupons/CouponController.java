package dev.strangler.monolith.coupons;

import jakarta.validation.Valid;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/members/{memberId}/coupons")
class CouponController {

  private final CouponService coupons;

  CouponController(CouponService coupons) {
    this.coupons = coupons;
  }

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  Coupon issue(@PathVariable long memberId, @Valid @RequestBody IssueCouponRequest request) {
    return coupons.issue(memberId, request);
  }

  @GetMapping
  List<Coupon> list(@PathVariable long memberId) {
    return coupons.list(memberId);
  }
}
