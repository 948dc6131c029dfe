package dev.strangler.monolith.coupons;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;

/**
 * The body of {@code POST /api/members/{memberId}/coupons}.
 *
 * @param code the code, or null to generate 8 upper-case letters and digits
 * @param discount the amount taken off an order, more than 0
 */
record IssueCouponRequest(
    @Size(min = 1, max = 32) @Pattern(regexp = "[A-Za-z0-9_-]*", message = "must be letters, digits, '_' or '-'") String code,
    @NotNull @DecimalMin(value = "0.00", inclusive = false) @Digits(integer = 8, fraction = 2) BigDecimal discount) {}
