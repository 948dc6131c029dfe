package dev.strangler.monolith.coupons;

import dev.strangler.monolith.Timestamps;
import dev.strangler.monolith.problems.ApiProblem;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The {@code coupons} table. Taking a coupon is one conditional update ({@code used = false} in
 * the WHERE clause), so of any number of concurrent orders exactly one gets it: the others wait
 * on the row lock and then find it used, or take it if the holder released it.
 */
@Component
public class CouponLedger {

  private final JdbcClient jdbc;
  private final Clock clock;

  CouponLedger(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /**
   * Marks a coupon used by an order; call inside the order's transaction.
   *
   * @param code the coupon code
   * @param memberId the ordering member; a coupon of another member is invalid
   * @param orderId the order taking it
   * @return the coupon's discount
   * @throws ApiProblem 409 {@code coupon-used}, 422 {@code coupon-invalid}
   */
  public BigDecimal take(String code, long memberId, long orderId) {
    var discount = jdbc.sql("""
            UPDATE coupons SET used = true, used_at = :now, order_id = :orderId
            WHERE code = :code AND member_id = :memberId AND used = false
            RETURNING discount""")
        .param("now", Timestamps.toDatabase(Timestamps.now(clock)))
        .param("orderId", orderId)
        .param("code", code)
        .param("memberId", memberId)
        .query(BigDecimal.class).optional();
    if (discount.isPresent()) {
      return discount.get();
    }
    var owner = jdbc.sql("SELECT member_id FROM coupons WHERE code = :code")
        .param("code", code).query(Long.class).optional();
    if (owner.isEmpty() || owner.get() != memberId) {
      throw ApiProblem.unprocessable("coupon-invalid", "Coupon invalid",
          "Coupon " + code + " does not exist or belongs to another member.");
    }
    throw ApiProblem.conflict("coupon-used", "Coupon already used",
        "Coupon " + code + " has already been used.");
  }

  /**
   * Makes a coupon usable again after its order failed; call inside the order's transaction.
   *
   * @param code the coupon code
   */
  public void release(String code) {
    jdbc.sql("UPDATE coupons SET used = false, used_at = NULL, order_id = NULL WHERE code = :code")
        .param("code", code).update();
  }

  /** @return true if inserted, false if the code exists */
  boolean insert(String code, long memberId, BigDecimal discount, Instant issuedAt) {
    return jdbc.sql("""
            INSERT INTO coupons (code, member_id, discount, used, issued_at)
            VALUES (:code, :memberId, :discount, false, :issuedAt)
            ON CONFLICT (code) DO NOTHING""")
        .param("code", code)
        .param("memberId", memberId)
        .param("discount", discount)
        .param("issuedAt", Timestamps.toDatabase(issuedAt))
        .update() == 1;
  }

  List<Coupon> findByMember(long memberId) {
    return jdbc.sql("""
            SELECT code, member_id, discount, used, issued_at FROM coupons
            WHERE member_id = :memberId ORDER BY issued_at, code""")
        .param("memberId", memberId)
        .query((rs, row) -> new Coupon(rs.getString("code"), rs.getLong("member_id"),
            rs.getBigDecimal("discount"), rs.getBoolean("used"),
            Timestamps.fromDatabase(rs.getObject("issued_at", LocalDateTime.class))))
        .list();
  }
}
