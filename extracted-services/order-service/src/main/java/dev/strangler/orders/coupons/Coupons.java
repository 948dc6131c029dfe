package dev.strangler.orders.coupons;

import dev.strangler.orders.problems.ApiProblem;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Issues coupons and lets an order reserve one (single use) or release it again.
 * Reserving and releasing join the caller's transaction, so the coupon moves together with the
 * order's saga state.
 */
@Component
public class Coupons {

  private static final char[] CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".toCharArray();
  private static final int CODE_LENGTH = 8;

  private final JdbcClient jdbc;
  private final SecureRandom random = new SecureRandom();

  /** @param jdbc the service's database */
  Coupons(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Transactional
  public Coupon issue(long memberId, String requestedCode, BigDecimal discount) {
    String code = requestedCode != null ? requestedCode : generateCode();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try {
      jdbc.sql("INSERT INTO coupons (code, member_id, discount_amount, used, issued_at)"
              + " VALUES (:code, :memberId, :discount, false, :issuedAt)")
          .param("code", code).param("memberId", memberId)
          .param("discount", discount.setScale(2, RoundingMode.HALF_UP))
          .param("issuedAt", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
          .update();
    } catch (DuplicateKeyException e) {
      throw new ApiProblem(HttpStatus.CONFLICT, "duplicate-coupon", "Coupon code taken",
          "A coupon with code " + code + " already exists.");
    }
    return new Coupon(code, memberId, discount.setScale(2, RoundingMode.HALF_UP), false, now);
  }

  @Transactional(readOnly = true)
  public List<Coupon> ofMember(long memberId) {
    return jdbc.sql("SELECT code, member_id, discount_amount, used, issued_at FROM coupons"
            + " WHERE member_id = :memberId ORDER BY issued_at, code")
        .param("memberId", memberId)
        .query(Coupons::coupon).list();
  }

  /**
   * Takes the coupon for an order. Joins the caller's transaction.
   *
   * @return the coupon's discount
   * @throws ApiProblem {@code 422 coupon-invalid} if no such coupon belongs to the member,
   *     {@code 409 coupon-used} if it is used or held by another order
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public BigDecimal reserve(String code, long memberId, long orderId) {
    Optional<BigDecimal> discount = jdbc.sql("UPDATE coupons SET used = true, order_id = :orderId,"
            + " used_at = :now WHERE code = :code AND member_id = :memberId AND NOT used"
            + " RETURNING discount_amount")
        .param("orderId", orderId).param("code", code).param("memberId", memberId)
        .param("now", OffsetDateTime.now(ZoneOffset.UTC))
        .query(BigDecimal.class).optional();
    if (discount.isPresent()) {
      return discount.get();
    }
    Optional<Coupon> coupon = jdbc.sql("SELECT code, member_id, discount_amount, used, issued_at"
            + " FROM coupons WHERE code = :code")
        .param("code", code).query(Coupons::coupon).optional();
    if (coupon.isEmpty() || coupon.get().memberId() != memberId) {
      throw new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "coupon-invalid", "Coupon invalid",
          "Coupon " + code + " does not exist or belongs to another member.");
    }
    throw new ApiProblem(HttpStatus.CONFLICT, "coupon-used", "Coupon already used",
        "Coupon " + code + " has already been used.");
  }

  /**
   * Gives back the coupon an order holds (its compensation). Joins the caller's transaction;
   * a no-op when the order holds none.
   *
   * @return the released coupon's discount, empty when nothing was held
   */
  @Transactional(propagation = Propagation.MANDATORY)
  public Optional<BigDecimal> release(String code, long orderId) {
    return jdbc.sql("UPDATE coupons SET used = false, order_id = NULL, used_at = NULL"
            + " WHERE code = :code AND order_id = :orderId RETURNING discount_amount")
        .param("code", code).param("orderId", orderId)
        .query(BigDecimal.class).optional();
  }

  private String generateCode() {
    char[] code = new char[CODE_LENGTH];
    for (int i = 0; i < code.length; i++) {
      code[i] = CODE_ALPHABET[random.nextInt(CODE_ALPHABET.length)];
    }
    return new String(code);
  }

  private static Coupon coupon(ResultSet rs, int row) throws SQLException {
    return new Coupon(rs.getString("code"), rs.getLong("member_id"), rs.getBigDecimal("discount_amount"),
        rs.getBoolean("used"), rs.getObject("issued_at", OffsetDateTime.class).toInstant());
  }
}
