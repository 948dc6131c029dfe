package dev.strangler.monolith.payments;

import java.math.BigDecimal;

/**
 * One charge to send to the provider.
 *
 * @param idempotencyKey the provider deduplicates charges by this key
 * @param amount the amount, scale 2
 * @param cardType e.g. {@code VISA}
 * @param cardNumber the full card number: sent to the provider, never stored or logged
 * @param cardExpiry {@code MM/YY}
 */
public record ChargeRequest(String idempotencyKey, BigDecimal amount, String cardType,
    String cardNumber, String cardExpiry) {

  @Override
  public String toString() {
    return "ChargeRequest[idempotencyKey=" + idempotencyKey + ", amount=" + amount
        + ", cardLast4=" + cardLast4() + "]";
  }

  /** @return the last four digits of the card number */
  public String cardLast4() {
    return cardNumber.substring(cardNumber.length() - 4);
  }
}
