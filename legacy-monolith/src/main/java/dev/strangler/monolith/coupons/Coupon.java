package dev.strangler.monolith.coupons;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A coupon as the API answers it.
 *
 * @param code the single-use code
 * @param memberId the member it was issued to
 * @param discount the amount it takes off an order, scale 2
 * @param used whether an order holds it
 * @param issuedAt when it was issued
 */
record Coupon(String code, long memberId, BigDecimal discount, boolean used,
    @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSX", timezone = "UTC")
    Instant issuedAt) {}
