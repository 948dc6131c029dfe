package dev.strangler.orders.coupons;

import com.fasterxml.jackson.annotation.JsonFormat;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A single-use coupon of one member.
 *
 * @param code the code the member types, unique
 * @param memberId the owner (members are another bounded context: not checked)
 * @param discount amount off an order, scale 2
 * @param used whether an order holds or consumed it
 * @param issuedAt when it was issued
 */
public record Coupon(String code, long memberId, BigDecimal discount, boolean used,
                     @JsonFormat(shape = JsonFormat.Shape.STRING, pattern = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
                         timezone = "UTC") Instant issuedAt) {}
