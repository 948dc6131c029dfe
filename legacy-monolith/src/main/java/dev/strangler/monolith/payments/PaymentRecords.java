package dev.strangler.monolith.payments;

import dev.strangler.monolith.Timestamps;
import java.math.BigDecimal;
import java.time.Instant;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The {@code payments} and {@code payment_history} tables; written in the order's transaction. */
@Component
public class PaymentRecords {

  /** The events of {@code payment_history.event}. */
  public enum Event { CHARGE_APPROVED, CHARGE_DECLINED, CHARGE_TIMEOUT, CHARGE_ERROR, COUPON_RELEASED }

  private final JdbcClient jdbc;

  PaymentRecords(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records an approved charge.
   *
   * @param orderId the order paid
   * @param amount the amount charged
   * @param cardLast4 the card's last four digits
   * @param chargeId the provider's charge id
   * @param at when
   */
  public void recordPayment(long orderId, BigDecimal amount, String cardLast4, String chargeId,
      Instant at) {
    jdbc.sql("""
            INSERT INTO payments (order_id, amount, card_last4, provider_charge_id, status, created_at)
            VALUES (:orderId, :amount, :last4, :chargeId, 'APPROVED', :at)""")
        .param("orderId", orderId)
        .param("amount", amount)
        .param("last4", cardLast4)
        .param("chargeId", chargeId)
        .param("at", Timestamps.toDatabase(at))
        .update();
  }

  /**
   * Appends to an order's payment history.
   *
   * @param orderId the order
   * @param event what happened
   * @param amount the amount concerned
   * @param detail a short explanation, at most 200 characters, or null
   * @param at when
   */
  public void recordHistory(long orderId, Event event, BigDecimal amount, String detail, Instant at) {
    String shortDetail = detail != null && detail.length() > 200 ? detail.substring(0, 200) : detail;
    jdbc.sql("""
            INSERT INTO payment_history (order_id, event, amount, detail, created_at)
            VALUES (:orderId, :event, :amount, :detail, :at)""")
        .param("orderId", orderId)
        .param("event", event.name())
        .param("amount", amount)
        .param("detail", shortDetail)
        .param("at", Timestamps.toDatabase(at))
        .update();
  }
}
